"""A ticket's holder as an order line carries it: {doc_type, doc_number, name, phone}.

Built here only, whether the holder came from an ID card on the reader, an ID number typed on
the keypad, or a child without a document (the name and the buyer's phone).
"""

from __future__ import annotations

from typing import Any

from kiosk.domain.ids import DocType

HOLDER_FIELDS = ("doc_type", "doc_number", "name", "phone")


def id_card_holder(id_number: str, name: str = "", phone: str = "") -> dict[str, str]:
    """A holder known by a resident ID card (read, or its number typed)."""
    return {
        "doc_type": DocType.ID_CARD.value,
        "doc_number": id_number,
        "name": name,
        "phone": phone,
    }


def undocumented_holder(name: str, phone: str) -> dict[str, str]:
    """A child without a document: the name and the buyer's phone."""
    return {"doc_type": DocType.NONE.value, "doc_number": "", "name": name, "phone": phone}


def holder_from(params: dict[str, Any]) -> dict[str, str]:
    """A holder as a screen sends it (`enter_holder` params), every field a string."""
    return {k: str(params.get(k, "")) for k in HOLDER_FIELDS}
