"""The PostgreSQL store: psycopg 3 with a small connection pool, for several worker processes.

Services write SQLite's `?` placeholders and portable SQL; `translate` turns a statement into
psycopg's (`%s`, `%%`, `IS [NOT] DISTINCT FROM` for SQLite's `IS ?`). Reads outside a
transaction run in autocommit.

Locking (docs/backend.md "Stores, migrations, locking and workers"): every write transaction
takes one transaction-scoped advisory lock (`pg_advisory_xact_lock(WRITE_LOCK)`, never a
session-scoped one) before its first statement: writers across every worker are serialised as
SQLite's BEGIN IMMEDIATE serialises them, so the services' check-then-write rules (idempotency
keys, the real-name rule, unpaid caps, binding limits) hold unchanged; reads stay concurrent.
The seats' conditional UPDATE and the unique indexes stay the net under it. `sole(name)` is a
non-blocking transaction-scoped lock for work only one worker does at a time (the sweeper).

Durability: a money transaction (`durable=True`) commits with synchronous_commit on; the
others set it off for themselves (as SQLite's synchronous=NORMAL: a crash may lose the last
of them, never corrupt anything).
"""

from __future__ import annotations

import re
import threading
import zlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

import psycopg
from psycopg.rows import dict_row
from psycopg.types.numeric import NumericLoader
from psycopg_pool import ConnectionPool

from backend_stub.stores.base import IntegrityError, Row
from backend_stub.stores.migrations import migrate as run_migrations
from backend_stub.stores.sqlite import NEXT_NUMBER, SET_META

WRITE_LOCK = 0x6B696F736B  # "kiosk": the one advisory lock every write transaction takes
POOL_MAX = 8  # connections per worker process (its event loop uses one at a time)

_IS_NOT = re.compile(r"\bIS NOT \?")
_IS = re.compile(r"\bIS \?")


@lru_cache(maxsize=2048)
def translate(sql: str) -> str:
    """A statement in SQLite's words in psycopg's (no `?` inside the services' literals)."""
    sql = sql.replace("%", "%%")
    sql = _IS_NOT.sub("IS DISTINCT FROM ?", sql)
    sql = _IS.sub("IS NOT DISTINCT FROM ?", sql)
    return sql.replace("?", "%s")


def lock_key(name: str) -> int:
    """A stable 32-bit key for an advisory lock named `name`."""
    return zlib.crc32(name.encode())


def _params(params: Sequence[Any]) -> list[Any]:
    # SQLite keeps booleans as 0/1 in INTEGER columns; PostgreSQL would refuse a boolean there
    return [int(p) if isinstance(p, bool) else p for p in params]


class _IntNumeric(NumericLoader):
    """SUM() of a BIGINT is NUMERIC in PostgreSQL: back to int (as SQLite answers), or float."""

    def load(self, data: Any) -> Any:
        value = super().load(data)
        if isinstance(value, Decimal):
            return int(value) if value == value.to_integral_value() else float(value)
        return value


def _row(cursor: psycopg.Cursor[Any]) -> Any:
    make = dict_row(cursor)

    def row(values: Sequence[Any]) -> Row:
        out = make(values)
        out.pop("rowid", None)  # the identity column migrations give ROWID_TABLES
        return out

    return row


def _configure(conn: psycopg.Connection[Any]) -> None:
    conn.adapters.register_loader("numeric", _IntNumeric)


def _integrity(exc: psycopg.errors.IntegrityError) -> IntegrityError:
    diag = exc.diag
    return IntegrityError(f"{diag.table_name}: {diag.constraint_name}: {exc}")


class PostgresStore:
    """A pool of connections to one PostgreSQL database; one transaction per thread."""

    dialect = "postgresql"

    def __init__(self, url: str, *, migrate: bool = True, pool_max: int = POOL_MAX) -> None:
        parts = urlsplit(url)
        self.dbname = parts.path.lstrip("/") or "postgres"
        # key files default beside where a SQLite file would be: var/<dbname>.<name>.key
        self.path = f"var/{self.dbname}.db"
        self.url = parts._replace(netloc=parts.netloc.rpartition("@")[2]).geturl()
        self.pool = ConnectionPool(
            url,
            min_size=1,
            max_size=pool_max,
            kwargs={"autocommit": True, "row_factory": _row},
            configure=_configure,
            open=True,
            name="kiosk-backend",
        )
        self._local = threading.local()
        if migrate:
            run_migrations(self, datetime.now().isoformat(timespec="seconds"))

    # -- transactions -------------------------------------------------------------------------

    def _current(self) -> psycopg.Connection[Any] | None:
        return getattr(self._local, "conn", None)

    @contextmanager
    def _begin(self) -> Iterator[psycopg.Connection[Any]]:
        with self.pool.connection() as conn, conn.transaction():
            self._local.conn, self._local.writing, self._local.durable = conn, False, True
            try:
                yield conn
            finally:
                self._local.conn = None

    def _write_lock(self, conn: psycopg.Connection[Any], durable: bool) -> None:
        if not self._local.writing:
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK,))
            self._local.writing = True
            self._local.durable = durable
            if not durable:
                conn.execute("SET LOCAL synchronous_commit = off")
        elif durable and not self._local.durable:
            conn.execute("SET LOCAL synchronous_commit = on")
            self._local.durable = True

    @contextmanager
    def transaction(self, durable: bool = False) -> Iterator[PostgresStore]:
        """BEGIN, the write lock, ... COMMIT (ROLLBACK on any exception). Nested calls join;
        a nested durable call makes the whole transaction durable."""
        conn = self._current()
        if conn is not None:
            self._write_lock(conn, durable)
            yield self
            return
        with self._begin() as conn:
            self._write_lock(conn, durable)
            yield self

    @contextmanager
    def sole(self, name: str) -> Iterator[bool]:
        """A transaction in which this process may do the job `name` (True), or another one is
        doing it now (False: skip it). Transactions opened inside join this one."""
        if self._current() is not None:
            raise RuntimeError("sole() opens its own transaction")
        with self._begin() as conn:
            row = conn.execute("SELECT pg_try_advisory_xact_lock(%s) AS mine", (lock_key(name),))
            yield bool(row.fetchone()["mine"])

    # -- statements ---------------------------------------------------------------------------

    def _execute(self, sql: str, params: Sequence[Any]) -> tuple[list[Row] | None, int]:
        query, values = translate(sql), _params(params)
        conn = self._current()
        try:
            if conn is not None:
                cur = conn.execute(query, values)
                return (cur.fetchall() if cur.description else None), cur.rowcount
            with self.pool.connection() as conn:
                cur = conn.execute(query, values)
                return (cur.fetchall() if cur.description else None), cur.rowcount
        except psycopg.errors.IntegrityError as exc:
            raise _integrity(exc) from exc

    def one(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        rows, _ = self._execute(sql, params)
        return rows[0] if rows else None

    def all(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        rows, _ = self._execute(sql, params)
        return rows or []

    def run(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Execute a statement; the number of rows it changed."""
        return self._execute(sql, params)[1]

    def run_many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        if not rows:
            return
        query = translate(sql)
        with self.transaction():
            conn = self._current()
            assert conn is not None
            try:
                with conn.cursor() as cur:
                    cur.executemany(query, [_params(r) for r in rows])
            except psycopg.errors.IntegrityError as exc:
                raise _integrity(exc) from exc

    def insert(self, table: str, row: Row) -> None:
        keys = list(row)
        cols = ", ".join(f'"{k}"' for k in keys)
        marks = ", ".join("?" for _ in keys)
        self.run(f'INSERT INTO "{table}" ({cols}) VALUES ({marks})', [row[k] for k in keys])

    def insert_many(self, table: str, rows: list[Row]) -> None:
        """Bulk insert (the seed, `kiosk backend migrate`); rows may differ in their keys."""
        by_keys: dict[tuple[str, ...], list[Row]] = {}
        for row in rows:
            by_keys.setdefault(tuple(row), []).append(row)
        for keys, group in by_keys.items():
            cols = ", ".join(f'"{k}"' for k in keys)
            marks = ", ".join("?" for _ in keys)
            self.run_many(
                f'INSERT INTO "{table}" ({cols}) VALUES ({marks})',
                [[r[k] for k in keys] for r in group],
            )

    def meta(self, key: str, default: str | None = None) -> str | None:
        row = self.one("SELECT value FROM meta WHERE key = ?", (key,))
        return row["value"] if row else default

    def set_meta(self, key: str, value: str) -> None:
        self.run(SET_META, (key, value))

    def next_number(self, key: str) -> int:
        """Inside a transaction: the counter `key` in meta, plus one (one statement)."""
        row = self.one(NEXT_NUMBER, (key,))
        assert row is not None
        return int(row["value"])

    def checkpoint(self) -> None:
        """SQLite empties its WAL here; PostgreSQL recycles its own (nothing to do)."""

    def close(self) -> None:
        self.pool.close()
