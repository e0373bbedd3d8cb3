"""An ID card as the kiosk may show or log it: the reader hands over what it read, and the
kiosk masks it by its one masking rule (kiosk.domain.ids)."""

from __future__ import annotations

from typing import Any

from kiosk.domain.ids import mask_id, mask_name
from peripherals.idcard.protocol import IdCardData


def card_as_dict(card: IdCardData, mask: bool = True) -> dict[str, Any]:
    """The card as JSON-ready data. Photo and fingerprint are given by length, and the photo in
    base64 only when unmasked; names, ID number, permit number and address are masked unless
    mask=False."""
    out = card.as_dict()
    if not mask:
        return out
    del out["photo_base64"]
    del out["chip_serial"]  # the card's own chip number: it tells the card (and so the person)
    out["name"] = mask_name(out["name"])
    out["english_name"] = mask_name(out["english_name"])
    out["id_number"] = mask_id(out["id_number"])
    out["address"] = out["address"][:3] + "***" if out["address"] else ""
    out["permit_number"] = mask_id(out["permit_number"])
    return out
