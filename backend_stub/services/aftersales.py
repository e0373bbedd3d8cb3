"""Refunds (退票) of some tickets of a paid order (rebooking lives in services.rebook)."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

from backend_stub.context import Backend
from backend_stub.services import idempotency
from backend_stub.services.catalog import get_slot, slot_start
from backend_stub.services.members import change_points
from backend_stub.services.order_state import PAID_STATUSES, load_order, order_view
from backend_stub.services.rebook import changeable_tickets
from kiosk.domain.errors import RuleError
from kiosk.domain.refund_rules import refund_fee_fen


def _points_to_return(order: dict[str, Any], refunded_share: tuple[int, int], left: int) -> int:
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
    """Refund these tickets under the policy; inventory and earned points go back. A retry
    with the same Idempotency-Key returns the first answer and refunds nothing more."""
    digest = idempotency.request_hash(order_id, sorted(set(ticket_ids)))
    with bk.store.transaction(durable=True):
        prior = idempotency.prior_answer(bk, kiosk_id, idem_key, "refund", digest)
        if prior is not None:
            return prior
        answer = _refund(bk, order_id, ticket_ids, now)
        idempotency.remember_answer(bk, kiosk_id, idem_key, "refund", digest, answer, now)
    return answer


def _refund(bk: Backend, order_id: str, ticket_ids: list[str], now: datetime) -> dict[str, Any]:
    with bk.store.transaction(durable=True):
        order = load_order(bk, order_id, now)
        if order["status"] not in (*PAID_STATUSES, "refunded"):
            raise RuleError("order_not_paid")
        tickets = changeable_tickets(bk, order_id, ticket_ids, now)
        total_back = total_fee = 0
        for t in tickets:
            fee = refund_fee_fen(t["paid_fen"], slot_start(get_slot(bk, t["slot_id"])), now)
            back = t["paid_fen"] - fee
            total_back, total_fee = total_back + back, total_fee + fee
            bk.store.run(
                "UPDATE tickets SET status = 'refunded', refunded_fen = ? WHERE id = ?",
                (back, t["id"]),
            )
            bk.store.insert(
                "refunds",
                {
                    "order_id": order_id,
                    "ticket_id": t["id"],
                    "kind": "refund",
                    "amount_fen": back,
                    "fee_fen": fee,
                    "created_at": now.isoformat(),
                },
            )
        for slot_id, count in Counter(t["slot_id"] for t in tickets).items():
            bk.store.run(
                "UPDATE slots SET remaining = remaining + ? WHERE id = ?", (count, slot_id)
            )
        left = bk.store.one(
            "SELECT COUNT(*) AS n FROM tickets WHERE order_id = ? AND status != 'refunded'",
            (order_id,),
        )["n"]
        points_back = points_returned = 0
        if order["member_id"] and order["points_used"] > order["points_returned"]:
            whole = bk.store.one(
                "SELECT SUM(paid_fen) AS fen FROM tickets WHERE order_id = ?", (order_id,)
            )["fen"]
            share = (sum(t["paid_fen"] for t in tickets), whole or 0)
            points_returned = _points_to_return(order, share, left)
            if points_returned > 0:
                change_points(
                    bk, order["member_id"], points_returned, "refund_redeemed", order_id, now
                )
        if order["member_id"] and order["points_earned"]:
            # take back the points earned on what was refunded, never more than was earned
            paid_refunded = sum(t["paid_fen"] for t in tickets)
            share = order["points_earned"] * paid_refunded // max(order["total_fen"], 1)
            points_back = min(share, order["points_earned"] - order["points_taken_back"])
            if left == 0:
                points_back = order["points_earned"] - order["points_taken_back"]
            if points_back > 0:
                member = bk.store.one(
                    "SELECT points FROM members WHERE id = ?", (order["member_id"],)
                )
                points_back = min(points_back, member["points"])
                change_points(bk, order["member_id"], -points_back, "refund", order_id, now)
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
        "order": order_view(bk, order_id, now),
    }
