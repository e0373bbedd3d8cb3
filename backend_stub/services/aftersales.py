"""Refunds (退票) of some tickets of a paid order (rebooking lives in services.rebook, a
channel's refund in services.channels).

A kiosk refunds only an order a kiosk took the money for; any other is refused with where to
ask (`refund_at_meituan`, `refund_at_agency`...). A parent ticket goes with its unused add-ons,
in the same transaction, each through the order that sold it; while one of them is used the
parent is not refunded (`addon_used`)."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from datetime import datetime
from typing import Any

from backend_stub.context import Backend
from backend_stub.payments.refunds import claim_refunds
from backend_stub.services import idempotency
from backend_stub.services.binding import addons_of, check_addons_can_go
from backend_stub.services.catalog import get_slot, slot_start
from backend_stub.services.members import change_points
from backend_stub.services.order_state import PAID_STATUSES, collected_by, load_order, order_view
from backend_stub.services.rebook import changeable_tickets, pending_rebook_of
from backend_stub.services.revocations import REFUNDED, revoke
from kiosk.domain.errors import RuleError
from kiosk.domain.refund_rules import check_refund_here, check_ticket_changeable, refund_fee_fen

Row = dict[str, Any]


def _points_to_return(order: Row, refunded_share: tuple[int, int], left: int) -> int:
    """Redeemed points that come back for a refunded part: in proportion to its paid share,
    all that is left when nothing of the order remains."""
    owed = order["points_used"] - order["points_returned"]
    if left == 0:
        return owed
    part, whole = refunded_share
    return min(owed, order["points_used"] * part // max(whole, 1))


def refund_tickets(
    bk: Backend,
    order_id: str,
    ticket_ids: list[str],
    now: datetime,
    *,
    kiosk_id: str | None = None,
    idem_key: str | None = None,
) -> dict[str, Any]:
    """Refund these tickets (and their unused add-ons) under the policy; inventory and earned
    points go back. A retry with the same Idempotency-Key returns the first answer and refunds
    nothing more."""
    digest = idempotency.request_hash(order_id, sorted(set(ticket_ids)))
    with bk.store.transaction(durable=True):
        prior = idempotency.prior_answer(bk, kiosk_id, idem_key, "refund", digest)
        if prior is not None:
            return prior
        answer = _refund(bk, order_id, ticket_ids, now, kiosk_id)
        idempotency.remember_answer(bk, kiosk_id, idem_key, "refund", digest, answer, now)
    return answer


def addons_going_along(bk: Backend, parents: list[Row], now: datetime) -> list[Row]:
    """The add-ons that go with these parent tickets (not already among them): every one
    refundable now, none used (addon_used)."""
    asked = {t["id"] for t in parents}
    addons = [a for a in addons_of(bk, list(asked)) if a["id"] not in asked]
    check_addons_can_go(addons)
    for a in addons:
        check_ticket_changeable(a["status"])
        if pending_rebook_of(bk, a["id"], now):
            raise RuleError("rebook_pending", a["id"])
    return addons


def _refund(
    bk: Backend, order_id: str, ticket_ids: list[str], now: datetime, kiosk_id: str | None
) -> dict[str, Any]:
    order = load_order(bk, order_id, now)
    if order["status"] not in (*PAID_STATUSES, "refunded"):
        raise RuleError("order_not_paid")
    tickets = changeable_tickets(bk, order_id, ticket_ids, now)
    check_refund_here(collected_by(order), order["channel"])
    addons = addons_going_along(bk, tickets, now)
    by_order: dict[str, list[Row]] = defaultdict(list)
    by_order[order_id] = list(tickets)
    for a in addons:
        by_order[a["order_id"]].append(a)
    orders = {oid: order if oid == order_id else load_order(bk, oid, now) for oid in by_order}
    for other in orders.values():
        check_refund_here(collected_by(other), other["channel"])

    def fee(t: Row) -> int:
        return refund_fee_fen(t["paid_fen"], slot_start(get_slot(bk, t["slot_id"])), now)

    done = {
        oid: refund_in_order(bk, orders[oid], rows, now, fee, kiosk_id=kiosk_id)
        for oid, rows in by_order.items()
    }
    return {
        "refunded_fen": sum(d["refunded_fen"] for d in done.values()),
        "fee_fen": sum(d["fee_fen"] for d in done.values()),
        "points_taken_back": sum(d["points_taken_back"] for d in done.values()),
        "points_returned": sum(d["points_returned"] for d in done.values()),
        "addons_refunded": [
            {"ticket_id": a["id"], "order_id": a["order_id"]}
            | done[a["order_id"]]["tickets"][a["id"]]
            for a in addons
        ],
        "order": order_view(bk, order_id, now),
    }


def refund_in_order(
    bk: Backend,
    order: Row,
    tickets: list[Row],
    now: datetime,
    fee_of: Callable[[Row], int],
    *,
    kind: str = "refund",
    reason: str = REFUNDED,
    kiosk_id: str | None = None,
) -> dict[str, Any]:
    """Inside a transaction: refund these tickets of one order, `fee_of` each kept. Seats
    come back, codes are revoked, redeemed points return and earned points are taken back in
    proportion, the order becomes `partially_refunded` or `refunded`."""
    order_id = order["id"]
    total_back = total_fee = 0
    per_ticket: dict[str, dict[str, int]] = {}
    for t in tickets:
        fee = fee_of(t)
        back = t["paid_fen"] - fee
        total_back, total_fee = total_back + back, total_fee + fee
        per_ticket[t["id"]] = {"refunded_fen": back, "fee_fen": fee}
        bk.store.run(
            "UPDATE tickets SET status = 'refunded', refunded_fen = ? WHERE id = ?", (back, t["id"])
        )
        bk.store.insert(
            "refunds",
            {
                "order_id": order_id,
                "ticket_id": t["id"],
                "kind": kind,
                "amount_fen": back,
                "fee_fen": fee,
                "created_at": now.isoformat(),
                "kiosk_id": kiosk_id,  # the kiosk that refunded it (None: a channel, a closure)
            },
        )
        revoke(bk, t, reason, now)
    claim_refunds(bk, order_id)  # the money goes back through the payment's provider
    for slot_id, count in Counter(t["slot_id"] for t in tickets).items():
        bk.store.run("UPDATE slots SET remaining = remaining + ? WHERE id = ?", (count, slot_id))
    left = bk.store.one(
        "SELECT COUNT(*) AS n FROM tickets WHERE order_id = ? AND status != 'refunded'",
        (order_id,),
    )["n"]
    paid_refunded = sum(t["paid_fen"] for t in tickets)
    points_returned = _return_redeemed(bk, order, paid_refunded, left, now)
    points_back = _take_back_earned(bk, order, paid_refunded, left, now)
    bk.store.run(
        "UPDATE orders SET status = ?, refunded_fen = refunded_fen + ?, "
        "points_taken_back = points_taken_back + ?, points_returned = points_returned + ? "
        "WHERE id = ?",
        (
            "refunded" if left == 0 else "partially_refunded",
            total_back,
            points_back,
            points_returned,
            order_id,
        ),
    )
    return {
        "refunded_fen": total_back,
        "fee_fen": total_fee,
        "points_taken_back": points_back,
        "points_returned": points_returned,
        "tickets": per_ticket,
    }


def _return_redeemed(bk: Backend, order: Row, paid_refunded: int, left: int, now: datetime) -> int:
    if not (order["member_id"] and order["points_used"] > order["points_returned"]):
        return 0
    whole = bk.store.one(
        "SELECT SUM(paid_fen) AS fen FROM tickets WHERE order_id = ?", (order["id"],)
    )["fen"]
    points = _points_to_return(order, (paid_refunded, whole or 0), left)
    if points > 0:
        change_points(bk, order["member_id"], points, "refund_redeemed", order["id"], now)
    return max(points, 0)


def _take_back_earned(bk: Backend, order: Row, paid_refunded: int, left: int, now: datetime) -> int:
    """The points earned on what was refunded, never more than was earned (nor than the
    member holds)."""
    if not (order["member_id"] and order["points_earned"]):
        return 0
    share = order["points_earned"] * paid_refunded // max(order["total_fen"], 1)
    points = min(share, order["points_earned"] - order["points_taken_back"])
    if left == 0:
        points = order["points_earned"] - order["points_taken_back"]
    if points <= 0:
        return 0
    member = bk.store.one("SELECT points FROM members WHERE id = ?", (order["member_id"],))
    points = min(points, member["points"])
    change_points(bk, order["member_id"], -points, "refund", order["id"], now)
    return points
