"""Pickup of paid orders (OTA, mini-program, window): by ID card, order QR, or order no + phone.

Screens: `pickup_identify` (place the ID card, show the order QR, or type the order number and
the FULL phone number used to book: the number alone is not proof), `pickup_none` (nothing
waits: offers a purchase), then `printing`, `paper_out`, `done`. Coming from the start screen
with a card or a QR, it prints at once. The lookup answers without gate codes; the kiosk that
found the orders fetches them to print (checkout.print_paid_order, `GET /orders/{id}`).
Tickets the console flagged to reprint print again, marked REPRINT (kiosk.flows.remote_reprint).
`done` is followed by kiosk.flows.after_sale: a receipt slip, an e-invoice for one order.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from kiosk.api_records import Order
from kiosk.client import BackendError
from kiosk.domain.code_kinds import CodeKind, classify
from kiosk.flows import checkout
from kiosk.flows.base import ID_CARD, ID_CARD_AGAIN, SCAN, Flow, Msg, Outcome, Ports
from kiosk.flows.lookup_retry import LookupRetry, RefusalCodes
from kiosk.flows.remote_reprint import print_flagged

# how a refused lookup is told (the waits and retries: kiosk.flows.lookup_retry)
REFUSALS = RefusalCodes(
    network_down="pickup_network_down", failed="pickup_lookup_failed", later="pickup_lookup_later"
)


class PickupFlow(Flow):
    name = "pickup"

    def __init__(self, ports: Ports, id_number: str = "", code: str = "") -> None:
        super().__init__(ports)
        self.id_number = id_number
        self.code = code
        self.refusals = LookupRetry(self, "pickup_identify", REFUSALS)

    def forget(self) -> None:
        self.id_number = self.code = ""
        super().forget()

    async def identify(self) -> list[Order]:
        """The orders of the ID card, code or order number given. A refused lookup says what to
        do next and the screen takes the next card, code or number; a lookup refused for a few
        seconds (429 `Retry-After`) is waited out and asked again: with the card still lying on
        the reader (the hub hands it over again, `ID_CARD_AGAIN`), or the same code or number."""
        message = Msg("pickup.identify")
        again = False  # after a wait: the card still lying on the reader is taken again
        retry: dict[str, str] = {}  # after a wait: the code or order number asked again
        while True:
            query: dict[str, str] = {}
            if self.id_number:
                query, self.id_number = {"id_number": self.id_number}, ""
            elif self.code:
                query, self.code = {"code": self.code}, ""
            elif retry:
                query, retry = retry, {}
            else:
                actions = (ID_CARD, SCAN, "enter_order", "cancel")
                if again:
                    actions += (ID_CARD_AGAIN,)
                self.publish("pickup_identify", message, actions=actions)
                again = False
                action = await self.wait(ID_CARD, SCAN, "enter_order")
                p = action.params
                if action.name == ID_CARD:
                    query = {"id_number": p["card"].id_number}
                elif action.name == SCAN:
                    scanned = classify(str(p.get("text", "")))
                    if scanned.kind not in (CodeKind.ORDER, CodeKind.TICKET):
                        message = Msg("pickup.not_an_order_code")
                        continue
                    query = {"code": scanned.text}
                else:
                    query = {
                        "order_no": str(p.get("order_no", "")),
                        "phone": str(p.get("phone", "")),
                    }
            try:
                return await self.refusals.ask(partial(self.ports.client.pickup, **query))
            except BackendError as exc:
                told = await self.refusals.refused(exc, by_card="id_number" in query)
            if told is not None:
                message = told
                continue
            message = Msg("pickup.identify")
            if "id_number" in query:
                again = True  # only while the card lies there: the tourist may have walked off
            else:
                retry = query

    async def journey(self) -> Outcome:
        try:
            await self.ports.client.catalog()
        except BackendError:
            if self.ports.client.cached_catalog is None:
                raise  # else the lookup says what a failing backend means here
        orders = await self.identify()
        if not orders:
            self.publish(
                "pickup_none",
                Msg("pickup.nothing_waiting"),
                Msg("pickup.offer_purchase"),
                actions=("buy", "cancel"),
            )
            outcome = Outcome(self.name, "none", told=list(self.told))
            try:
                await self.wait("buy")
            except Exception:
                return outcome
            outcome.result = "buy"
            return outcome
        outcome = Outcome(self.name, "done")
        summary: list[dict[str, Any]] = [
            {"order_no": o.order_no, "tickets": len(o.unprinted()), "reprints": len(_again(o))}
            for o in orders
        ]
        self.publish(
            "pickup_found", Msg("pickup.found", {"orders": len(orders)}), data={"orders": summary}
        )
        for order in orders:
            self.ports.journal.order_to_print(order.id, order.order_no)
            one = await checkout.print_paid_order(self, order.id, Outcome(self.name, "done"))
            outcome.order_id, outcome.order_no = one.order_id, one.order_no
            outcome.printed += one.printed
            outcome.missing += one.missing
            if _again(order):  # flagged in the console: print once more, marked REPRINT
                outcome.printed += await print_flagged(
                    self, order.id, order.order_no, _again(order)
                )
        self.publish(
            "done",
            Msg("done.take_tickets", {"count": len(outcome.printed)}),
            data={"printed": outcome.printed, "after_sale": True},
        )
        outcome.told = list(self.told)
        outcome.data["orders"] = summary
        # then an e-invoice or a receipt slip (kiosk.flows.after_sale, run by the home loop)
        outcome.data.update(after_sale=True, order_ids=[o.id for o in orders])
        return outcome


def _again(order: Order) -> list[str]:
    """The order's tickets the console flagged to reprint once at this kiosk."""
    return [str(t) for t in order.raw.get("tickets_to_reprint") or []]
