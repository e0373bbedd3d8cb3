"""Rebooking (改签): move paid tickets to another slot of the same product.

Cheaper or equal: done at once, the difference (less the fee) comes back.
Dearer: a *difference order* (kind `rebook`, status `held`) is created for what is due
(price difference + fee). It holds the target seats like any hold, and is paid with the
ordinary payment calls. Only when it is paid do the tickets move: the old seats come back,
the tickets get the new slot and new codes, in the transaction that records the payment.
Unpaid, it expires like any hold: the target seats come back and the tickets stay put.

Parent/child: an add-on stays on its parent's day; a parent moves to another day only
without add-ons (refund them first: `addons_block_rebook`, `addon_used`), within its day it
keeps them. An order a kiosk did not take moves no money at a kiosk (refund_rules).

Real-name: a ticket does not move to a slot where its document already holds a ticket of the
product (or is about to, by another rebooking waiting for payment): 409 `duplicate_real_name`
at once; found only when the difference is paid (a race), nothing moves and it is refunded.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from backend_stub.clock import epoch_of, iso, plus_seconds
from backend_stub.context import Backend
from backend_stub.payments.refunds import claim_refunds
from backend_stub.services import idempotency
from backend_stub.services.binding import addons_of, check_addons_can_go
from backend_stub.services.catalog import get_slot, slot_prices, slot_start, take_seats
from backend_stub.services.holders import REAL_NAME_STATUSES
from backend_stub.services.order_state import (
    PAID_STATUSES,
    collected_by,
    load_order,
    next_order_no,
    order_view,
    sign_ticket_row,
)
from backend_stub.services.personal_data import copied_buyer
from backend_stub.services.revocations import REBOOKED, revoke
from backend_stub.services.seats import kept_class_extra, seat_for_move
from backend_stub.stores import IntegrityError
from kiosk.domain.errors import RuleError
from kiosk.domain.refund_rules import (
    RebookPolicy,
    check_rebook_money_here,
    check_ticket_changeable,
    rebook_balance_fen,
    rebook_fee_fen,
)


def pending_rebook_of(bk: Backend, ticket_id: str, now: datetime) -> str | None:
    """The difference order still waiting for payment for this ticket, if any."""
    row = bk.store.one(
        "SELECT o.id FROM rebook_items r JOIN orders o ON o.id = r.order_id "
        "WHERE r.ticket_id = ? AND o.status = 'held' AND o.expires_epoch > ?",
        (ticket_id, epoch_of(now)),
    )
    return row["id"] if row else None


def changeable_tickets(
    bk: Backend, order_id: str, ticket_ids: list[str], now: datetime
) -> list[dict[str, Any]]:
    """The order's tickets by id, each refundable/rebookable now (not used, not refunded, no
    rebooking waiting for payment)."""
    rows = []
    for ticket_id in dict.fromkeys(ticket_ids):
        t = bk.store.one(
            "SELECT * FROM tickets WHERE id = ? AND order_id = ?", (ticket_id, order_id)
        )
        if t is None:
            raise RuleError("ticket_not_found", ticket_id)
        check_ticket_changeable(t["status"])
        if pending_rebook_of(bk, ticket_id, now):
            raise RuleError("rebook_pending", ticket_id)
        rows.append(t)
    return rows


def check_day_change(bk: Backend, t: dict[str, Any], new_day: str) -> None:
    """A ticket moving to another day: an add-on may not (addon_date_mismatch), a parent
    only without add-ons (addons_block_rebook; addon_used when one is used)."""
    if new_day == t["date"]:
        return
    if t.get("parent_ticket_id"):
        raise RuleError("addon_date_mismatch")
    addons = addons_of(bk, [t["id"]])
    check_addons_can_go(addons)
    if addons:
        raise RuleError("addons_block_rebook", ", ".join(a["id"] for a in addons))


def real_name_taken(bk: Backend, t: dict[str, Any], slot_id: str, now: datetime) -> bool:
    """Whether `t`'s document (a real-name holder) already holds another ticket of its product
    on `slot_id`, or another ticket of it waits for payment to move there."""
    if not t.get("holder_doc_hash"):
        return False
    marks = ",".join("?" * len(REAL_NAME_STATUSES))
    return (
        bk.store.one(
            "SELECT 1 FROM tickets WHERE product_id = ? AND holder_doc_type = ? "
            "AND holder_doc_hash = ? AND id != ? AND ("
            f" (slot_id = ? AND status IN ({marks})) OR id IN (SELECT r.ticket_id FROM "
            "  rebook_items r JOIN orders o ON o.id = r.order_id WHERE r.to_slot_id = ? "
            "  AND o.status = 'held' AND o.expires_epoch > ?))",
            (
                t["product_id"],
                t["holder_doc_type"],
                t["holder_doc_hash"],
                t["id"],
                slot_id,
                *REAL_NAME_STATUSES,
                slot_id,
                epoch_of(now),
            ),
        )
        is not None
    )


def _move_ticket(
    bk: Backend,
    t: dict[str, Any],
    new_slot: dict[str, Any],
    new_unit: int,
    paid_fen: int,
    now: datetime,
) -> None:
    revoke(bk, t, REBOOKED, now)
    moved = t | {"slot_id": new_slot["id"], "date": new_slot["date"]}
    try:
        bk.store.run(
            "UPDATE tickets SET slot_id = ?, seat = ?, date = ?, unit_fen = ?, paid_fen = ?, "
            "code = ?, status = 'issued' WHERE id = ?",
            (
                new_slot["id"],
                seat_for_move(bk, t, new_slot),
                new_slot["date"],
                new_unit,
                paid_fen,
                sign_ticket_row(bk, moved),
                t["id"],
            ),
        )
    except IntegrityError as exc:  # the real-name index: checked before, kept as a net
        raise RuleError("duplicate_real_name", t["id"]) from exc


def _record(
    bk: Backend, order_id: str, ticket_id: str, kind: str, back: int, fee: int, now: datetime
) -> None:
    bk.store.insert(
        "refunds",
        {
            "order_id": order_id,
            "ticket_id": ticket_id,
            "kind": kind,
            "amount_fen": back,
            "fee_fen": fee,
            "created_at": now.isoformat(),
        },
    )
    claim_refunds(bk, order_id)  # any money back goes through the payment's provider


def _pending_answer(bk: Backend, diff_id: str, now: datetime) -> dict[str, Any]:
    diff = order_view(bk, diff_id, now)
    fees = bk.store.one(
        "SELECT COALESCE(SUM(fee_fen), 0) AS fee FROM rebook_items WHERE order_id = ?", (diff_id,)
    )
    return {
        "status": "payment_required" if diff["status"] == "held" else diff["status"],
        "due_fen": diff["total_fen"],
        "fee_fen": fees["fee"],
        "refunded_fen": 0,
        "payment_order": diff,
        "order": order_view(bk, diff["rebook"]["order_id"], now),
    }


def rebook_tickets(
    bk: Backend,
    order_id: str,
    ticket_ids: list[str],
    new_slot_id: str,
    now: datetime,
    *,
    kiosk_id: str | None = None,
    idem_key: str | None = None,
) -> tuple[dict[str, Any], bool]:
    """Move tickets to `new_slot_id`; (answer, pending). `pending` is True when a
    difference order must be paid first (answer `status` `payment_required`)."""
    digest = idempotency.request_hash(order_id, sorted(set(ticket_ids)), new_slot_id)
    store = bk.store
    prior_id = idempotency.prior_order_id(bk, kiosk_id, idem_key, digest, kind="rebook")
    if prior_id is not None:
        return _pending_answer(bk, prior_id, now), True
    with store.transaction(durable=True):
        done = idempotency.prior_answer(bk, kiosk_id, idem_key, "rebook", digest)
        if done is not None:  # a retry of a rebook that moved the tickets at once
            return done, False
        order = load_order(bk, order_id, now)
        if order["status"] not in PAID_STATUSES:
            raise RuleError("order_not_paid")
        tickets = changeable_tickets(bk, order_id, ticket_ids, now)
        new_slot = get_slot(bk, new_slot_id)
        if slot_start(new_slot) <= now or new_slot.get("closed"):
            raise RuleError("slot_closed", new_slot["id"])
        product = bk.catalog().products.get(new_slot["product_id"])
        plan = []
        for t in tickets:
            if new_slot["product_id"] != t["product_id"] or product is None:
                raise RuleError("slot_product_mismatch")
            if new_slot["id"] == t["slot_id"]:
                raise RuleError("rebook_same_slot")
            if real_name_taken(bk, t, new_slot["id"], now):
                raise RuleError("duplicate_real_name", t["id"])
            check_day_change(bk, t, new_slot["date"])
            policy = RebookPolicy(fee_fen=bk.settings.rebook_fee_fen)
            fee = rebook_fee_fen(slot_start(get_slot(bk, t["slot_id"])), now, policy)
            new_unit = slot_prices(product, new_slot)[t["ticket_type_id"]]
            new_unit += kept_class_extra(bk, t, new_slot)  # a seat keeps its class
            plan.append((t, new_unit, fee, rebook_balance_fen(t["unit_fen"], new_unit, fee)))
        due = sum(balance for *_, balance in plan)
        back = sum(min(-balance, t["paid_fen"]) for t, *_, balance in plan if balance < 0)
        check_rebook_money_here(collected_by(order), order["channel"], due, back)
        take_seats(bk, new_slot["id"], len(plan))
        if due > 0:
            diff_id = _hold_difference(
                bk, order, new_slot, plan, due, now, kiosk_id, idem_key, digest
            )
        else:
            back_total = fee_total = 0
            for t, new_unit, fee, balance in plan:
                back = min(-balance, t["paid_fen"])
                back_total, fee_total = back_total + back, fee_total + fee
                store.run(
                    "UPDATE slots SET remaining = remaining + 1 WHERE id = ?", (t["slot_id"],)
                )
                _move_ticket(bk, t, new_slot, new_unit, t["paid_fen"] - back, now)
                _record(bk, order_id, t["id"], "rebook", back, fee, now)
            if back_total:
                store.run(
                    "UPDATE orders SET refunded_fen = refunded_fen + ? WHERE id = ?",
                    (back_total, order_id),
                )
            answer = {
                "status": "done",
                "due_fen": 0,
                "refunded_fen": back_total,
                "fee_fen": fee_total,
                "order": order_view(bk, order_id, now),
            }
            idempotency.remember_answer(bk, kiosk_id, idem_key, "rebook", digest, answer, now)
    if due > 0:
        return _pending_answer(bk, diff_id, now), True
    return answer, False


def _hold_difference(
    bk: Backend,
    order: dict[str, Any],
    new_slot: dict[str, Any],
    plan: list[tuple[dict[str, Any], int, int, int]],
    due: int,
    now: datetime,
    kiosk_id: str | None,
    idem_key: str | None,
    digest: str,
) -> str:
    """Inside a transaction (target seats already taken): the difference order to pay."""
    diff_id = "o" + secrets.token_hex(8)
    expires = plus_seconds(now, bk.settings.hold_seconds)
    bk.store.insert(
        "orders",
        {
            "id": diff_id,
            "order_no": next_order_no(bk),
            "status": "held",
            "kind": "rebook",
            "rebook_of": order["id"],
            "channel": "kiosk",
            "kiosk_id": kiosk_id,
            "idem_key": idem_key or None,
            "request_hash": digest,
            **copied_buyer(order),
            "subtotal_fen": due,
            "total_fen": due,
            "created_at": now.isoformat(),
            "expires_at": iso(expires),
            "expires_epoch": epoch_of(expires),
        },
    )
    for t, new_unit, fee, balance in plan:
        bk.store.insert(
            "rebook_items",
            {
                "order_id": diff_id,
                "ticket_id": t["id"],
                "from_slot_id": t["slot_id"],
                "to_slot_id": new_slot["id"],
                "new_unit_fen": new_unit,
                "fee_fen": fee,
                "balance_fen": balance,
            },
        )
    return diff_id


def _may_change_day(bk: Backend, t: dict[str, Any], new_day: str) -> bool:
    try:
        check_day_change(bk, t, new_day)
    except RuleError:
        return False
    return True


def apply_paid_rebook(bk: Backend, diff: dict[str, Any], now: datetime) -> None:
    """Inside the transaction that marks a difference order paid: move its tickets. If a
    ticket changed meanwhile (used at the gate, an add-on bought on it for its old day, its
    document now holding a ticket on the target slot), nothing moves and the payment is
    refunded."""
    store = bk.store
    items = store.all("SELECT * FROM rebook_items WHERE order_id = ?", (diff["id"],))
    tickets = {
        i["ticket_id"]: store.one("SELECT * FROM tickets WHERE id = ?", (i["ticket_id"],))
        for i in items
    }
    intact = all(
        t is not None
        and t["status"] in ("issued", "printed")
        and t["slot_id"] == i["from_slot_id"]
        and _may_change_day(bk, t, get_slot(bk, i["to_slot_id"])["date"])
        and not real_name_taken(bk, t, i["to_slot_id"], now)
        for i, t in ((i, tickets[i["ticket_id"]]) for i in items)
    )
    if not intact:
        for i in items:
            store.run("UPDATE slots SET remaining = remaining + 1 WHERE id = ?", (i["to_slot_id"],))
        store.run(
            "UPDATE orders SET status = 'refunded', refunded_fen = total_fen WHERE id = ?",
            (diff["id"],),
        )
        _record(bk, diff["id"], "", "rebook_void", diff["total_fen"], 0, now)
        return
    for i in items:
        t = tickets[i["ticket_id"]]
        assert t is not None
        new_slot = get_slot(bk, i["to_slot_id"])
        store.run("UPDATE slots SET remaining = remaining + 1 WHERE id = ?", (i["from_slot_id"],))
        _move_ticket(
            bk,
            t,
            new_slot,
            i["new_unit_fen"],
            t["paid_fen"] + i["balance_fen"] - i["fee_fen"],
            now,
        )
        _record(bk, t["order_id"], t["id"], "rebook", 0, i["fee_fen"], now)
