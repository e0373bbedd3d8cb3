"""The SQLite store: one file through sqlite-utils, WAL mode, one process.

`BEGIN IMMEDIATE` serialises every writer. The routes run in FastAPI's threadpool, and the one
connection is shared by its threads: a transaction holds the store's lock from BEGIN to COMMIT,
a statement outside one holds it while it runs, so no thread ever sees (or joins) another's
open transaction. `touches` is accepted and needs nothing here: every writer is serialised.
The schema comes from stores/migrations.py; `IntegrityError` is the stores' own
(stores/__init__.py).
"""

from __future__ import annotations

import os
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import sqlite_utils

from backend_stub.stores.base import IntegrityError, Row
from backend_stub.stores.migrations import migrate as run_migrations

# NORMAL (default) with durable money commits, or FULL / OFF for every commit: the benchmark
# compares them through this variable
SYNC_MODE = os.environ.get("KIOSK_BACKEND_SYNC", "NORMAL").upper()
if SYNC_MODE not in ("OFF", "NORMAL", "FULL"):
    SYNC_MODE = "NORMAL"


SET_META = (
    "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = "
    "excluded.value"
)
NEXT_NUMBER = (
    "INSERT INTO meta (key, value) VALUES (?, '1') ON CONFLICT(key) DO UPDATE "
    "SET value = CAST(CAST(meta.value AS INTEGER) + 1 AS TEXT) RETURNING value"
)


class SqliteStore:
    """One SQLite connection shared by threads under one lock; callers keep each transaction
    short."""

    dialect = "sqlite"

    def __init__(self, path: str, *, migrate: bool = True) -> None:
        self.path = path
        self.url = f"sqlite:///{path}"
        conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=5)
        conn.row_factory = sqlite3.Row
        self.conn = conn
        self.db = sqlite_utils.Database(conn)
        self.db.enable_wal()
        # NORMAL: a commit does not fsync; `transaction(durable=True)` (money) does
        conn.execute(f"PRAGMA synchronous={SYNC_MODE}")
        conn.execute("PRAGMA foreign_keys=ON")
        # personal data cleared (expired holds, retention, purge) is overwritten, not left
        # in free space
        conn.execute("PRAGMA secure_delete=ON")
        self._lock = threading.RLock()
        self._local = threading.local()  # this thread's transaction depth
        if migrate:
            run_migrations(self, datetime.now().isoformat(timespec="seconds"))

    @contextmanager
    def transaction(
        self, durable: bool = False, *, touches: Iterable[str] | None = None
    ) -> Iterator[SqliteStore]:
        """BEGIN IMMEDIATE ... COMMIT, or ROLLBACK on any exception. Nested calls join.

        `durable`: the commit is fsynced before this returns (synchronous=FULL for this
        transaction): for money (a payment, a refund, a paid rebook, an order that arrives
        paid). Other commits (holds, printed marks) are synced by the next durable commit or
        checkpoint; a power cut may lose the last of them, never corrupt the file."""
        local = self._local
        depth = getattr(local, "depth", 0)
        if depth:
            local.depth = depth + 1
            try:
                yield self
            finally:
                local.depth = depth
            return
        with self._lock:
            sync = durable and SYNC_MODE != "FULL"
            if sync:
                self.conn.execute("PRAGMA synchronous=FULL")
            self.conn.execute("BEGIN IMMEDIATE")
            local.depth = 1
            try:
                yield self
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise
            else:
                self.conn.execute("COMMIT")
            finally:
                local.depth = 0
                if sync:
                    self.conn.execute(f"PRAGMA synchronous={SYNC_MODE}")

    @contextmanager
    def sole(self, name: str) -> Iterator[bool]:
        """A job only one process may run at a time (the sweeper): one process here, always."""
        yield True

    def _fetch(self, sql: str, params: Sequence[Any], many: bool) -> list[sqlite3.Row]:
        with self._lock:
            try:
                cur = self.conn.execute(sql, params)
                return cur.fetchall() if many else [r for r in [cur.fetchone()] if r is not None]
            except sqlite3.IntegrityError as exc:
                raise IntegrityError(str(exc)) from exc

    def one(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        rows = self._fetch(sql, params, many=False)
        return dict(rows[0]) if rows else None

    def all(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        return [dict(r) for r in self._fetch(sql, params, many=True)]

    def run(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Execute a statement; the number of rows it changed."""
        with self._lock:
            try:
                return self.conn.execute(sql, params).rowcount
            except sqlite3.IntegrityError as exc:
                raise IntegrityError(str(exc)) from exc

    def insert(self, table: str, row: Row) -> None:
        keys = list(row)
        cols = ", ".join(f'"{k}"' for k in keys)
        marks = ", ".join("?" for _ in keys)
        self.run(f'INSERT INTO "{table}" ({cols}) VALUES ({marks})', [row[k] for k in keys])

    def insert_many(self, table: str, rows: list[Row]) -> None:
        """Bulk insert through sqlite-utils (used by the seed)."""
        if rows:
            with self._lock:
                self.db[table].insert_all(rows)

    def meta(self, key: str, default: str | None = None) -> str | None:
        row = self.one("SELECT value FROM meta WHERE key = ?", (key,))
        return row["value"] if row else default

    def next_number(self, key: str) -> int:
        """Inside a transaction: the counter `key` in meta, plus one (one statement)."""
        rows = self._fetch(NEXT_NUMBER, (key,), many=False)
        return int(rows[0][0])

    def run_many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        with self._lock:
            try:
                self.conn.executemany(sql, rows)
            except sqlite3.IntegrityError as exc:
                raise IntegrityError(str(exc)) from exc

    def set_meta(self, key: str, value: str) -> None:
        self.run(SET_META, (key, value))

    def checkpoint(self) -> None:
        """Copy the WAL into the database file and empty it (after personal data is purged,
        so no old copy of a page stays in the WAL)."""
        with self._lock:
            self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def close(self) -> None:
        self.conn.close()
