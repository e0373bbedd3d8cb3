"""Marking an order paid, inside the transaction that records the payment: its tickets are
issued with signed codes and the member earns points; a paid difference order (kind `rebook`)
moves the tickets it rebooks instead."""

from __future__ import annotations

from datetime import datetime

from backend_stub.context import Backend
from backend_stub.services.members import change_points
from backend_stub.services.order_state import sign_ticket_row
from backend_stub.services.rebook import apply_paid_rebook
from kiosk.domain.errors import RuleError
from kiosk.domain.pricing import points_earned


def mark_order_paid(bk: Backend, order_id: str, now: datetime) -> None:
    """Inside a transaction: the order is paid, its tickets issued with signed codes, and the
    member earns points. A paid difference order moves the tickets it rebooks."""
    order = bk.store.one(
        "SELECT id, kind, member_id, total_fen, rebook_of FROM orders "
        "WHERE id = ? AND status = 'held'",
        (order_id,),
    )
    if order is None:
        raise RuleError("order_not_payable")
    if order["kind"] == "rebook":
        bk.store.run(
            "UPDATE orders SET status = 'paid', paid_at = ?, expires_epoch = NULL WHERE id = ?",
            (now.isoformat(), order_id),
        )
        apply_paid_rebook(bk, order, now)
        return
    earned = points_earned(order["total_fen"]) if order["member_id"] else 0
    bk.store.run(
        "UPDATE orders SET status = 'paid', paid_at = ?, points_earned = ?, expires_epoch = NULL"
        " WHERE id = ?",
        (now.isoformat(), earned, order_id),
    )
    tickets = bk.store.all(
        "SELECT id, product_id, date, slot_id, ticket_type_id FROM tickets WHERE order_id = ?",
        (order_id,),
    )
    bk.store.run_many(
        "UPDATE tickets SET status = 'issued', code = ? WHERE id = ?",
        [(sign_ticket_row(bk, t), t["id"]) for t in tickets],
    )
    if earned:
        change_points(bk, order["member_id"], earned, "earn", order_id, now)
