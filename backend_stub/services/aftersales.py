"""Refunds (退票) and rebooking (改签) of some tickets of a paid order."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any

from backend_stub.context import Backend
from backend_stub.services.catalog import get_slot, slot_prices, slot_start
from backend_stub.services.members import change_points
from backend_stub.services.order_state import PAID_STATUSES, load_order, order_view, sign_ticket_row
from kiosk.domain.errors import RuleError
from kiosk.domain.refund_rules import (
    check_ticket_changeable,
    rebook_balance_fen,
    rebook_fee_fen,
    refund_fee_fen,
)


def _tickets_of(bk: Backend, order_id: str, ticket_ids: list[str]) -> list[dict[str, Any]]:
    rows = []
    for ticket_id in dict.fromkeys(ticket_ids):
        t = bk.store.one(
            "SELECT * FROM tickets WHERE id = ? AND order_id = ?", (ticket_id, order_id)
        )
        if t is None:
            raise RuleError("ticket_not_found", ticket_id)
        check_ticket_changeable(t["status"])
        rows.append(t)
    return rows


def refund_tickets(
    bk: Backend, order_id: str, ticket_ids: list[str], now: datetime
) -> dict[str, Any]:
    """Refund these tickets under the policy; inventory and earned points go back."""
    with bk.store.transaction():
        order = load_order(bk, order_id, now)
        if order["status"] not in (*PAID_STATUSES, "refunded"):
            raise RuleError("order_not_paid")
        tickets = _tickets_of(bk, order_id, ticket_ids)
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
        points_back = 0
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
            "points_taken_back = points_taken_back + ? WHERE id = ?",
            ("refunded" if left == 0 else "partially_refunded", total_back, points_back, order_id),
        )
    return {
        "refunded_fen": total_back,
        "fee_fen": total_fee,
        "points_taken_back": points_back,
        "order": order_view(bk, order_id, now),
    }


def rebook_tickets(
    bk: Backend, order_id: str, ticket_ids: list[str], new_slot_id: str, now: datetime
) -> dict[str, Any]:
    """Move these tickets to another slot of the same product; inventory moves in the same
    transaction; a cheaper slot refunds the difference, a dearer one is refused."""
    with bk.store.transaction():
        order = load_order(bk, order_id, now)
        if order["status"] not in PAID_STATUSES:
            raise RuleError("order_not_paid")
        tickets = _tickets_of(bk, order_id, ticket_ids)
        new_slot = get_slot(bk, new_slot_id)
        catalog = bk.catalog()
        balance_total = fee_total = 0
        for t in tickets:
            if new_slot["product_id"] != t["product_id"]:
                raise RuleError("slot_product_mismatch")
            if new_slot["id"] == t["slot_id"]:
                raise RuleError("rebook_same_slot")
            if slot_start(new_slot) <= now:
                raise RuleError("slot_closed", new_slot["id"])
            fee = rebook_fee_fen(slot_start(get_slot(bk, t["slot_id"])), now)
            new_unit = slot_prices(catalog.products[t["product_id"]], new_slot)[t["ticket_type_id"]]
            balance = rebook_balance_fen(t["unit_fen"], new_unit, fee)
            if balance > 0:
                raise RuleError("rebook_needs_payment", f"{balance / 100:.2f} yuan more")
            back = min(-balance, t["paid_fen"])
            balance_total += back
            fee_total += fee
            bk.store.run("UPDATE slots SET remaining = remaining + 1 WHERE id = ?", (t["slot_id"],))
            if not bk.store.run(
                "UPDATE slots SET remaining = remaining - 1 WHERE id = ? AND remaining >= 1",
                (new_slot["id"],),
            ):
                raise RuleError("sold_out", new_slot["id"])
            moved = t | {"slot_id": new_slot["id"], "date": new_slot["date"]}
            bk.store.run(
                "UPDATE tickets SET slot_id = ?, date = ?, unit_fen = ?, paid_fen = ?, code = ?,"
                " status = 'issued' WHERE id = ?",
                (
                    new_slot["id"],
                    new_slot["date"],
                    new_unit,
                    t["paid_fen"] - back,
                    sign_ticket_row(bk, moved),
                    t["id"],
                ),
            )
            bk.store.insert(
                "refunds",
                {
                    "order_id": order_id,
                    "ticket_id": t["id"],
                    "kind": "rebook",
                    "amount_fen": back,
                    "fee_fen": fee,
                    "created_at": now.isoformat(),
                },
            )
        if balance_total:
            bk.store.run(
                "UPDATE orders SET refunded_fen = refunded_fen + ? WHERE id = ?",
                (balance_total, order_id),
            )
    return {
        "refunded_fen": balance_total,
        "fee_fen": fee_total,
        "order": order_view(bk, order_id, now),
    }
