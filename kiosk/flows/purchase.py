"""Walk-up purchase: product, date and slot, ticket counts, holders, extras, review, pay, print.

Screens in order: `choose_product`, `choose_slot`, `choose_tickets`, `holder` (real-name
products, once per ticket: a card on the reader, a document typed, a child without one, or
`holder_staff_card` / `holder_staff_pin` for an adult staff allow without one; see
kiosk/flows/holder_entry.py), `extras` (phone, coupon, member, points), `review`, then the
checkout screens (`pay`, `pay_waiting`, `pay_qr`, `printing`, `paper_out`, `done`).

The journey is a list of steps with a cursor (kiosk.flows.steps): every screen up to the
payment prompt offers `back`, which goes one step back keeping what was chosen (the cart);
back from `pay` gives the hold up and returns to `extras`. `extras` and `review` show the
server's quote (`POST /orders/quote`, `data.quote`: lines with their discounts, total), asked
again after each change: a coupon typed (`set_coupon`, A-Z/0-9) or scanned (`KC1:` QR), points
to spend (`set_points`, in steps of 100, at most `quote.points_max`), a member identified. A
refused coupon or points request is told (`error.<code>` and `coupon.next.<code>` /
`points.next`: what to do next) and dropped; the quote stays the last good one. Coming (back)
to `extras` re-quotes the cart as it now is: a coupon or points it no longer allows (fewer
tickets after Back, the coupon's last use gone elsewhere) are told the same way and dropped,
so the summary never shows a price the order will be refused at; any other refusal is told
with `extras.change_cart` (go back and change the tickets).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kiosk.api_records import Catalog, Product, Slot
from kiosk.client import BackendError
from kiosk.domain.code_kinds import CodeKind, classify
from kiosk.domain.errors import ERRORS
from kiosk.domain.holders import holder_view
from kiosk.domain.ids import is_valid_phone
from kiosk.flows import checkout
from kiosk.flows.base import SCAN, SMART_CARD, Action, Flow, Msg, Outcome, Ports
from kiosk.flows.holder_entry import HolderEntry
from kiosk.flows.steps import BACK, StepBack, StepHistory


@dataclass
class Cart:
    product: Product | None = None
    date: str = ""
    slot: Slot | None = None
    counts: dict[str, int] = field(default_factory=dict)  # ticket type id -> count
    holders: list[dict[str, str]] = field(default_factory=list)
    buyer_phone: str = ""
    coupon_code: str = ""
    member_id: str = ""
    points_to_redeem: int = 0
    addon_lines: list[dict[str, Any]] = field(default_factory=list)  # extra lines (add-ons)
    parent_ticket_code: str = ""  # for an add-on: the admission ticket shown
    parent_holder: dict[str, str] | None = None  # or the ID card of its holder
    addon_fen: int = 0  # the estimate of `addon_lines` (the backend computes the total)

    def estimate_fen(self) -> int:
        prices = self.slot.prices if self.slot else {}
        return sum(prices.get(t, 0) * n for t, n in self.counts.items()) + self.addon_fen

    def request(self) -> dict[str, Any]:
        assert self.product is not None and self.slot is not None
        lines, h = [], 0
        for type_id, count in self.counts.items():
            if count <= 0:
                continue
            holders = self.holders[h : h + count] if self.product.real_name else []
            if not holders and self.parent_holder and not self.parent_ticket_code and not lines:
                holders = [self.parent_holder]  # lets the backend find the parent ticket
            h += count if self.product.real_name else 0
            line = {
                "product_id": self.product.id,
                "slot_id": self.slot.id,
                "ticket_type_id": type_id,
                "quantity": count,
                "holders": holders,
            }
            if self.parent_ticket_code:
                line["parent_ticket_code"] = self.parent_ticket_code
            lines.append(line)
        body: dict[str, Any] = {"lines": lines + self.addon_lines, "buyer_phone": self.buyer_phone}
        if self.coupon_code:
            body["coupon_code"] = self.coupon_code
        if self.member_id:
            body["member_id"] = self.member_id
            body["points_to_redeem"] = self.points_to_redeem
        return body


def slot_view(slot: Slot) -> dict[str, Any]:
    return {
        "id": slot.id,
        "date": slot.date,
        "label": slot.label,
        "remaining": slot.remaining,
        "capacity": slot.capacity,
        "status": slot.status,
        "prices": dict(slot.prices),
    }


def product_view(p: Product) -> dict[str, Any]:
    return {
        "id": p.id,
        "kind": p.kind,
        "name": {"zh": p.name_zh, "en": p.name_en},
        "real_name": p.real_name,
        "parent_product_id": p.parent_product_id,
    }


# create_order refusals that another entry time fixes: the chosen one closed (its end passed,
# or staff closed it) or sold out while the tourist was entering the details
SLOT_GONE = frozenset({"slot_closed", "sold_out"})


class PurchaseFlow(Flow):
    name = "purchase"

    def __init__(self, ports: Ports, product_id: str = "", id_card: Any = None) -> None:
        super().__init__(ports)
        self.cart = Cart()
        self.product_id = product_id
        self.first_card = id_card  # an ID card the start screen already read
        self.catalog: Catalog | None = None
        self.history: StepHistory | None = None  # while it runs, every screen offers `back`
        self.quote: dict[str, Any] | None = None  # the server's last good quote of the cart

    def forget(self) -> None:
        self.cart = Cart()
        self.first_card = None
        self.quote = None
        super().forget()

    async def journey(self) -> Outcome:
        self.catalog = await self.ports.client.catalog()
        self.history = StepHistory(
            self,
            [self.choose_product, self.choose_slot, self.choose_tickets, self.holders_step,
             self.extras, self.review_and_pay],
        )  # fmt: skip
        order = await self.history.run()
        self.history = None
        return await self.deliver(order)

    def nav(self, *actions: str) -> tuple[str, ...]:
        """A screen's actions, with `back` while the journey's step history runs."""
        return (*actions, BACK) if self.history is not None else actions

    async def wait(self, *allowed: str, idle: bool = True) -> Action:
        """As Flow.wait; a `back` tap (offered on the screen) raises StepBack."""
        if BACK in self.state.actions and BACK not in allowed:
            allowed = (*allowed, BACK)
        action = await super().wait(*allowed, idle=idle)
        if action.name == BACK:
            raise StepBack()
        return action

    async def holders_step(self) -> None:
        if self.cart.product and self.cart.product.real_name:
            await self.enter_holders()

    async def review_and_pay(self) -> Any:
        """Review and hold, then the payment prompt; back from it gives the hold up and goes
        back to the step before the review (the summary), the cart kept."""
        order = await self.review_and_hold()
        await checkout.take_payment(self, order)
        return order

    async def finish(self, order: Any) -> Outcome:
        """Pay for the held order and print its tickets."""
        await checkout.take_payment(self, order)
        return await self.deliver(order)

    async def deliver(self, order: Any) -> Outcome:
        """Print the tickets of the paid order; `done` offers an e-invoice or a receipt slip
        (kiosk.flows.after_sale runs them)."""
        outcome = Outcome(self.name, "paid", order_no=order.order_no, order_id=order.id)
        outcome = await checkout.print_paid_order(self, order.id, outcome)
        self.publish(
            "done",
            Msg("done.take_tickets", {"count": len(outcome.printed)}),
            Msg("done.points_earned", {"points": outcome.data.get("points_earned", 0)}),
            data={
                "order_no": outcome.order_no,
                "order_id": outcome.order_id,
                "printed": outcome.printed,
                "total_fen": order.total_fen,
                "after_sale": True,
            },
        )
        outcome.data["after_sale"] = True
        outcome.told = list(self.told)
        return outcome

    async def choose_product(self) -> None:
        assert self.catalog is not None
        if self.product_id:
            self.cart.product = self.catalog.product(self.product_id)
            if self.cart.product is not None:
                return
        choices = [p for p in self.catalog.products if p.kind in ("admission", "bundle")]
        if len(choices) == 1:
            self.cart.product = choices[0]
            return
        chosen = self.cart.product.id if self.cart.product else ""
        self.publish(
            "choose_product",
            Msg("purchase.choose_product"),
            data={"products": [product_view(p) for p in choices], "chosen": chosen},
            actions=self.nav("choose_product", "cancel"),
        )
        while True:
            action = await self.wait("choose_product")
            product = self.catalog.product(str(action.params.get("product_id")))
            if product is None:
                continue
            if self.cart.product is not None and product.id != self.cart.product.id:
                self.cart = Cart(product=product)  # another product: its own slots and types
            self.cart.product = product
            return

    async def choose_slot(self, message: Msg | None = None, why: Msg | None = None) -> None:
        """The date and entry time. `message`: the prompt (default `purchase.choose_slot`);
        `why`: said first when the tourist must choose again (the order was refused), then
        what to do next (the prompt, or `purchase.no_slots` when that day has none open)."""
        assert self.cart.product is not None
        self.cart.date = self.cart.date or self.ports.clock.now().date().isoformat()
        while True:
            slots = await self.ports.client.slots(self.cart.product.id, self.cart.date)
            open_slots = [s for s in slots if s.remaining > 0 and s.status == "open"]
            msgs = [message] if message else [Msg("purchase.choose_slot")]
            if not open_slots:
                msgs.append(Msg("purchase.no_slots", {"date": self.cart.date}))
            if why is not None:
                msgs = [why, msgs[-1]]
            self.publish(
                "choose_slot",
                *msgs,
                data={
                    "date": self.cart.date,
                    "product": product_view(self.cart.product),
                    "slots": [slot_view(s) for s in slots],
                    "chosen_slot_id": self.cart.slot.id if self.cart.slot else "",
                    "counts": dict(self.cart.counts),  # kept when chosen again (`why`)
                },
                actions=self.nav("choose_date", "choose_slot", "cancel"),
            )
            action = await self.wait("choose_date", "choose_slot")
            if action.name == "choose_date":
                self.cart.date = str(action.params.get("date"))
                message = why = None
                continue
            chosen = next((s for s in open_slots if s.id == action.params.get("slot_id")), None)
            if chosen is not None:
                self.cart.slot = chosen
                return
            message, why = Msg("purchase.slot_unavailable"), None

    async def choose_tickets(self) -> None:
        assert self.cart.product is not None and self.cart.slot is not None
        types = [
            {
                "id": t.id,
                "name": {"zh": t.name_zh, "en": t.name_en},
                "price_fen": self.cart.slot.prices.get(t.id, 0),
            }
            for t in self.cart.product.ticket_types
        ]
        message = Msg("purchase.choose_tickets")
        while True:
            self.publish(
                "choose_tickets",
                message,
                data={
                    "types": types,
                    "counts": dict(self.cart.counts),
                    "remaining": self.cart.slot.remaining,
                    "estimate_fen": self.cart.estimate_fen(),
                },
                actions=self.nav("set_count", "next", "cancel"),
            )
            action = await self.wait("set_count", "next")
            if action.name == "set_count":
                count = max(0, int(action.params.get("count", 0)))
                self.cart.counts[str(action.params.get("ticket_type_id"))] = count
                message = Msg("purchase.choose_tickets")
            elif sum(self.cart.counts.values()) > 0:
                return
            else:
                message = Msg("purchase.choose_at_least_one")

    async def enter_holders(self) -> None:
        """One holder per ticket (kiosk.flows.holder_entry): a card on the reader, a document
        typed, a child without one, or an adult staff allow without one."""
        total = sum(self.cart.counts.values())
        entry = HolderEntry(self, total, self.first_card, entered=self.cart.holders)
        self.first_card = None
        self.cart.holders = await entry.run()  # Back keeps what was entered (holder_entry)

    async def extras(self) -> None:
        message = Msg("extras.optional")
        follow: Msg | None = None
        told = await self.requote_kept()  # the cart may have changed since the last quote
        if told is not None:
            message, follow = told
        while True:
            self.publish(
                "extras",
                *([message, follow] if follow else [message]),
                data={
                    "buyer_phone": self.cart.buyer_phone,
                    "coupon_code": self.cart.coupon_code,
                    "member_id": self.cart.member_id,
                    "points_to_redeem": self.cart.points_to_redeem,
                    "holder_views": self.holder_views(),
                    **self.quote_data(),
                },
                actions=self.nav(
                    "set_phone", "set_coupon", "set_points", SCAN, SMART_CARD, "next", "cancel"
                ),
            )
            action = await self.wait(
                "set_phone", "set_coupon", "set_points", SCAN, SMART_CARD, "next"
            )
            p = action.params
            follow = None
            if action.name == "next":
                return
            if action.name == "set_phone":
                phone = str(p.get("phone", ""))
                ok = is_valid_phone(phone)
                self.cart.buyer_phone = phone if ok else self.cart.buyer_phone
                message = Msg("extras.phone_set") if ok else self.rule_msg("invalid_phone")
            elif action.name == "set_coupon":
                message, follow = await self._coupon(str(p.get("code", "")))
            elif action.name == "set_points":
                message, follow = await self._points(p.get("points", 0))
            elif action.name == SCAN:
                code = classify(str(p.get("text")))
                if code.kind == CodeKind.MEMBER:
                    message, follow = await self._member(code.value)
                elif code.kind == CodeKind.COUPON:
                    message, follow = await self._coupon(code.value)
            elif action.name == SMART_CARD and getattr(p.get("card"), "kind", "") == "member":
                message, follow = await self._member(p["card"].member_id)

    async def requote(self) -> BackendError | None:
        """Ask the server's price of the cart as it is (`self.quote`); the refusal, if any
        (the quote then stays the last good one)."""
        try:
            self.quote = await self.ports.client.quote(self.cart.request())
        except BackendError as exc:
            if exc.unreachable:
                raise
            return exc
        return None

    async def requote_kept(self) -> tuple[Msg, Msg | None] | None:
        """Re-quote the cart as it is now. A coupon or points the server refuses for it (the
        tourist went back and took fewer tickets, the coupon's last use went elsewhere) are
        dropped, so the quote shown is what the order will cost; None when nothing was
        refused, else what was refused (`error.<code>`, the one table's words) and what to do
        next (`coupon.next.<code>`, `points.next`, or `extras.change_cart`: go back and change
        the tickets, when the refusal is not about a coupon or points)."""
        told: tuple[Msg, Msg | None] | None = None
        for _ in range(3):  # at most: the coupon dropped, the points dropped, quoted
            refused = await self.requote()
            if refused is None:
                break
            # the one table's words in each language (the backend's zh message may end with
            # a detail in English, e.g. "(minimum 100.00 yuan)")
            code = refused.code
            said = self.rule_msg(code) if code in ERRORS else self.error_msg(refused)
            if refused.code.startswith("coupon_") and self.cart.coupon_code:
                told = told or (said, coupon_next(refused.code, self.cart.coupon_code))
                self.cart.coupon_code = ""
            elif refused.code.startswith("points_") and self.cart.points_to_redeem:
                told = told or (said, None)
                self.cart.points_to_redeem = 0
            else:
                self.quote = None  # the last good quote was of another cart
                return told or (said, Msg("extras.change_cart"))
        if told is not None and told[1] is None:
            options = self.quote_data()["points_options"]
            told = (told[0], Msg("points.next", {"most": max(options) if options else 0}))
        return told

    def quote_data(self) -> dict[str, Any]:
        """The quote for a screen, and the points the member may choose to spend."""
        q = self.quote or {}
        most, step = int(q.get("points_max", 0) or 0), int(q.get("points_step", 100) or 100)
        return {
            "quote": dict(q),
            "total_fen": int(q.get("total_fen", self.cart.estimate_fen())),
            "points_options": points_options(most, step) if self.cart.member_id else [],
        }

    async def _coupon(self, code: str) -> tuple[Msg, Msg | None]:
        """Apply a coupon code (typed or scanned): re-quoted, or refused with what to do."""
        code = "".join(code.split()).upper()
        previous, self.cart.coupon_code = self.cart.coupon_code, code
        refused = await self.requote()
        if refused is None:
            q = self.quote or {}
            return Msg(
                "coupon.applied", {"code": code, "discount_fen": q.get("coupon_discount_fen", 0)}
            ), None
        self.cart.coupon_code = previous
        if previous:
            await self.requote()
        return self.error_msg(refused), coupon_next(refused.code, code)

    async def _points(self, points: Any) -> tuple[Msg, Msg | None]:
        try:
            wanted = max(0, int(points))
        except (TypeError, ValueError):
            wanted = -1
        previous, self.cart.points_to_redeem = self.cart.points_to_redeem, wanted
        refused = await self.requote() if wanted >= 0 else BackendError(
            "points_invalid", "", "", 422)  # fmt: skip
        if refused is None:
            q = self.quote or {}
            return Msg(
                "points.applied",
                {"points": wanted, "discount_fen": q.get("points_discount_fen", 0)},
            ), None
        self.cart.points_to_redeem = previous
        await self.requote()
        msg = self.error_msg(refused) if refused.message_zh else self.rule_msg(refused.code)
        options = self.quote_data()["points_options"]
        return msg, Msg("points.next", {"most": max(options) if options else 0})

    def holder_views(self) -> list[dict[str, Any]]:
        """Each ticket's holder as a screen may show it: the document named, number and name
        masked, whether staff allowed no document (kiosk.domain.holders.holder_view)."""
        return [holder_view(h) for h in self.cart.holders]

    async def _member(self, member_id: str) -> tuple[Msg, Msg | None]:
        try:
            member = await self.ports.client.member(member_id)
        except BackendError as exc:
            return self.error_msg(exc), None
        self.cart.member_id = member.id
        told = await self.requote_kept()
        if told is not None:
            return told
        return Msg(
            "extras.member", {"member_id": member.id, "tier": member.tier, "points": member.points}
        ), None

    async def review_and_hold(self) -> Any:
        """Show the estimate; before holding, re-check the catalog and re-quote on a change.
        An entry time that closed or sold out meanwhile is chosen again (`choose_slot` saying
        why), the rest of the cart kept."""
        assert self.cart.slot is not None and self.cart.product is not None
        seen_version = self.catalog.version if self.catalog else ""
        message = Msg("review.confirm")
        while True:
            self.publish(
                "review",
                message,
                data={
                    "product": product_view(self.cart.product),
                    "date": self.cart.date,
                    "slot": slot_view(self.cart.slot),
                    "counts": dict(self.cart.counts),
                    "holders": len(self.cart.holders),
                    "holder_views": self.holder_views(),
                    "addons": [dict(line) for line in self.cart.addon_lines],
                    "estimate_fen": self.cart.estimate_fen(),
                    "coupon_code": self.cart.coupon_code,
                    "member_id": self.cart.member_id,
                    "points_to_redeem": self.cart.points_to_redeem,
                    **self.quote_data(),
                },
                actions=self.nav("confirm", "cancel"),
            )
            await self.wait("confirm")
            catalog, _ = await self.ports.client.poll_catalog()
            if catalog.version != seen_version:
                old = self.cart.estimate_fen()
                slots = await self.ports.client.slots(self.cart.product.id, self.cart.date)
                fresh = next((s for s in slots if s.id == self.cart.slot.id), self.cart.slot)
                self.cart.slot, self.catalog, seen_version = fresh, catalog, catalog.version
                if self.quote is not None:
                    await self.requote()
                if self.cart.estimate_fen() != old:
                    message = Msg(
                        "review.price_changed",
                        {"old_fen": old, "new_fen": self.cart.estimate_fen()},
                    )
                    continue
            try:
                return await checkout.create_order(self, self.cart.request())
            except BackendError as exc:
                if exc.unreachable:
                    raise
                message, gone = self.error_msg(exc), exc.code in SLOT_GONE
            if gone and not self.cart.addon_lines:
                # the entry time closed or sold out since it was chosen: say so and choose
                # another (the cart kept), then review again at that entry time's price
                await self.choose_slot(why=message)
                refused = await self.requote()
                message = self.error_msg(refused) if refused else Msg("review.confirm")


def points_options(most: int, step: int = 100) -> list[int]:
    """The amounts of points a member is offered: none, a quarter, half and the most allowed
    (each a multiple of `step`), without repeats."""
    if most < step:
        return []
    picks = [0, most // 4, most // 2, most]
    return sorted({p - p % step for p in picks})


def coupon_next(code: str, typed: str) -> Msg:
    """What to do after a coupon refusal `code` (zh/en in the catalogs)."""
    p = {"code": typed}
    nexts = {
        "coupon_expired": Msg("coupon.next.coupon_expired", p),
        "coupon_not_started": Msg("coupon.next.coupon_not_started", p),
        "coupon_min_spend": Msg("coupon.next.coupon_min_spend", p),
        "coupon_not_applicable": Msg("coupon.next.coupon_not_applicable", p),
        "coupon_used_up": Msg("coupon.next.coupon_used_up", p),
    }
    return nexts.get(code) or Msg("coupon.next.coupon_invalid", p)
