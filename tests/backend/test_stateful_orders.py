"""Hypothesis stateful test over HTTP (issue 11, continuous fuzzing): random sequences of order,
pay, refund and rebook (cheaper: done at once; dearer: a difference order to pay first), with
replays of the same Idempotency-Key, against the real backend process, checked against a model
after every step:

- each slot's `remaining` is exactly its capacity less the seats the model holds (held orders,
  issued tickets, the target seats of a rebooking waiting for payment): no seat lost or made up;
- a payment or a refund replayed with its key answers the first answer again, and with a new key
  is refused (`order_already_paid`, `ticket_refunded`): nothing is paid or refunded twice;
- a refund returns what the ticket paid (no fee a week ahead); a dearer rebooking asks for the
  price difference; at the end every order's tickets, statuses and paid amounts are as the model
  says, and the money taken less the money returned equals what the live tickets paid.

Each example plays on slots of its own (a fresh day, capacity CAPACITY). The budget is small so
that it runs in `make test` (KIOSK_STATEFUL_EXAMPLES, default 15 sequences of up to 20 steps,
10-30 s on two cores); a longer run: `KIOSK_STATEFUL_EXAMPLES=200 .venv/bin/pytest
tests/backend/test_stateful_orders.py`.
"""

from __future__ import annotations

import itertools
import os
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    consumes,
    initialize,
    invariant,
    multiple,
    precondition,
    rule,
    run_state_machine_as_test,
)

from backend_stub.process import BackendProcess
from tests.backend.helpers import WECHAT_OK, later_day, line, slot
from tests.backend.roomy import ROOMY_LIMITS

EXAMPLES = int(os.environ.get("KIOSK_STATEFUL_EXAMPLES", "15"))
STEPS = 20
CAPACITY = 5
# per example: three slots of one day at three prices (08:00 -10 %, 10:00 full, 16:00 -20 %),
# the same price order every day so that an example plays the same way again (hypothesis
# replays it); a day comes round again after DAYS examples, its capacity set afresh
HOURS = (8, 10, 16)
DAYS = 50


@dataclass
class Ticket:
    id: str
    order_id: str
    slot_id: str
    paid_fen: int
    status: str = "issued"  # or "refunded"
    pending: str | None = None  # a difference order waiting for payment


@dataclass
class Order:
    id: str
    kind: str  # "sale" or "rebook" (a difference order)
    total_fen: int
    seats: dict[str, int]  # slot -> seats this order holds while unpaid
    status: str = "held"
    refunded_fen: int = 0
    pay_key: str = ""
    payment_id: str = ""
    moves: list[tuple[str, str, str, int]] = field(default_factory=list)  # ticket, from, to, new


class Orders(RuleBasedStateMachine):
    """One kiosk selling, paying, refunding and rebooking on three slots of one day."""

    backend: BackendProcess
    examples = itertools.count()

    def __init__(self) -> None:
        super().__init__()
        b = self.backend
        self.kiosk = httpx.Client(base_url=b.url + "/api/v1", headers=b.kiosk_headers(), timeout=10)
        self.ops = httpx.Client(base_url=b.url + "/api/v1", headers=b.ops_headers(), timeout=10)
        n = next(self.examples)
        self.day = later_day(3) + timedelta(days=n % DAYS)
        self.slots = [slot("ADM", self.day, h) for h in HOURS]
        self.used = dict.fromkeys(self.slots, 0)
        self.orders: dict[str, Order] = {}
        self.tickets: dict[str, Ticket] = {}
        self.money_in = 0
        self.money_out = 0

    held = Bundle("held")  # unpaid orders: sales and rebooking differences

    # -- the server, read ----------------------------------------------------------------

    def _slots(self) -> dict[str, dict[str, Any]]:
        r = self.kiosk.get("/slots", params={"product_id": "ADM", "date": self.day.isoformat()})
        assert r.status_code == 200, r.text
        return {s["id"]: s for s in r.json() if s["id"] in self.used}

    def _view(self, order_id: str) -> dict[str, Any]:
        r = self.kiosk.get(f"/orders/{order_id}")
        assert r.status_code == 200, r.text
        return r.json()

    def _ticket_view(self, ticket: Ticket) -> dict[str, Any]:
        return next(t for t in self._view(ticket.order_id)["tickets"] if t["id"] == ticket.id)

    @initialize()
    def fresh_slots(self) -> None:
        """Our slots get room for CAPACITY more seats than anything sold on them before."""
        for slot_id, s in self._slots().items():
            sold = s["capacity"] - s["remaining"]
            r = self.ops.put(f"/ops/slots/{slot_id}", json={"capacity": sold + CAPACITY})
            assert r.status_code == 200, r.text

    # -- rules ---------------------------------------------------------------------------

    @rule(target=held, where=st.integers(0, 2), quantity=st.integers(1, 3), replay=st.booleans())
    def order(self, where: int, quantity: int, replay: bool) -> Any:
        slot_id = self.slots[where]
        key = uuid.uuid4().hex
        body = {"lines": [line("ADM", slot_id, "ADM-ADULT", quantity)]}
        r = self.kiosk.post("/orders", json=body, headers={"Idempotency-Key": key})
        if self.used[slot_id] + quantity > CAPACITY:
            assert r.status_code == 409 and r.json()["error"]["code"] == "sold_out", r.text
            return multiple()  # nothing to add to the bundle
        assert r.status_code == 201, r.text
        o = r.json()
        assert o["status"] == "held" and len(o["tickets"]) == quantity
        if replay:  # the same key again: the same order, no second hold
            again = self.kiosk.post("/orders", json=body, headers={"Idempotency-Key": key})
            assert again.status_code == 200 and again.json()["id"] == o["id"], again.text
        self.used[slot_id] += quantity
        self.orders[o["id"]] = Order(o["id"], "sale", o["total_fen"], {slot_id: quantity})
        for t in o["tickets"]:
            self.tickets[t["id"]] = Ticket(t["id"], o["id"], slot_id, t["paid_fen"], "held")
        return o["id"]

    @rule(order_id=consumes(held), replay=st.booleans())
    def pay(self, order_id: str, replay: bool) -> None:
        order = self.orders[order_id]
        key = uuid.uuid4().hex
        body = {"method": "auth_code", "auth_code": WECHAT_OK}
        r = self.kiosk.post(
            f"/orders/{order_id}/payments", json=body, headers={"Idempotency-Key": key}
        )
        assert r.status_code == 201 and r.json()["status"] == "success", r.text
        assert r.json()["amount_fen"] == order.total_fen
        self.money_in += order.total_fen
        order.status, order.pay_key, order.payment_id = "paid", key, r.json()["id"]
        if replay:  # the same key: the same payment, not a second one
            again = self.kiosk.post(
                f"/orders/{order_id}/payments", json=body, headers={"Idempotency-Key": key}
            )
            assert again.status_code == 200 and again.json()["id"] == order.payment_id, again.text
        twice = self.kiosk.post(
            f"/orders/{order_id}/payments", json=body, headers={"Idempotency-Key": uuid.uuid4().hex}
        )
        assert twice.status_code == 409, twice.text
        assert twice.json()["error"]["code"] == "order_already_paid", twice.text
        if order.kind == "sale":
            for t in self.tickets.values():
                if t.order_id == order_id:
                    t.status = "issued"
            return
        for ticket_id, from_slot, to_slot, new_paid in order.moves:  # the tickets move now
            t = self.tickets[ticket_id]
            self.used[from_slot] -= 1
            t.slot_id, t.paid_fen, t.pending = to_slot, new_paid, None

    def _issued(self, order_id: str) -> list[Ticket]:
        return [t for t in self.tickets.values() if t.order_id == order_id and t.status == "issued"]

    def _draw_issued(self, data: st.DataObject) -> Ticket:
        """An issued ticket, drawn by its place in the order the tickets were made (not by its
        random id, so that hypothesis replays an example the same way)."""
        issued = [t for t in self.tickets.values() if t.status == "issued"]
        return issued[data.draw(st.integers(0, len(issued) - 1))]

    @precondition(lambda self: any(t.status == "issued" for t in self.tickets.values()))
    @rule(data=st.data(), replay=st.booleans())
    def refund(self, data: st.DataObject, replay: bool) -> None:
        ticket = self._draw_issued(data)
        view = self._ticket_view(ticket)
        assert view["paid_fen"] == ticket.paid_fen and view["slot_id"] == ticket.slot_id
        key = uuid.uuid4().hex
        body = {"ticket_ids": [ticket.id], "ticket_code": view["code"]}
        url = f"/orders/{ticket.order_id}/refund"
        r = self.kiosk.post(url, json=body, headers={"Idempotency-Key": key})
        if ticket.pending:
            assert r.status_code == 409 and r.json()["error"]["code"] == "rebook_pending", r.text
            return
        assert r.status_code == 200, r.text
        assert r.json()["refunded_fen"] == ticket.paid_fen and r.json()["fee_fen"] == 0, r.text
        self.money_out += ticket.paid_fen
        self.orders[ticket.order_id].refunded_fen += ticket.paid_fen
        self.used[ticket.slot_id] -= 1
        ticket.status = "refunded"
        if replay:  # the same key: the first answer, nothing refunded again
            again = self.kiosk.post(url, json=body, headers={"Idempotency-Key": key})
            assert again.status_code == 200 and again.json() == r.json(), again.text
        twice = self.kiosk.post(url, json=body, headers={"Idempotency-Key": uuid.uuid4().hex})
        refused = (twice.status_code, twice.json()["error"]["code"])
        assert refused in ((409, "ticket_refunded"), (403, "proof_mismatch")), twice.text

    @precondition(lambda self: any(t.status == "issued" for t in self.tickets.values()))
    @rule(target=held, data=st.data(), where=st.integers(0, 2))
    def rebook(self, data: st.DataObject, where: int) -> Any:
        ticket = self._draw_issued(data)
        target = self.slots[where]
        view = self._ticket_view(ticket)
        body = {"ticket_ids": [ticket.id], "slot_id": target, "ticket_code": view["code"]}
        r = self.kiosk.post(
            f"/orders/{ticket.order_id}/rebook",
            json=body,
            headers={"Idempotency-Key": uuid.uuid4().hex},
        )
        error = r.json().get("error", {}).get("code") if r.status_code >= 400 else None
        if ticket.pending:
            assert (r.status_code, error) == (409, "rebook_pending"), r.text
            return multiple()
        if target == ticket.slot_id:
            assert (r.status_code, error) == (422, "rebook_same_slot"), r.text
            return multiple()
        if self.used[target] + 1 > CAPACITY:
            assert (r.status_code, error) == (409, "sold_out"), r.text
            return multiple()
        prices = {s: v["prices"]["ADM-ADULT"] for s, v in self._slots().items()}
        answer = r.json()
        if prices[target] <= prices[ticket.slot_id]:
            assert r.status_code == 200 and answer["status"] == "done", r.text
            back = ticket.paid_fen - prices[target]
            assert answer["refunded_fen"] == back and answer["due_fen"] == 0, r.text
            self.money_out += back
            self.orders[ticket.order_id].refunded_fen += back
            self.used[ticket.slot_id] -= 1
            self.used[target] += 1
            ticket.slot_id, ticket.paid_fen = target, prices[target]
            return multiple()
        assert r.status_code == 202 and answer["status"] == "payment_required", r.text
        due = prices[target] - ticket.paid_fen
        assert answer["due_fen"] == due, r.text
        diff = answer["payment_order"]
        assert diff["total_fen"] == due and diff["status"] == "held"
        self.used[target] += 1  # the difference order holds the target seat
        order = Order(diff["id"], "rebook", due, {target: 1})
        order.moves.append((ticket.id, ticket.slot_id, target, prices[target]))
        self.orders[diff["id"]] = order
        ticket.pending = diff["id"]
        return diff["id"]

    # -- what must always hold -----------------------------------------------------------

    @invariant()
    def seat_counts_are_exact(self) -> None:
        for slot_id, s in self._slots().items():
            assert s["remaining"] == CAPACITY - self.used[slot_id], (slot_id, s, self.used)

    def teardown(self) -> None:
        """Every order as the model says; the money taken less the money returned is what the
        live tickets paid."""
        try:
            live_paid = 0
            for order in self.orders.values():
                if order.kind != "sale":
                    continue
                view = self._view(order.id)
                assert view["refunded_fen"] == order.refunded_fen, (view, order)
                for t in view["tickets"]:
                    mine = self.tickets[t["id"]]
                    expected = {"held": "held", "issued": "issued", "refunded": "refunded"}
                    assert t["status"] == expected[mine.status], (t, mine)
                    assert t["slot_id"] == mine.slot_id and t["paid_fen"] == mine.paid_fen, t
                    if mine.status == "issued":
                        live_paid += mine.paid_fen
            assert self.money_in - self.money_out == live_paid
        finally:
            self.kiosk.close()
            self.ops.close()


@pytest.fixture(scope="module")
def stateful_backend(
    tmp_path_factory: pytest.TempPathFactory, backend_db: Callable[[Path], str | Path]
) -> Iterator[BackendProcess]:
    folder = tmp_path_factory.mktemp("stateful")
    # holds last an hour: none of an earlier example expires under a later one on its day
    with BackendProcess(
        backend_db(folder / "backend.db"), seed="demo", hold_seconds=3600, extra_args=ROOMY_LIMITS
    ) as proc:
        yield proc


def test_order_pay_refund_rebook_sequences_keep_seats_and_money_exact(
    stateful_backend: BackendProcess,
):
    Orders.backend = stateful_backend
    run_state_machine_as_test(
        Orders,
        settings=settings(
            max_examples=EXAMPLES,
            stateful_step_count=STEPS,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
