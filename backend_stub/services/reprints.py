"""Reprint flags: the console (finance or operations, at the service desk) flags a printed
ticket to print once more at a kiosk, any or one named, with a reason; who and when are kept.

The tourist then picks up as usual (ID card, order QR, order number + phone): the pickup lookup
offers the flagged tickets to that kiosk (`tickets_to_reprint`), the kiosk prints them marked
REPRINT, and its printed mark consumes the flag (printed count + 1, by which kiosk, when). A
second pickup finds nothing. A flag can be cancelled before it is used.

A reprint carries the SAME gate code as the first paper: the gate admits a ticket once per
component (services.gate, `ticket_used`), so the old paper and the new one let one person in,
and nothing has to be revoked. Used, refunded or expired tickets cannot be flagged; a ticket not
printed yet needs no flag (it prints at pickup)."""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from backend_stub.context import Backend
from kiosk.domain.errors import RuleError

OPEN, DONE, CANCELLED = "open", "done", "cancelled"
_REFUSED = {
    "used": "reprint_ticket_used",
    "refunded": "reprint_ticket_refunded",
    "issued": "reprint_not_printed",
}


def known_kiosks(bk: Backend) -> list[str]:
    """Kiosks a flag may name: those that ever reported in or hold a live credential."""
    rows = bk.store.all(
        "SELECT id FROM kiosks UNION SELECT subject FROM credentials "
        "WHERE kind = 'kiosk' AND revoked_at IS NULL"
    )
    return sorted({r["id"] for r in rows if r["id"]})


def check_flaggable(t: dict[str, Any], now: datetime) -> None:
    if t["status"] != "printed":
        raise RuleError(_REFUSED.get(t["status"], "ticket_not_issued"), t["id"][-8:])
    if t["date"] < now.date().isoformat():
        raise RuleError("reprint_ticket_expired", t["id"][-8:])


def flag(
    bk: Backend,
    order_id: str,
    ticket_ids: list[str],
    *,
    reason: str,
    kiosk_id: str,
    by: str,
    now: datetime,
) -> list[dict[str, Any]]:
    """Flag these tickets of the order to reprint once (at `kiosk_id`, or any kiosk if empty);
    all or none. The flags made."""
    if kiosk_id and kiosk_id not in known_kiosks(bk):
        raise RuleError("reprint_kiosk_unknown", kiosk_id)
    made: list[dict[str, Any]] = []
    with bk.store.transaction(touches=[f"ticket:{t}" for t in ticket_ids]):
        if bk.store.one("SELECT id FROM orders WHERE id = ?", (order_id,)) is None:
            raise RuleError("order_not_found")
        for ticket_id in ticket_ids:
            t = bk.store.one(
                "SELECT id, status, date FROM tickets WHERE id = ? AND order_id = ?",
                (ticket_id, order_id),
            )
            if t is None:
                raise RuleError("ticket_not_found")
            check_flaggable(t, now)
            if open_flag(bk, ticket_id) is not None:
                raise RuleError("reprint_already_flagged", ticket_id[-8:])
            row = {
                "id": "rp_" + secrets.token_hex(8),
                "ticket_id": ticket_id,
                "order_id": order_id,
                "kiosk_id": kiosk_id,
                "reason": reason,
                "state": OPEN,
                "flagged_by": by,
                "flagged_at": now.isoformat(),
            }
            bk.store.insert("reprint_flags", row)
            made.append(row)
    return made


def open_flag(bk: Backend, ticket_id: str) -> dict[str, Any] | None:
    return bk.store.one(
        "SELECT * FROM reprint_flags WHERE ticket_id = ? AND state = ?", (ticket_id, OPEN)
    )


def unflag(bk: Backend, order_id: str, ticket_id: str, *, by: str, now: datetime) -> dict:
    """Cancel a ticket's open flag (before a kiosk used it)."""
    with bk.store.transaction(touches=[f"ticket:{ticket_id}"]):
        row = open_flag(bk, ticket_id)
        if row is None or row["order_id"] != order_id:
            raise RuleError("reprint_flag_not_found", ticket_id[-8:])
        bk.store.run(
            "UPDATE reprint_flags SET state = ?, closed_by = ?, closed_at = ? WHERE id = ?",
            (CANCELLED, by, now.isoformat(), row["id"]),
        )
    return row | {"state": CANCELLED, "closed_by": by, "closed_at": now.isoformat()}


def to_reprint(bk: Backend, order_id: str, kiosk_id: str, today: str) -> list[str]:
    """The order's tickets flagged to reprint that this kiosk may print now."""
    rows = bk.store.all(
        "SELECT f.ticket_id FROM reprint_flags f JOIN tickets t ON t.id = f.ticket_id "
        "WHERE f.order_id = ? AND f.state = ? AND (f.kiosk_id = '' OR f.kiosk_id = ?) "
        "AND t.status = 'printed' AND t.date >= ? ORDER BY t.rowid",
        (order_id, OPEN, kiosk_id, today),
    )
    return [r["ticket_id"] for r in rows]


def consume(bk: Backend, ticket_id: str, kiosk_id: str, now: datetime) -> bool:
    """Inside the printed mark's transaction: a printed ticket printed again at this kiosk
    uses up its open flag (if it names no kiosk or this one). Whether there was one."""
    row = open_flag(bk, ticket_id)
    if row is None or row["kiosk_id"] not in ("", kiosk_id):
        return False
    bk.store.run(
        "UPDATE reprint_flags SET state = ?, closed_by = ?, closed_at = ? WHERE id = ?",
        (DONE, f"kiosk:{kiosk_id}", now.isoformat(), row["id"]),
    )
    return True


def flags_of(bk: Backend, order_id: str) -> list[dict[str, Any]]:
    """Every flag of the order, newest first (the order page)."""
    return bk.store.all(
        "SELECT * FROM reprint_flags WHERE order_id = ? ORDER BY flagged_at DESC, id",
        (order_id,),
    )
