"""Who holds each ticket of an order line: the document checked for its own type
(kiosk.domain.ids), the real-name rule (one ticket per document — doc_type and normalised
number — per product and slot, across every channel), and an adult a supervisor let through
without a document (services.staff_grants)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Protocol

from backend_stub.catalog_model import Product, TicketType
from backend_stub.context import Backend
from backend_stub.schemas import OrderLine
from backend_stub.services.personal_data import holder_columns
from backend_stub.services.staff_grants import granting_staff, spend_grants
from kiosk.domain.catalog import check_eligible
from kiosk.domain.errors import RuleError
from kiosk.domain.ids import (
    DocType,
    birth_date_of,
    doc_type_of,
    is_valid_phone,
    validate_document,
    validate_nationality,
)

# the statuses in which a ticket keeps its document's place for its product and slot
REAL_NAME_STATUSES = ("held", "issued", "printed", "used")


class Planned(Protocol):
    """What the real-name check needs of a planned ticket (orders.PlannedTicket)."""

    product: Product
    slot: dict[str, Any]
    holder: dict[str, str]


def holders_for(
    bk: Backend, line: OrderLine, product: Product, tt: TicketType, day: date, now: datetime
) -> list[dict[str, str]]:
    """The holder of each ticket of the line, checked: one per ticket on a real-name product;
    each document valid for its type, its birth date eligible on `day`; without a document,
    a child's name and phone or a supervisor's live grant. Tickets without a holder get {}.
    Each holder as stored (services.personal_data): the document found by its keyed hash,
    shown masked, kept encrypted; the name masked."""
    if product.real_name and len(line.holders) != line.quantity:
        raise RuleError("holder_required", f"{line.quantity} holders for {product.id}")
    if len(line.holders) > line.quantity:
        raise RuleError("holders_mismatch")
    out = []
    for holder in line.holders:
        if holder.phone and not is_valid_phone(holder.phone):
            raise RuleError("invalid_phone")
        kind = doc_type_of(holder.doc_type)
        grant = ""
        if kind is DocType.NONE:
            number = ""
            child_ok = tt.is_child and holder.name and holder.phone
            if product.real_name and not child_ok:
                if not holder.staff_grant:
                    raise RuleError("holder_required", "a document, or a child's name and phone")
                granting_staff(bk, holder.staff_grant, now)
                grant = holder.staff_grant.strip()
        else:
            number = validate_document(kind, holder.doc_number, now.date())
            check_eligible(tt.eligibility, birth_date_of(kind, number), day)
        doc_type = kind.value if number else DocType.NONE.value
        out.append(
            holder_columns(bk, doc_type, number, holder.name, holder.phone)
            | {
                "holder_nationality": validate_nationality(holder.nationality),
                "staff_grant": grant,
            }
        )
    out += [{} for _ in range(line.quantity - len(out))]
    return out


def check_real_name_unique(bk: Backend, planned: list[Planned]) -> None:
    """One ticket per document per product and slot: within the order and against every
    ticket still holding its place (any channel)."""
    seen: set[tuple[str, str, str, str]] = set()
    marks = ",".join("?" * len(REAL_NAME_STATUSES))
    for t in planned:
        number = t.holder.get("holder_doc_hash")
        if not number:
            continue
        key = (t.product.id, t.slot["id"], t.holder["holder_doc_type"], number)
        if key in seen:
            raise RuleError("duplicate_real_name")
        seen.add(key)
        if bk.store.one(
            "SELECT 1 FROM tickets WHERE product_id = ? AND slot_id = ? AND holder_doc_type = ?"
            f" AND holder_doc_hash = ? AND status IN ({marks})",
            (*key, *REAL_NAME_STATUSES),
        ):
            raise RuleError("duplicate_real_name")


def record_holders(
    bk: Backend, order_id: str, planned: list[Planned], kiosk_id: str | None, now: datetime
) -> None:
    """Inside the transaction that inserted the order's tickets (in `planned` order): each
    holder's nationality, and the supervisor's grant spent and audited for each holder let
    through without a document."""
    extras = [(t.holder.get("holder_nationality"), t.holder.get("staff_grant")) for t in planned]
    if not any(n or g for n, g in extras):
        return
    rows = bk.store.all("SELECT id FROM tickets WHERE order_id = ? ORDER BY rowid", (order_id,))
    ids = [r["id"] for r in rows]
    waived = []
    for ticket_id, (nationality, grant) in zip(ids, extras, strict=True):
        if nationality:
            bk.store.run(
                "UPDATE tickets SET holder_nationality = ? WHERE id = ?", (nationality, ticket_id)
            )
        if grant:
            waived.append((ticket_id, grant))
    spend_grants(bk, order_id, waived, kiosk_id, now)
