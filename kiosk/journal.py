"""The kiosk's local journal of in-flight work (SQLite, WAL, synchronous=FULL).

Write-ahead: every step that moves money or paper is written here, and committed, before it is
done. At start, `kiosk.flows.recovery.replay` reads what was left half-done and finishes it:
prints the rest of a paid order, queries a pending payment and finishes or reverses it, cancels
an order held but never paid. Staff lockouts, staff audit and the last errors live here too, so
a restart resets none of them. No personal data is stored beyond the masked ticket layout.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS orders (
    idem_key TEXT PRIMARY KEY,          -- Idempotency-Key of POST /orders, chosen first
    order_id TEXT,                      -- known once the backend answered
    order_no TEXT,
    state TEXT NOT NULL,                -- creating, held, paying, paid, printed, cancelled, failed
    total_fen INTEGER,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS payments (
    idem_key TEXT PRIMARY KEY,          -- Idempotency-Key of POST .../payments
    order_id TEXT NOT NULL,
    method TEXT NOT NULL,               -- auth_code, qr
    auth_code TEXT NOT NULL DEFAULT '',  -- the one-time payment code, to re-ask with the same body
    payment_id TEXT,
    state TEXT NOT NULL,  -- submitting, pending, success, failed, cancelling, cancelled
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS tickets (
    ticket_id TEXT PRIMARY KEY,
    order_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    layout TEXT NOT NULL,               -- JSON of the TicketLayout (holder already masked)
    state TEXT NOT NULL,                -- pending, printing, printed, failed, uncertain
    error TEXT,
    marked INTEGER NOT NULL DEFAULT 0,  -- POST /tickets/{id}/printed acknowledged
    prints INTEGER NOT NULL DEFAULT 0,
    updated_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS staff_pins (
    staff_id TEXT PRIMARY KEY,
    failures INTEGER NOT NULL DEFAULT 0,
    locked_until REAL NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at REAL NOT NULL,
    staff_id TEXT NOT NULL,
    action TEXT NOT NULL,
    details TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS errors (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at REAL NOT NULL,
    code TEXT NOT NULL,
    message TEXT NOT NULL
);
"""

OPEN_ORDER_STATES = ("creating", "held", "paying", "paid")


@dataclass(frozen=True)
class OrderEntry:
    idem_key: str
    order_id: str | None
    order_no: str | None
    state: str
    total_fen: int | None
    created_at: float


@dataclass(frozen=True)
class PaymentEntry:
    idem_key: str
    order_id: str
    method: str
    payment_id: str | None
    state: str
    auth_code: str = ""


@dataclass(frozen=True)
class TicketEntry:
    ticket_id: str
    order_id: str
    seq: int
    layout: dict[str, Any]
    state: str
    error: str | None
    marked: bool
    prints: int


class Journal:
    """One SQLite file; every write is its own committed transaction (durable on return)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._db = sqlite3.connect(str(self.path), isolation_level=None, check_same_thread=False)
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript(SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def _rows(self, sql: str, *args: Any) -> list[sqlite3.Row]:
        with self._lock:
            return list(self._db.execute(sql, args))

    # --- orders ----------------------------------------------------------------------------

    def order_creating(self, idem_key: str) -> None:
        now = time.time()
        with self._tx() as db:
            db.execute(
                "INSERT OR IGNORE INTO orders(idem_key, state, created_at, updated_at)"
                " VALUES (?, 'creating', ?, ?)",
                (idem_key, now, now),
            )

    def order_held(self, idem_key: str, order_id: str, order_no: str, total_fen: int) -> None:
        with self._tx() as db:
            db.execute(
                "UPDATE orders SET order_id=?, order_no=?, total_fen=?, state='held',"
                " updated_at=? WHERE idem_key=?",
                (order_id, order_no, total_fen, time.time(), idem_key),
            )

    def order_to_print(self, order_id: str, order_no: str) -> None:
        """A paid order from elsewhere (pickup, rebook) whose tickets this kiosk prints."""
        now = time.time()
        with self._tx() as db:
            db.execute(
                "INSERT OR IGNORE INTO orders(idem_key, order_id, order_no, state, created_at,"
                " updated_at) VALUES (?, ?, ?, 'paid', ?, ?)",
                (f"print-{order_id}", order_id, order_no, now, now),
            )
            db.execute(
                "UPDATE orders SET state='paid', updated_at=? WHERE order_id=?", (now, order_id)
            )

    def order_state(self, order_id: str, state: str) -> None:
        with self._tx() as db:
            db.execute(
                "UPDATE orders SET state=?, updated_at=? WHERE order_id=?",
                (state, time.time(), order_id),
            )

    def order_by_key(self, idem_key: str) -> OrderEntry | None:
        rows = self._rows("SELECT * FROM orders WHERE idem_key=?", idem_key)
        return _order(rows[0]) if rows else None

    def open_orders(self) -> list[OrderEntry]:
        marks = ",".join("?" * len(OPEN_ORDER_STATES))
        rows = self._rows(
            f"SELECT * FROM orders WHERE state IN ({marks}) ORDER BY created_at",
            *OPEN_ORDER_STATES,
        )
        return [_order(r) for r in rows]

    # --- payments --------------------------------------------------------------------------

    def payment_submitting(
        self, idem_key: str, order_id: str, method: str, auth_code: str = ""
    ) -> None:
        now = time.time()
        with self._tx() as db:
            db.execute(
                "INSERT OR IGNORE INTO payments(idem_key, order_id, method, auth_code, state,"
                " created_at, updated_at) VALUES (?, ?, ?, ?, 'submitting', ?, ?)",
                (idem_key, order_id, method, auth_code, now, now),
            )
            db.execute(
                "UPDATE orders SET state='paying', updated_at=? WHERE order_id=?",
                (now, order_id),
            )

    def payment_state(self, idem_key: str, state: str, payment_id: str | None = None) -> None:
        with self._tx() as db:
            db.execute(
                "UPDATE payments SET state=?, payment_id=COALESCE(?, payment_id), updated_at=?"
                " WHERE idem_key=?",
                (state, payment_id, time.time(), idem_key),
            )

    def open_payments(self) -> list[PaymentEntry]:
        rows = self._rows(
            "SELECT * FROM payments WHERE state IN ('submitting', 'pending', 'cancelling')"
            " ORDER BY created_at"
        )
        return [_payment(r) for r in rows]

    def payments_of(self, order_id: str) -> list[PaymentEntry]:
        rows = self._rows("SELECT * FROM payments WHERE order_id=? ORDER BY created_at", order_id)
        return [_payment(r) for r in rows]

    # --- tickets ---------------------------------------------------------------------------

    def tickets_to_print(self, order_id: str, layouts: list[tuple[str, dict[str, Any]]]) -> None:
        """Record every ticket of a paid order as pending, before the first one prints."""
        now = time.time()
        with self._tx() as db:
            for seq, (ticket_id, layout) in enumerate(layouts):
                db.execute(
                    "INSERT OR IGNORE INTO tickets(ticket_id, order_id, seq, layout, state,"
                    " updated_at) VALUES (?, ?, ?, ?, 'pending', ?)",
                    (ticket_id, order_id, seq, json.dumps(layout, ensure_ascii=False), now),
                )

    def ticket_reissued(self, ticket_id: str, order_id: str, layout: dict[str, Any]) -> None:
        """A ticket the backend re-issued (rebook: new slot, new code) prints again."""
        with self._tx() as db:
            db.execute(
                "INSERT INTO tickets(ticket_id, order_id, seq, layout, state, updated_at)"
                " VALUES (?, ?, 0, ?, 'pending', ?) ON CONFLICT(ticket_id) DO UPDATE SET"
                " layout=excluded.layout, state='pending', error=NULL, marked=0,"
                " updated_at=excluded.updated_at",
                (ticket_id, order_id, json.dumps(layout, ensure_ascii=False), time.time()),
            )

    def ticket_state(self, ticket_id: str, state: str, error: str | None = None) -> None:
        with self._tx() as db:
            bump = 1 if state == "printed" else 0
            db.execute(
                "UPDATE tickets SET state=?, error=?, prints=prints+?, updated_at=?"
                " WHERE ticket_id=?",
                (state, error, bump, time.time(), ticket_id),
            )

    def ticket_marked(self, ticket_id: str) -> None:
        with self._tx() as db:
            db.execute("UPDATE tickets SET marked=1 WHERE ticket_id=?", (ticket_id,))

    def tickets_of(self, order_id: str) -> list[TicketEntry]:
        rows = self._rows("SELECT * FROM tickets WHERE order_id=? ORDER BY seq", order_id)
        return [_ticket(r) for r in rows]

    def ticket(self, ticket_id: str) -> TicketEntry | None:
        rows = self._rows("SELECT * FROM tickets WHERE ticket_id=?", ticket_id)
        return _ticket(rows[0]) if rows else None

    def tickets_in(self, *states: str) -> list[TicketEntry]:
        marks = ",".join("?" * len(states))
        rows = self._rows(
            f"SELECT * FROM tickets WHERE state IN ({marks}) ORDER BY updated_at, seq", *states
        )
        return [_ticket(r) for r in rows]

    def tickets_unmarked(self) -> list[TicketEntry]:
        rows = self._rows("SELECT * FROM tickets WHERE state='printed' AND marked=0")
        return [_ticket(r) for r in rows]

    # --- staff -----------------------------------------------------------------------------

    def pin_lock(self, staff_id: str) -> tuple[int, float]:
        rows = self._rows("SELECT * FROM staff_pins WHERE staff_id=?", staff_id)
        return (rows[0]["failures"], rows[0]["locked_until"]) if rows else (0, 0.0)

    def pin_failed(self, staff_id: str, max_failures: int, lock_seconds: float, now: float) -> int:
        """Count a wrong PIN; the 5th (max_failures-th) locks for lock_seconds. Returns count."""
        with self._tx() as db:
            db.execute("INSERT OR IGNORE INTO staff_pins(staff_id) VALUES (?)", (staff_id,))
            db.execute("UPDATE staff_pins SET failures=failures+1 WHERE staff_id=?", (staff_id,))
            (failures,) = db.execute(
                "SELECT failures FROM staff_pins WHERE staff_id=?", (staff_id,)
            ).fetchone()
            if failures >= max_failures:
                db.execute(
                    "UPDATE staff_pins SET locked_until=?, failures=0 WHERE staff_id=?",
                    (now + lock_seconds, staff_id),
                )
        return int(failures)

    def pin_ok(self, staff_id: str) -> None:
        with self._tx() as db:
            db.execute(
                "UPDATE staff_pins SET failures=0, locked_until=0 WHERE staff_id=?", (staff_id,)
            )

    def audit(self, staff_id: str, action: str, details: dict[str, Any] | None = None) -> None:
        with self._tx() as db:
            db.execute(
                "INSERT INTO audit(at, staff_id, action, details) VALUES (?, ?, ?, ?)",
                (time.time(), staff_id, action, json.dumps(details or {}, ensure_ascii=False)),
            )

    def audit_log(self, limit: int = 50) -> list[dict[str, Any]]:
        rows = self._rows("SELECT * FROM audit ORDER BY id DESC LIMIT ?", limit)
        return [{**dict(r), "details": json.loads(r["details"])} for r in rows]

    def error(self, code: str, message: str) -> None:
        with self._tx() as db:
            db.execute(
                "INSERT INTO errors(at, code, message) VALUES (?, ?, ?)",
                (time.time(), code, message),
            )

    def last_errors(self, limit: int = 20) -> list[dict[str, Any]]:
        return [dict(r) for r in self._rows("SELECT * FROM errors ORDER BY id DESC LIMIT ?", limit)]


def _order(r: sqlite3.Row) -> OrderEntry:
    return OrderEntry(
        r["idem_key"], r["order_id"], r["order_no"], r["state"], r["total_fen"], r["created_at"]
    )


def _payment(r: sqlite3.Row) -> PaymentEntry:
    return PaymentEntry(
        r["idem_key"], r["order_id"], r["method"], r["payment_id"], r["state"], r["auth_code"]
    )


def _ticket(r: sqlite3.Row) -> TicketEntry:
    return TicketEntry(
        r["ticket_id"],
        r["order_id"],
        r["seq"],
        json.loads(r["layout"]),
        r["state"],
        r["error"],
        bool(r["marked"]),
        r["prints"],
    )
