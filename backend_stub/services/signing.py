"""Rotating the ticket signing key (the key file itself: backend_stub/signing_keys.py).

A rotation makes a new key that signs every code from then on. The old key keeps its public
half, to verify the codes it signed, until the last day any of them can be for: the latest
day of a ticket already signed, or of a slot on sale (a code signed just before the rotation
is for one of those days). `GET /keys` publishes both until then.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from backend_stub.context import Backend


def last_ticket_day(bk: Backend) -> date | None:
    """The latest day a code signed so far can be for."""
    row = bk.store.one(
        "SELECT MAX(d) AS d FROM (SELECT MAX(date) AS d FROM tickets WHERE code IS NOT NULL "
        "UNION ALL SELECT MAX(date) FROM slots) AS days"
    )
    return date.fromisoformat(row["d"]) if row and row["d"] else None


def rotate_key(bk: Backend, now: datetime) -> dict[str, Any]:
    """A new active signing key; the keys that verify now (the new one first)."""
    new = bk.keys.rotate(now, last_ticket_day(bk))
    return {"kid": new.kid, "keys": bk.keys.public_view(now.date())}
