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

import asyncio
import math
from typing import Any

from kiosk.api_records import Order
from kiosk.client import BackendError
from kiosk.domain.code_kinds import CodeKind, classify
from kiosk.flows import checkout
from kiosk.flows.base import ID_CARD, ID_CARD_AGAIN, SCAN, Flow, Msg, Outcome, Ports
from kiosk.flows.checkout import RETRYING
from kiosk.flows.remote_reprint import print_flagged

# A lookup refused for a while (429 with Retry-After: the backend's lookups per ID number, phone
# or order number, or per kiosk): waited out on screen when no longer than this, at most
# MAX_WAITS times in a row; else the tourist is told to try again later.
MAX_WAIT_SECONDS = 30.0
MAX_WAITS = 3
# the backend not answering (or failing, 5xx): asked again after these pauses, doubling
RETRY_PAUSE = 0.5
RETRY_PAUSE_MAX = 4.0


class PickupFlow(Flow):
    name = "pickup"

    def __init__(self, ports: Ports, id_number: str = "", code: str = "") -> None:
        super().__init__(ports)
        self.id_number = id_number
        self.code = code

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
        waits = 0  # waits in a row
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
                return await self.look_up(query)
            except BackendError as exc:
                refused = exc
            waits = waits + 1 if _waitable(refused) else 0
            if not waits or waits > MAX_WAITS:
                message, waits = self.refusal_msg(refused), 0
                continue
            await self.wait_out(refused.retry_after, query)
            message = Msg("pickup.identify")
            if "id_number" in query:
                again = True  # only while the card lies there: the tourist may have walked off
            else:
                retry = query

    async def look_up(self, query: dict[str, str]) -> list[Order]:
        """The pickup lookup, asked again while the backend does not answer (or answers 5xx),
        for `timeouts.network_retry_seconds`, the tourist told `net.retrying` meanwhile; a GET,
        so safe to repeat. Raises the last BackendError."""
        loop = asyncio.get_running_loop()
        give_up = loop.time() + self.ports.config.timeouts.network_retry_seconds
        tries = 0
        while True:
            try:
                return await self.ports.client.pickup(**query)
            except BackendError as exc:
                if not _transient(exc) or loop.time() >= give_up:
                    raise
            tries += 1
            if tries == 1:
                self.publish("pickup_identify", Msg(RETRYING), actions=("cancel",))
            await self.pause(min(RETRY_PAUSE_MAX, RETRY_PAUSE * 2 ** (tries - 1)))

    async def wait_out(self, seconds: float, query: dict[str, str]) -> None:
        """Say why and wait `seconds` (a cancel still ends the journey). An ID card placed
        meanwhile is not taken now: the screen offers none, so the hub keeps it while it lies
        there and the screen after the wait takes it."""
        code = "pickup_lookup_wait_card" if "id_number" in query else "pickup_lookup_wait"
        wait = Msg(f"error.{code}", {**self.rule_msg(code).params, "seconds": math.ceil(seconds)})
        self.publish("pickup_identify", wait, actions=("cancel",))
        await self.pause(seconds)

    async def pause(self, seconds: float) -> None:
        """`seconds` of waiting on the screen shown; a cancel tapped meanwhile ends the journey."""
        loop = asyncio.get_running_loop()
        end = loop.time() + seconds
        while (left := end - loop.time()) > 0:
            await self.poll_action()  # raises FlowCancelled on cancel
            await asyncio.sleep(min(0.1, left))

    def refusal_msg(self, exc: BackendError) -> Msg:
        """What the tourist is told when a lookup was refused, and what to do next."""
        if exc.unreachable:
            return self.rule_msg("pickup_network_down")
        if exc.status >= 500:
            return self.rule_msg("pickup_lookup_failed")
        if exc.status == 429:  # a wait too long to keep them at the screen, or waited in vain
            return self.rule_msg("pickup_lookup_later")
        return self.error_msg(exc)

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


def _transient(exc: BackendError) -> bool:
    """A lookup worth asking again at once: the backend was not reached, or failed (5xx)."""
    return exc.unreachable or exc.status >= 500


def _waitable(exc: BackendError) -> bool:
    """Refused for a few seconds only (429 with `Retry-After`): the kiosk waits it out."""
    return exc.status == 429 and 0 < exc.retry_after <= MAX_WAIT_SECONDS


def _again(order: Order) -> list[str]:
    """The order's tickets the console flagged to reprint once at this kiosk."""
    return [str(t) for t in order.raw.get("tickets_to_reprint") or []]
