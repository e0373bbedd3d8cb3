"""Walk-up purchase: product, date and slot, ticket counts, holders, extras, review, pay, print.

Screens in order: `choose_product`, `choose_slot`, `choose_tickets`, `holder` (real-name
products, once per ticket: a card on the reader, a document typed, a child without one, or
`holder_staff_card` / `holder_staff_pin` for an adult staff allow without one; see
kiosk/flows/holder_entry.py), `extras` (phone, coupon, member, points), `review`, then the
checkout screens (`pay`, `pay_waiting`, `pay_qr`, `printing`, `paper_out`, `done`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kiosk.api_records import Catalog, Product, Slot
from kiosk.client import BackendError
from kiosk.domain.code_kinds import CodeKind, classify
from kiosk.domain.holders import holder_view
from kiosk.domain.ids import is_valid_phone
from kiosk.flows import checkout
from kiosk.flows.base import SCAN, SMART_CARD, Flow, Msg, Outcome, Ports
from kiosk.flows.holder_entry import HolderEntry


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


class PurchaseFlow(Flow):
    name = "purchase"

    def __init__(self, ports: Ports, product_id: str = "", id_card: Any = None) -> None:
        super().__init__(ports)
        self.cart = Cart()
        self.product_id = product_id
        self.first_card = id_card  # an ID card the start screen already read
        self.catalog: Catalog | None = None

    def forget(self) -> None:
        self.cart = Cart()
        self.first_card = None
        super().forget()

    async def journey(self) -> Outcome:
        self.catalog = await self.ports.client.catalog()
        await self.choose_product()
        await self.choose_slot()
        await self.choose_tickets()
        if self.cart.product and self.cart.product.real_name:
            await self.enter_holders()
        await self.extras()
        order = await self.review_and_hold()
        return await self.finish(order)

    async def finish(self, order: Any) -> Outcome:
        """Pay for the held order and print its tickets."""
        outcome = Outcome(self.name, "paid", order_no=order.order_no, order_id=order.id)
        await checkout.take_payment(self, order)
        outcome = await checkout.print_paid_order(self, order.id, outcome)
        self.publish(
            "done",
            Msg("done.take_tickets", {"count": len(outcome.printed)}),
            Msg("done.points_earned", {"points": outcome.data.get("points_earned", 0)}),
            data={"order_no": outcome.order_no, "printed": outcome.printed},
        )
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
        self.publish(
            "choose_product",
            Msg("purchase.choose_product"),
            data={"products": [product_view(p) for p in choices]},
            actions=("choose_product", "cancel"),
        )
        while self.cart.product is None:
            action = await self.wait("choose_product")
            self.cart.product = self.catalog.product(str(action.params.get("product_id")))

    async def choose_slot(self, message: Msg | None = None) -> None:
        assert self.cart.product is not None
        self.cart.date = self.cart.date or self.ports.clock.now().date().isoformat()
        while True:
            slots = await self.ports.client.slots(self.cart.product.id, self.cart.date)
            open_slots = [s for s in slots if s.remaining > 0 and s.status == "open"]
            msgs = [message] if message else [Msg("purchase.choose_slot")]
            if not open_slots:
                msgs.append(Msg("purchase.no_slots", {"date": self.cart.date}))
            self.publish(
                "choose_slot",
                *msgs,
                data={
                    "date": self.cart.date,
                    "product": product_view(self.cart.product),
                    "slots": [slot_view(s) for s in slots],
                },
                actions=("choose_date", "choose_slot", "cancel"),
            )
            action = await self.wait("choose_date", "choose_slot")
            if action.name == "choose_date":
                self.cart.date = str(action.params.get("date"))
                message = None
                continue
            chosen = next((s for s in open_slots if s.id == action.params.get("slot_id")), None)
            if chosen is not None:
                self.cart.slot = chosen
                return
            message = Msg("purchase.slot_unavailable")

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
                actions=("set_count", "next", "cancel"),
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
        entry = HolderEntry(self, sum(self.cart.counts.values()), self.first_card)
        self.first_card = None
        self.cart.holders = []
        self.cart.holders = await entry.run()

    async def extras(self) -> None:
        message = Msg("extras.optional")
        while True:
            self.publish(
                "extras",
                message,
                data={
                    "buyer_phone": self.cart.buyer_phone,
                    "coupon_code": self.cart.coupon_code,
                    "member_id": self.cart.member_id,
                    "points_to_redeem": self.cart.points_to_redeem,
                    "holder_views": self.holder_views(),
                },
                actions=(
                    "set_phone",
                    "set_coupon",
                    "set_points",
                    SCAN,
                    SMART_CARD,
                    "next",
                    "cancel",
                ),
            )
            action = await self.wait(
                "set_phone", "set_coupon", "set_points", SCAN, SMART_CARD, "next"
            )
            p = action.params
            if action.name == "next":
                return
            if action.name == "set_phone":
                phone = str(p.get("phone", ""))
                ok = is_valid_phone(phone)
                self.cart.buyer_phone = phone if ok else self.cart.buyer_phone
                message = Msg("extras.phone_set") if ok else self.rule_msg("invalid_phone")
            elif action.name == "set_coupon":
                self.cart.coupon_code = str(p.get("code", "")).strip()
                message = Msg("extras.coupon_set", {"code": self.cart.coupon_code})
            elif action.name == "set_points":
                self.cart.points_to_redeem = max(0, int(p.get("points", 0)))
                message = Msg("extras.points_set", {"points": self.cart.points_to_redeem})
            elif action.name == SCAN and classify(str(p.get("text"))).kind == CodeKind.MEMBER:
                message = await self._member(classify(str(p.get("text"))).value)
            elif action.name == SMART_CARD and getattr(p.get("card"), "kind", "") == "member":
                message = await self._member(p["card"].member_id)

    def holder_views(self) -> list[dict[str, Any]]:
        """Each ticket's holder as a screen may show it: the document named, number and name
        masked, whether staff allowed no document (kiosk.domain.holders.holder_view)."""
        return [holder_view(h) for h in self.cart.holders]

    async def _member(self, member_id: str) -> Msg:
        try:
            member = await self.ports.client.member(member_id)
        except BackendError as exc:
            return self.error_msg(exc)
        self.cart.member_id = member.id
        return Msg(
            "extras.member", {"member_id": member.id, "tier": member.tier, "points": member.points}
        )

    async def review_and_hold(self) -> Any:
        """Show the estimate; before holding, re-check the catalog and re-quote on a change."""
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
                },
                actions=("confirm", "cancel"),
            )
            await self.wait("confirm")
            catalog, _ = await self.ports.client.poll_catalog()
            if catalog.version != seen_version:
                old = self.cart.estimate_fen()
                slots = await self.ports.client.slots(self.cart.product.id, self.cart.date)
                fresh = next((s for s in slots if s.id == self.cart.slot.id), self.cart.slot)
                self.cart.slot, self.catalog, seen_version = fresh, catalog, catalog.version
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
                message = self.error_msg(exc)
