"""Tickets after payment: printed, found for pickup and as parents (the gate is
services.gate)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from backend_stub.context import Backend
from backend_stub.services.binding import held_parent_tickets
from backend_stub.services.order_state import (
    PAID_STATUSES,
    order_view,
    ticket_by_code,
    ticket_view,
)
from kiosk.domain.catalog import HELD_STATUSES, PARENT_KINDS
from kiosk.domain.code_kinds import CodeKind, classify
from kiosk.domain.errors import RuleError
from kiosk.domain.ids import normalize_doc_number


def mark_printed(bk: Backend, ticket_id: str, now: datetime) -> dict[str, Any]:
    with bk.store.transaction():
        t = bk.store.one("SELECT * FROM tickets WHERE id = ?", (ticket_id,))
        if t is None:
            raise RuleError("ticket_not_found")
        if t["status"] not in ("issued", "printed"):
            raise {"used": RuleError("ticket_used"), "refunded": RuleError("ticket_refunded")}.get(
                t["status"], RuleError("ticket_not_issued")
            )
        bk.store.run(
            "UPDATE tickets SET status = 'printed', printed_count = printed_count + 1 WHERE id = ?",
            (ticket_id,),
        )
        t = bk.store.one("SELECT * FROM tickets WHERE id = ?", (ticket_id,))
    return ticket_view(bk, t)


def find_for_pickup(
    bk: Backend,
    now: datetime,
    *,
    id_number: str = "",
    order_no: str = "",
    phone_last4: str = "",
    code: str = "",
) -> list[dict[str, Any]]:
    """Paid orders, from any channel, with tickets for today or later not yet printed."""
    store = bk.store
    if id_number:
        number = normalize_doc_number(id_number)
        rows = store.all(
            "SELECT DISTINCT order_id FROM tickets WHERE holder_doc_number = ? AND date >= ? "
            "UNION SELECT id FROM orders WHERE guide_doc_number = ?",  # a group's guide
            (number, now.date().isoformat(), number),
        )
        order_ids = [r["order_id"] for r in rows]
    elif order_no and phone_last4:
        if len(phone_last4) != 4 or not phone_last4.isdigit():
            raise RuleError("pickup_query_invalid", "phone_last4 is 4 digits")
        row = store.one(
            "SELECT id, buyer_phone FROM orders WHERE order_no = ?", (order_no.strip().upper(),)
        )
        order_ids = [row["id"]] if row and (row["buyer_phone"] or "").endswith(phone_last4) else []
    elif code:
        scanned = classify(code)
        if scanned.kind == CodeKind.ORDER:
            row = store.one("SELECT id FROM orders WHERE order_no = ?", (scanned.value.upper(),))
            order_ids = [row["id"]] if row else []
        elif scanned.kind == CodeKind.TICKET:
            order_ids = [ticket_by_code(bk, code)["order_id"]]
        else:
            raise RuleError("pickup_query_invalid", "code is not an order QR or a ticket code")
    else:
        raise RuleError("pickup_query_invalid")
    found = []
    for order_id in order_ids:
        order = order_view(bk, order_id, now)
        if order["status"] not in PAID_STATUSES:
            continue
        waiting = [
            t
            for t in order["tickets"]
            if t["status"] == "issued" and t["date"] >= now.date().isoformat()
        ]
        if waiting:
            found.append(order | {"tickets_to_print": [t["id"] for t in waiting]})
    return found


def find_parents(
    bk: Backend, day: date, *, id_number: str = "", phone: str = "", ticket_code: str = ""
) -> list[dict[str, Any]]:
    """The valid admission (or bundle) tickets a person holds for `day`."""
    if ticket_code:
        t = ticket_by_code(bk, ticket_code)
        rows = (
            [t]
            if t["date"] == day.isoformat()
            and t["status"] in HELD_STATUSES
            and t["kind"] in PARENT_KINDS
            else []
        )
    elif id_number or phone:
        docs = [normalize_doc_number(id_number)] if id_number else []
        rows = held_parent_tickets(bk, day, docs, [phone] if phone else [])
    else:
        raise RuleError("pickup_query_invalid", "id_number, phone or ticket_code")
    return [ticket_view(bk, r) | {"order_id": r["order_id"]} for r in rows]
