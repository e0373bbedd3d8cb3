"""A ticket's holder as an order line carries it: {doc_type, doc_number, name, phone}, plus
`nationality` (a passport's, optional) and `staff_grant` (an adult a supervisor let through
without a document) when they are given.

Built here only, whether the holder came from a card on the ID card reader (a resident ID
card, a foreign permanent residence card or a HK/Macao/Taiwan residence permit, each with its
own `doc_type`), a document number typed on a keypad (resident ID, passport, HK/Macao or
Taiwan permit, foreign permanent residence card), a child without a document (the name and
the buyer's phone), or an adult without one that staff allowed. What the screens may show of a
holder (`holder_view`) is masked as everywhere but the ticket being printed.
"""

from __future__ import annotations

from typing import Any, Protocol

from kiosk.domain.ids import (
    DOC_TYPE_NAMES,
    READER_DOC_TYPES,
    DocType,
    mask_id,
    mask_name,
)

HOLDER_FIELDS = ("doc_type", "doc_number", "name", "phone")
OPTIONAL_FIELDS = ("nationality", "staff_grant")

# the documents a tourist may type on the holder screen, in the order they are offered
TYPED_DOC_TYPES: tuple[DocType, ...] = (
    DocType.ID_CARD,
    DocType.PASSPORT,
    DocType.HK_MACAU_PERMIT,
    DocType.TAIWAN_PERMIT,
    DocType.FOREIGN_PERMANENT,
)
# what a ticket says of an adult staff let through without a document
STAFF_ALLOWED = ("无证件·工作人员放行", "No document, allowed by staff")


class ReaderCard(Protocol):
    """What a holder needs of a card the ID card reader hands over
    (peripherals.idcard.protocol.IdCardData): its layout, number and name."""

    doc_type: str  # resident, foreign_permanent, gat_residence
    id_number: str  # the document's number on each of the three layouts
    name: str  # the Chinese name, or a foreigner's English name


def id_card_holder(id_number: str, name: str = "", phone: str = "") -> dict[str, str]:
    """A holder known by a resident ID card (read, or its number typed)."""
    return document_holder(DocType.ID_CARD, id_number, name, phone)


def document_holder(
    doc_type: str, doc_number: str, name: str = "", phone: str = "", nationality: str = ""
) -> dict[str, str]:
    """A holder known by a document of `doc_type` (a kiosk.domain.ids DocType value)."""
    holder = {"doc_type": str(doc_type), "doc_number": doc_number, "name": name, "phone": phone}
    if nationality:
        holder["nationality"] = nationality
    return holder


def card_holder(card: ReaderCard) -> dict[str, str]:
    """The holder of a card read on the reader, with the card layout's own doc_type: a
    resident ID card is `id_card`, a foreign permanent residence card `foreign_permanent`, a
    HK/Macao/Taiwan residence permit `gat_residence` (its 18-character number, not the travel
    permit number it also carries)."""
    kind = READER_DOC_TYPES.get(card.doc_type, DocType.ID_CARD)
    return document_holder(kind, card.id_number, card.name)


def undocumented_holder(name: str, phone: str) -> dict[str, str]:
    """A child without a document: the name and the buyer's phone."""
    return {"doc_type": DocType.NONE.value, "doc_number": "", "name": name, "phone": phone}


def staff_allowed_holder(grant_token: str, name: str = "") -> dict[str, str]:
    """An adult without a document whom a supervisor let through: the supervisor's grant
    (`POST /staff/verify` answers it), spent by the order it is placed with."""
    return {
        "doc_type": DocType.NONE.value,
        "doc_number": "",
        "name": name,
        "phone": "",
        "staff_grant": grant_token,
    }


def holder_from(params: dict[str, Any]) -> dict[str, str]:
    """A holder as a screen sends it (`enter_holder` params), every field a string; the
    optional fields only when given. A staff grant never comes from a screen."""
    holder = {k: str(params.get(k, "")).strip() for k in HOLDER_FIELDS}
    nationality = str(params.get("nationality", "")).strip()
    if nationality:
        holder["nationality"] = nationality
    return holder


def same_document(a: dict[str, str], b: dict[str, str]) -> bool:
    """Two holders showing the same document (type and number)."""
    return bool(a.get("doc_number")) and (a.get("doc_type"), a.get("doc_number")) == (
        b.get("doc_type"),
        b.get("doc_number"),
    )


def holder_view(holder: dict[str, str]) -> dict[str, Any]:
    """What a screen may show of a holder: the document's type and its names in zh/en, the
    number and name masked (110***********2375, 张*), whether staff allowed no document."""
    try:
        kind = DocType(holder.get("doc_type", ""))
    except ValueError:
        kind = DocType.NONE
    allowed = bool(holder.get("staff_grant"))
    zh, en = STAFF_ALLOWED if allowed else DOC_TYPE_NAMES.get(kind, ("", ""))
    number = holder.get("doc_number", "")
    return {
        "doc_type": kind.value,
        "doc_name": {"zh": zh, "en": en},
        "doc_number": mask_id(number) if number else "",
        "name": mask_name(holder.get("name", "")),
        "allowed_by_staff": allowed,
        "child": kind is DocType.NONE and not allowed,
    }


def ticket_holder_note(holder: dict[str, Any]) -> str:
    """What a printed ticket says in place of the document of a holder the backend's ticket
    view marks as let through by staff (`holder.doc_waived_by`); '' for any other holder."""
    if not holder.get("doc_waived_by"):
        return ""
    note = holder.get("note") or {}
    zh = str(note.get("zh") or STAFF_ALLOWED[0]) if isinstance(note, dict) else STAFF_ALLOWED[0]
    en = str(note.get("en") or STAFF_ALLOWED[1]) if isinstance(note, dict) else STAFF_ALLOWED[1]
    return f"{zh}\n{en}"
