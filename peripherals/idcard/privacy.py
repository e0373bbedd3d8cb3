"""Masking for logs and receipts: nothing personal leaves the driver unmasked in a log line."""

from __future__ import annotations

import base64
from dataclasses import asdict
from typing import Any

# One masking rule for the whole kiosk: the domain's (pure, imports nothing of the project).
from kiosk.domain.ids import mask_id, mask_name

__all__ = ["card_as_dict", "mask_id", "mask_name"]


def card_as_dict(card: Any, mask: bool = True) -> dict[str, Any]:
    """An IdCardData as JSON-ready data. Photo and fingerprint are given by length and base64
    (base64 only when unmasked); names, ID number and address are masked unless mask=False."""
    out: dict[str, Any] = asdict(card)
    photo: bytes = out.pop("photo", b"")
    fingerprint: bytes = out.pop("fingerprint", b"")
    out["photo_length"] = len(photo)
    out["fingerprint_length"] = len(fingerprint)
    if mask:
        out["name"] = mask_name(out.get("name", ""))
        out["english_name"] = mask_name(out.get("english_name", ""))
        out["id_number"] = mask_id(out.get("id_number", ""))
        out["address"] = out.get("address", "")[:3] + "***" if out.get("address") else ""
        out["permit_number"] = mask_id(out.get("permit_number", ""))
    else:
        out["photo_base64"] = base64.b64encode(photo).decode("ascii")
    return out
