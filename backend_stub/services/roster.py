"""A group's roster (团体花名册) checked row by row, every bad row reported at once.

Rows are numbered as the guide sees them in the spreadsheet: the header is row 1, so the
first member is row 2 and `roster[i]` is row `i + 2`, unless the entry carries its own `row`
(an uploader that skipped blank lines sends the sheet's row). Each problem names its row and
field: `第7行 证件号码：身份证号码无效 / Row 7, ID number: The ID card number is invalid`; the
refusal is 422 `roster_invalid` with `rows: [{row, field, code, message{zh,en}}]`.

A member without a document (`doc_type: "none"` or no number), and every seat beyond the
roster (`seats`), is a non-real-name seat: the caller must confirm them
(`confirm_missing_documents: true`, else 409 `roster_missing_documents` listing them), and a
real-name product refuses them (422 `roster_documents_required`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from backend_stub.catalog_model import Product
from backend_stub.context import Backend
from backend_stub.schemas import GroupRoster, RosterEntry
from backend_stub.services.holders import REAL_NAME_STATUSES
from backend_stub.services.personal_data import doc_hash
from kiosk.domain.catalog import check_children_accompanied, check_eligible
from kiosk.domain.errors import ERRORS, RuleError
from kiosk.domain.ids import (
    DOC_TYPE_ALIASES,
    DocType,
    birth_date_of,
    doc_type_of,
    normalize_doc_number,
    validate_document,
    validate_nationality,
)

HEADER_ROWS = 1  # the spreadsheet's header: the first member is row 2
FIELD_NAMES = {
    "doc_type": ("证件类型", "document type"),
    "doc_number": ("证件号码", "ID number"),
    "nationality": ("国籍", "nationality"),
    "ticket_type_id": ("票种", "ticket type"),
}


@dataclass(frozen=True)
class Member:
    """One checked roster row (or a seat beyond the roster: row 0, no document)."""

    row: int
    ticket_type_id: str
    doc_type: str  # canonical DocType value; "none" without a document
    doc_number: str  # normalised; "" without a document
    name: str = ""
    nationality: str = ""

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.ticket_type_id, self.doc_type, self.doc_number)


@dataclass(frozen=True)
class RowProblem:
    row: int
    field: str
    code: str
    note_zh: str = ""
    note_en: str = ""

    def message(self) -> dict[str, str]:
        info = ERRORS[self.code]
        field_zh, field_en = FIELD_NAMES[self.field]
        return {
            "zh": f"第{self.row}行 {field_zh}：{info.zh}{self.note_zh}",
            "en": f"Row {self.row}, {field_en}: {info.en}{self.note_en}",
        }

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "field": self.field, "code": self.code} | {
            "message": self.message()
        }


def row_number(entry: RosterEntry, index: int) -> int:
    return entry.row or index + 1 + HEADER_ROWS


def roster_hash(body: GroupRoster, head: Sequence[Any], default_type_id: str) -> str:
    """The roster's content, order of rows aside: the same roster resent hashes the same."""
    rows = sorted(
        (
            e.ticket_type_id or default_type_id,
            DOC_TYPE_ALIASES.get(e.doc_type.strip().lower(), e.doc_type.strip().lower()),
            normalize_doc_number(e.doc_number),
            e.name.strip(),
            e.nationality.strip().upper(),
        )
        for e in body.roster
    )
    canonical = json.dumps([list(head), body.seats or len(body.roster), rows], ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()[:32]


def _check_row(
    entry: RosterEntry, row: int, product: Product, type_id: str, day: date, now: datetime
) -> tuple[Member | None, list[RowProblem]]:
    problems = []
    tt = product.ticket_types.get(type_id)
    if tt is None:
        problems.append(RowProblem(row, "ticket_type_id", "unknown_ticket_type"))
    try:
        kind = doc_type_of(entry.doc_type)
    except RuleError as exc:
        return None, [*problems, RowProblem(row, "doc_type", exc.code)]
    number = ""
    if kind is not DocType.NONE and entry.doc_number:
        try:
            number = validate_document(kind, entry.doc_number, now.date())
        except RuleError as exc:
            problems.append(RowProblem(row, "doc_number", exc.code))
        else:
            if tt is not None:
                try:
                    check_eligible(tt.eligibility, birth_date_of(kind, number), day)
                except RuleError as exc:
                    problems.append(RowProblem(row, "ticket_type_id", exc.code))
    try:
        nationality = validate_nationality(entry.nationality)
    except RuleError as exc:
        problems.append(RowProblem(row, "nationality", exc.code))
        nationality = ""
    doc_type = kind.value if number else DocType.NONE.value
    member = Member(row, type_id, doc_type, number, entry.name, nationality)
    return (None if problems else member), problems


def check_roster(
    bk: Backend,
    product: Product,
    slot: dict[str, Any],
    default_type_id: str,
    body: GroupRoster,
    now: datetime,
    *,
    order_id: str | None = None,
) -> list[Member]:
    """Every row checked (document for its type, eligibility on the slot's day, one ticket per
    document per product and slot, in the roster and against tickets of other orders); the
    members, with a seat of the default type for each seat beyond the roster. Raises
    roster_invalid listing every bad row, then the missing-document rules."""
    day = date.fromisoformat(slot["date"])
    members: list[Member] = []
    problems: list[RowProblem] = []
    first_row: dict[tuple[str, str], int] = {}
    for index, entry in enumerate(body.roster):
        row = row_number(entry, index)
        member, found = _check_row(
            entry, row, product, entry.ticket_type_id or default_type_id, day, now
        )
        problems += found
        if member is None:
            continue
        if member.doc_number:
            doc = (member.doc_type, member.doc_number)
            if doc in first_row:
                note = (f"（与第{first_row[doc]}行重复）", f" (same as row {first_row[doc]})")
                problems.append(RowProblem(row, "doc_number", "duplicate_real_name", *note))
                continue
            first_row[doc] = row
            if _held_elsewhere(bk, product.id, slot["id"], doc, order_id):
                problems.append(RowProblem(row, "doc_number", "duplicate_real_name"))
                continue
        members.append(member)
    if problems:
        raise RuleError(
            "roster_invalid",
            "; ".join(p.message()["en"] for p in problems[:10]),
            detail_zh="；".join(p.message()["zh"] for p in problems[:10]),
            extra={"rows": [p.as_dict() for p in problems]},
        )
    seats = body.seats or len(body.roster)
    if seats < len(body.roster):
        raise RuleError("group_invalid", f"seats ({seats}) fewer than the roster's rows")
    members += [Member(0, default_type_id, DocType.NONE.value, "")] * (seats - len(body.roster))
    _check_missing_documents(product, members, body.confirm_missing_documents)
    if product.child_needs_adult:
        children = sum(1 for m in members if product.ticket_types[m.ticket_type_id].is_child)
        check_children_accompanied(children, len(members) - children)
    return members


def _held_elsewhere(
    bk: Backend, product_id: str, slot_id: str, doc: tuple[str, str], order_id: str | None
) -> bool:
    marks = ",".join("?" * len(REAL_NAME_STATUSES))
    doc_type, number = doc
    return (
        bk.store.one(
            "SELECT 1 FROM tickets WHERE product_id = ? AND slot_id = ? AND holder_doc_type = ? "
            f"AND holder_doc_hash = ? AND status IN ({marks}) AND order_id IS NOT ?",
            (product_id, slot_id, doc_type, doc_hash(bk, number), *REAL_NAME_STATUSES, order_id),
        )
        is not None
    )


def _check_missing_documents(product: Product, members: list[Member], confirmed: bool) -> None:
    """Fewer documents than seats: refused on a real-name product, else a warning to confirm."""
    missing = [m for m in members if not m.doc_number]
    if not missing:
        return
    rows = [m.row for m in missing if m.row]
    extra = {"missing": len(missing), "rows_without_document": rows}
    detail = f"{len(missing)} of {len(members)} seats without a document"
    detail_zh = f"{len(members)}个座位中有{len(missing)}个没有证件"
    if product.real_name:
        raise RuleError("roster_documents_required", detail, detail_zh=detail_zh, extra=extra)
    if not confirmed:
        raise RuleError("roster_missing_documents", detail, detail_zh=detail_zh, extra=extra)
