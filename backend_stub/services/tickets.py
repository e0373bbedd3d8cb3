"""Tickets after payment: printed, found for pickup, for after-sales and as parents (the gate
is services.gate). No lookup answer carries a gate code (services.possession)."""

from __future__ import annotations

import secrets
from datetime import date, datetime
from typing import Any

from backend_stub.context import Backend
from backend_stub.services import reprints
from backend_stub.services.binding import held_parent_tickets
from backend_stub.services.order_state import (
    PAID_STATUSES,
    order_view,
    ticket_by_code,
    ticket_view,
)
from backend_stub.services.personal_data import doc_hash, phone_hash
from backend_stub.services.possession import (
    BY_ID_CARD,
    BY_ORDER_NO,
    BY_ORDER_QR,
    BY_TICKET_CODE,
    check_ticket_printer,
    claim_print,
)
from kiosk.domain.catalog import HELD_STATUSES, PARENT_KINDS
from kiosk.domain.code_kinds import CodeKind, classify
from kiosk.domain.errors import RuleError
from kiosk.domain.ids import is_valid_phone
from kiosk.domain.order_numbers import is_order_no, normalize_order_no


def mark_printed(bk: Backend, ticket_id: str, now: datetime, *, kiosk_id: str) -> dict[str, Any]:
    """A ticket came out of this kiosk's printer (a kiosk that may print its order)."""
    check_ticket_printer(bk, ticket_id, kiosk_id)
    with bk.store.transaction(touches=[f"ticket:{ticket_id}"]):
        t = bk.store.one("SELECT * FROM tickets WHERE id = ?", (ticket_id,))
        if t is None:
            raise RuleError("ticket_not_found")
        if t["status"] not in ("issued", "printed"):
            raise {"used": RuleError("ticket_used"), "refunded": RuleError("ticket_refunded")}.get(
                t["status"], RuleError("ticket_not_issued")
            )
        if t["status"] == "printed":  # printed again: a console reprint flag is used up
            reprints.consume(bk, ticket_id, kiosk_id, now)
        bk.store.run(
            "UPDATE tickets SET status = 'printed', printed_count = printed_count + 1, "
            "printed_by = ? WHERE id = ?",
            (kiosk_id, ticket_id),
        )
        t = bk.store.one("SELECT * FROM tickets WHERE id = ?", (ticket_id,))
    return ticket_view(bk, t)


def _orders_by_order_no(bk: Backend, order_no: str, phone: str) -> list[str]:
    """Orders with this number (ours) or this channel order id, bought with this full phone."""
    phone = phone.strip()
    if not is_valid_phone(phone):
        raise RuleError("pickup_query_invalid", "the full 11-digit phone number")
    typed = order_no.strip()
    ours = normalize_order_no(typed)
    rows = bk.store.all(
        "SELECT id, buyer_phone_hash FROM orders WHERE order_no = ? "
        "OR (channel_order_id = ? AND channel != 'kiosk')",
        (ours if is_order_no(ours) else "", typed),
    )
    given = phone_hash(bk, phone)  # phones are found by their keyed hash (personal_data)
    return [r["id"] for r in rows if _same_phone(r["buyer_phone_hash"], given)]


def _same_phone(stored: str | None, given: str) -> bool:
    return bool(stored) and secrets.compare_digest(str(stored), given)


def _order_by_qr(bk: Backend, order_no: str) -> list[str]:
    number = normalize_order_no(order_no)
    if not is_order_no(number):
        raise RuleError("order_no_invalid")
    row = bk.store.one("SELECT id FROM orders WHERE order_no = ?", (number,))
    return [row["id"]] if row else []


def find_for_pickup(
    bk: Backend,
    now: datetime,
    *,
    kiosk_id: str,
    id_number: str = "",
    order_no: str = "",
    phone: str = "",
    code: str = "",
) -> list[dict[str, Any]]:
    """Paid orders, from any channel, with tickets for today or later not yet printed (or
    flagged in the console to print once more here: `tickets_to_reprint`), found by proof:
    the holder's (or guide's) ID number, the order number (ours, or the channel's order id)
    with the buyer's FULL phone, the order QR, or a ticket's code. The answer has
    no gate codes; the kiosk that asked may print what it found (services.possession), and
    fetches the codes with `GET /orders/{id}`."""
    store = bk.store
    if id_number:
        number = doc_hash(bk, id_number)  # documents are found by their keyed hash
        rows = store.all(
            "SELECT DISTINCT order_id FROM tickets WHERE holder_doc_hash = ? AND date >= ? "
            "UNION SELECT id FROM orders WHERE guide_doc_hash = ?",  # a group's guide
            (number, now.date().isoformat(), number),
        )
        order_ids, via = [r["order_id"] for r in rows], BY_ID_CARD
    elif order_no:
        order_ids, via = _orders_by_order_no(bk, order_no, phone), BY_ORDER_NO
    elif code:
        scanned = classify(code)
        if scanned.kind == CodeKind.ORDER:
            order_ids, via = _order_by_qr(bk, scanned.value), BY_ORDER_QR
        elif scanned.kind == CodeKind.TICKET:
            order_ids, via = [ticket_by_code(bk, code)["order_id"]], BY_TICKET_CODE
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
        again = reprints.to_reprint(bk, order_id, kiosk_id, now.date().isoformat())
        if waiting or again:
            claim_print(bk, order_id, kiosk_id, via, now)
            found.append(
                order
                | {"tickets_to_print": [t["id"] for t in waiting], "tickets_to_reprint": again}
            )
    return found


def find_for_aftersales(
    bk: Backend, now: datetime, *, ticket_code: str = "", id_number: str = ""
) -> list[dict[str, Any]]:
    """The orders a person may refund or rebook at a kiosk, found by what he shows there: a
    ticket's code (its order), or his ID card (orders with his tickets for today or later, or
    his group). No gate codes; the refund or rebooking itself takes the same proof."""
    if ticket_code:
        order_ids = [ticket_by_code(bk, ticket_code)["order_id"]]
    elif id_number:
        number = doc_hash(bk, id_number)  # documents are found by their keyed hash
        rows = bk.store.all(
            "SELECT DISTINCT order_id FROM tickets WHERE holder_doc_hash = ? AND date >= ? "
            "AND status IN ('issued', 'printed') "
            "UNION SELECT id FROM orders WHERE guide_doc_hash = ?",
            (number, now.date().isoformat(), number),
        )
        order_ids = [r["order_id"] for r in rows]
    else:
        raise RuleError("proof_required")
    views = [order_view(bk, order_id, now) for order_id in order_ids]
    return [o for o in views if o["status"] in (*PAID_STATUSES, "refunded")]


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
        docs = [id_number] if id_number else []  # hashed there (personal_data)
        rows = held_parent_tickets(bk, day, docs, [phone] if phone else [])
    else:
        raise RuleError("pickup_query_invalid", "id_number, phone or ticket_code")
    return [ticket_view(bk, r) | {"order_id": r["order_id"]} for r in rows]
