"""Rebook (改签) and refund (退票): identify the order by a ticket, choose tickets, see the fee
and the difference, confirm. Rebooked tickets carry a new code and print again.

Proof of possession: the order is found by what the person shows here, a ticket's code
(scanned) or the holder's ID card (read), and the refund or rebooking carries that same proof;
an order QR or an order number alone is not enough (the backend refuses `proof_required`).

Screens: `aftersales_identify` (show a ticket, or place the holder's ID card),
`aftersales_choose` (tickets of the order; `toggle`, `next`), `rebook_slot` (rebook only:
another slot of the product), `aftersales_confirm` (fee and money back, estimated by the
area's rules; the backend decides), `aftersales_done`, and for a rebook
`printing`/`paper_out`/`done`.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Any

from kiosk.api_records import Order, Slot
from kiosk.client import BackendError
from kiosk.domain.code_kinds import CodeKind, classify
from kiosk.domain.errors import RuleError
from kiosk.domain.refund_rules import rebook_balance_fen, rebook_fee_fen, refund_fee_fen
from kiosk.flows import checkout
from kiosk.flows.base import ID_CARD, SCAN, Flow, Msg, Outcome, Ports
from kiosk.flows.payment import new_key
from kiosk.flows.printing import layout_for
from kiosk.flows.purchase import slot_view

CHANGEABLE = ("issued", "printed")


class AfterSalesFlow(Flow):
    def __init__(self, ports: Ports, mode: str, code: str = "") -> None:
        super().__init__(ports)
        assert mode in ("rebook", "refund")
        self.mode = mode
        self.name = mode
        self.code = code
        self.proof: dict[str, str] = {}  # {"ticket_code": ...} or {"id_number": ...}

    def forget(self) -> None:
        self.code = ""
        self.proof = {}
        super().forget()

    async def identify(self) -> Order:
        """The order, found by a ticket scanned here or the holder's ID card read here (that
        proof goes with the refund or rebooking)."""
        message = Msg("aftersales.show_ticket")
        while True:
            proof: dict[str, str] = {}
            if self.code:
                text, self.code = self.code, ""
            else:
                self.publish("aftersales_identify", message, actions=(SCAN, ID_CARD, "cancel"))
                action = await self.wait(SCAN, ID_CARD)
                if action.name == ID_CARD:
                    proof = {"id_number": action.params["card"].id_number}
                text = str(action.params.get("text", "")).strip()
            if not proof:
                code = classify(text)
                if code.kind != CodeKind.TICKET:
                    message = (
                        Msg("aftersales.order_qr_not_proof")
                        if code.kind == CodeKind.ORDER
                        else Msg("aftersales.order_not_found")
                    )
                    continue
                proof = {"ticket_code": code.text}
            try:
                orders = await self.ports.client.aftersales_orders(**proof)
            except BackendError as exc:
                if exc.unreachable:
                    raise
                message = self.error_msg(exc)
                continue
            usable = [o for o in orders if any(t.status in CHANGEABLE for t in o.tickets)]
            if usable or orders:
                self.proof = proof
                return (usable or orders)[0]
            message = Msg("aftersales.order_not_found")

    async def choose(self, order: Order) -> list[str]:
        chosen: set[str] = set()
        tickets = [t for t in order.tickets if t.status in CHANGEABLE]
        message = Msg(f"{self.mode}.choose_tickets")
        while True:
            self.publish(
                "aftersales_choose", message,
                data={"order_no": order.order_no, "chosen": sorted(chosen), "tickets": [
                    {"id": t.id, "status": t.status, "date": t.date, "slot": t.slot,
                     "price_fen": t.price_fen} for t in order.tickets]},
                actions=("toggle", "next", "cancel"),
            )  # fmt: skip
            action = await self.wait("toggle", "next")
            if action.name == "toggle":
                tid = str(action.params.get("ticket_id"))
                if tid in chosen:
                    chosen.discard(tid)
                elif any(t.id == tid for t in tickets):
                    chosen.add(tid)
                else:
                    message = Msg("aftersales.ticket_not_changeable")
            elif chosen:
                return sorted(chosen)

    def _slot_start(self, order: Order, ticket_id: str) -> datetime:
        t = next(t for t in order.tickets if t.id == ticket_id)
        start = str(t.raw.get("start") or "00:00")
        now = self.ports.clock.now()
        return datetime.fromisoformat(f"{t.date}T{start}").replace(tzinfo=now.tzinfo)

    async def journey(self) -> Outcome:
        order = await self.identify()
        ticket_ids = await self.choose(order)
        outcome = Outcome(self.name, "done", order_no=order.order_no, order_id=order.id)
        now = self.ports.clock.now()
        slot: Slot | None = None
        try:
            if self.mode == "refund":
                fee = sum(refund_fee_fen(t.price_fen, self._slot_start(order, t.id), now)
                          for t in order.tickets if t.id in ticket_ids)  # fmt: skip
                back = sum(t.price_fen for t in order.tickets if t.id in ticket_ids) - fee
                estimate: dict[str, Any] = {"fee_fen": fee, "back_fen": back}
            else:
                slot = await self.choose_slot(order, ticket_ids)
                fee = sum(rebook_fee_fen(self._slot_start(order, t), now) for t in ticket_ids)
                balance = sum(
                    rebook_balance_fen(t.price_fen, slot.prices.get(t.ticket_type_id, 0), 0)
                    for t in order.tickets if t.id in ticket_ids
                ) + fee  # fmt: skip
                estimate = {
                    "fee_fen": fee,
                    "balance_fen": balance,
                    "date": slot.date,
                    "slot": slot.label,
                }
        except RuleError as exc:
            return self.refused(outcome, self.rule_msg(exc.code))
        self.publish(
            "aftersales_confirm",
            Msg(f"{self.mode}.confirm", estimate),
            data={"tickets": ticket_ids, **estimate},
            actions=("confirm", "cancel"),
        )
        await self.wait("confirm")
        key = new_key(self.mode)
        try:
            if self.mode == "refund":
                result = await self.ports.client.refund(order.id, ticket_ids, key, self.proof)
            else:
                assert slot is not None
                result = await self.ports.client.rebook(
                    order.id, ticket_ids, slot.id, key, self.proof
                )
        except BackendError as exc:
            if exc.unreachable:
                raise
            return self.refused(outcome, self.error_msg(exc))
        outcome.data = {k: result.get(k) for k in ("refunded_fen", "fee_fen", "points_taken_back")}
        if self.mode == "rebook" and result.get("status") == "payment_required":
            # a dearer slot: the difference order is paid first; the tickets move when it is
            outcome.data["due_fen"] = int(result.get("due_fen", 0))
            await self.pay_difference(key, result)
        self.publish(
            "aftersales_done",
            Msg(
                f"{self.mode}.done",
                {
                    "refunded_fen": result.get("refunded_fen", 0),
                    "fee_fen": result.get("fee_fen", 0),
                    "due_fen": result.get("due_fen", 0),
                },
            ),
        )
        if self.mode == "rebook":
            fresh = await self.ports.client.get_order(order.id)
            for t in fresh.tickets:
                if t.id in ticket_ids:
                    layout = layout_for(
                        fresh, t, self.ports.client.cached_catalog, self.ports.config
                    )
                    self.ports.journal.ticket_reissued(t.id, fresh.id, asdict(layout))
            self.ports.journal.order_to_print(fresh.id, fresh.order_no)
            outcome = await checkout.print_paid_order(self, fresh.id, outcome)
            self.publish("done", Msg("done.take_tickets", {"count": len(outcome.printed)}))
        outcome.told = list(self.told)
        return outcome

    async def pay_difference(self, key: str, result: dict[str, Any]) -> None:
        """Pay a dearer rebook's difference order with the purchase's checkout: the `pay`
        screen (code or native QR), journaled like any payment. Cancelled: nothing moves and
        the held target seats expire with the difference order."""
        diff = Order.parse(result["payment_order"])
        journal = self.ports.journal
        journal.order_creating(key)
        journal.order_held(key, diff.id, diff.order_no, diff.total_fen)
        await checkout.take_payment(
            self,
            diff,
            Msg(
                "rebook.pay_difference",
                {"due_fen": diff.total_fen, "fee_fen": int(result.get("fee_fen", 0) or 0)},
            ),
        )
        journal.order_state(diff.id, "printed")  # its tickets are the moved ones, printed below

    def refused(self, outcome: Outcome, why: Msg) -> Outcome:
        self.publish("aftersales_refused", why, actions=("cancel",))
        outcome.result, outcome.told = "refused", list(self.told)
        outcome.data["reason"] = why.key
        return outcome

    async def choose_slot(self, order: Order, ticket_ids: list[str]) -> Slot:
        first = next(t for t in order.tickets if t.id in ticket_ids)
        day = first.date
        message = Msg("rebook.choose_slot")
        while True:
            slots = await self.ports.client.slots(first.product_id, day)
            usable = [s for s in slots if s.status == "open" and s.remaining >= len(ticket_ids)
                      and s.id != first.raw.get("slot_id")]  # fmt: skip
            self.publish(
                "rebook_slot",
                message,
                data={
                    "date": day,
                    "slots": [slot_view(s) for s in slots],
                    "current_slot_id": first.raw.get("slot_id"),
                },
                actions=("choose_date", "choose_slot", "cancel"),
            )
            action = await self.wait("choose_date", "choose_slot")
            if action.name == "choose_date":
                day = str(action.params.get("date"))
                continue
            chosen = next((s for s in usable if s.id == action.params.get("slot_id")), None)
            if chosen is not None:
                return chosen
            message = Msg("purchase.slot_unavailable")
