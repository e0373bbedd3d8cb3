"""The revocation list gates sync: every code that stopped opening a gate (a refund, a channel's
refund, a rebooking's old code), in the order it stopped, with a cursor to sync from."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from backend_stub.context import Backend

REFUNDED = "refunded"
CHANNEL_REFUNDED = "channel_refunded"
REBOOKED = "rebooked"
MAX_PAGE = 1000


def revoke(bk: Backend, ticket: dict[str, Any], reason: str, now: datetime) -> None:
    """Inside a transaction: the ticket's current code opens nothing from now on (a ticket
    never issued has no code, and nothing to revoke)."""
    if ticket.get("code"):
        bk.store.insert(
            "revoked_codes",
            {"code": ticket["code"], "ticket_id": ticket["id"], "reason": reason,
             "at": now.isoformat()},
        )  # fmt: skip


def revoked_since(bk: Backend, since: int, limit: int = MAX_PAGE) -> dict[str, Any]:
    """Codes revoked after cursor `since` (0: all), oldest first; `next_since` is the cursor
    for the next sync, `more` says another page is waiting."""
    limit = max(1, min(limit, MAX_PAGE))
    rows = bk.store.all(
        "SELECT seq, code, ticket_id, reason, at FROM revoked_codes WHERE seq > ? "
        "ORDER BY seq LIMIT ?",
        (since, limit + 1),
    )
    more = len(rows) > limit
    rows = rows[:limit]
    return {
        "revoked": rows,
        "next_since": rows[-1]["seq"] if rows else since,
        "more": more,
    }
