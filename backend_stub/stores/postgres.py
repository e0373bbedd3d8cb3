"""The PostgreSQL store: psycopg 3 with a small connection pool, for several worker processes.

Services write SQLite's `?` placeholders and portable SQL; `translate` turns a statement into
psycopg's (`%s`, `%%`, `IS [NOT] DISTINCT FROM` for SQLite's `IS ?`). Reads outside a
transaction run in autocommit.

Locking (docs/backend.md "Locking"): every write transaction takes transaction-scoped advisory
locks (never session-scoped ones, which break behind PgBouncer's transaction pooling) in one
statement before its first write. `transaction()` with no `touches` takes the one global lock
(`WRITE_LOCK`) exclusively: it is serialised against every other writer across every worker as
SQLite's BEGIN IMMEDIATE serialises them, so any service's check-then-write rule holds
unchanged. A hot path that names what it touches (`transaction(touches=[...])`: keys such as
`slot:<id>`, `order:<id>`, `kiosk:<id>`, `person:<hash>`, `member:<id>`) takes the global lock
SHARED and an exclusive lock per key, in sorted key order (no lock-order deadlocks): such
writers run side by side unless they touch the same thing, and each waits for (and blocks) any
global writer. Reads stay concurrent. The seats' conditional UPDATE and the unique indexes stay
the net under it. `sole(name)` is a non-blocking transaction-scoped lock for work only one
worker does at a time (the sweeper).

Durability: a money transaction (`durable=True`) commits with synchronous_commit on; the
others set it off for themselves (as SQLite's synchronous=NORMAL: a crash may lose the last
of them, never corrupt anything).
"""

from __future__ import annotations

import contextlib
import hashlib
import re
import threading
import zlib
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

import psycopg
from psycopg.pq import ExecStatus
from psycopg.rows import dict_row
from psycopg.types.numeric import NumericLoader
from psycopg_pool import ConnectionPool

from backend_stub.stores.base import IntegrityError, Row
from backend_stub.stores.migrations import migrate as run_migrations
from backend_stub.stores.sqlite import NEXT_NUMBER, SET_META

WRITE_LOCK = 0x6B696F736B  # "kiosk": the global advisory lock every write transaction takes
POOL_MAX = 16  # connections per worker process (routes run in its threadpool)

# BEGIN and the locks in one round trip (a simple query: the keys are integers, written in):
# the global lock exclusive, or shared and then one exclusive lock per touched key in the
# array's sorted order (a function scan of unnest yields in order)
LOCK_ALL = "SELECT pg_advisory_xact_lock({keys})"
LOCK_SOME = (
    "SELECT CASE WHEN n = 1 THEN pg_advisory_xact_lock_shared(k) ELSE "
    "pg_advisory_xact_lock(k) END FROM unnest(ARRAY[{keys}]::bigint[]) WITH ORDINALITY AS u(k, n)"
)
LOCK_MORE = "SELECT pg_advisory_xact_lock(k) FROM unnest(%s::bigint[]) AS u(k)"
NOT_DURABLE = "; SELECT set_config('synchronous_commit', 'off', true)"
TRY_SOLE = "BEGIN; SELECT pg_try_advisory_xact_lock({keys}) AS mine"

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


def touch_key(name: str) -> int:
    """The 64-bit advisory lock key of a touched thing (`order:o1f...`), never WRITE_LOCK's."""
    return int.from_bytes(
        hashlib.blake2b(name.encode(), digest_size=8).digest(), "big", signed=True
    )


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


def _results(cur: psycopg.Cursor[Any]) -> tuple[list[Row] | None, int]:
    # (the result's status, not `cur.description`: that builds a Column per column per call)
    result = cur.pgresult
    rows = cur.fetchall() if result is not None and result.status == ExecStatus.TUPLES_OK else None
    return rows, cur.rowcount


def _configure(conn: psycopg.Connection[Any]) -> None:
    conn.adapters.register_loader("numeric", _IntNumeric)


def _integrity(exc: psycopg.errors.IntegrityError) -> IntegrityError:
    diag = exc.diag
    return IntegrityError(f"{diag.table_name}: {diag.constraint_name}: {exc}")


ALL: Any = object()  # what a transaction under the global (exclusive) lock has locked


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
    def _begin(self, opening: str) -> Iterator[psycopg.Cursor[Any]]:
        """A transaction on a pooled connection: `opening` (BEGIN and its locks, one simple
        query), ..., COMMIT, or ROLLBACK on any exception. Yields the opening's cursor."""
        local = self._local
        with self.pool.connection() as conn:
            cur = conn.execute(opening.encode())
            local.conn = conn
            try:
                yield cur
            except BaseException:
                local.conn = None
                if not conn.closed:
                    with contextlib.suppress(psycopg.Error):
                        conn.execute(b"ROLLBACK")
                raise
            else:
                local.conn = None
                conn.execute(b"COMMIT")
            finally:
                local.conn = local.locked = None

    def _locks(self, durable: bool, touches: Iterable[str] | None) -> str:
        """The simple query that takes a write transaction's advisory locks."""
        self._local.durable = durable
        tail = "" if durable else NOT_DURABLE
        if touches is None:
            self._local.locked = ALL
            return LOCK_ALL.format(keys=WRITE_LOCK) + tail
        keys = sorted({touch_key(name) for name in touches})
        self._local.locked = set(keys)
        return LOCK_SOME.format(keys=", ".join(map(str, [WRITE_LOCK, *keys]))) + tail

    def _join(
        self, conn: psycopg.Connection[Any], durable: bool, touches: Iterable[str] | None
    ) -> None:
        """A nested `transaction()`: its own `touches` added; a plain one trusts what the outer
        one named."""
        local = self._local
        if local.locked is None:  # in a sole() job: its first write
            conn.execute(self._locks(durable, touches).encode())
            return
        if touches is not None and local.locked is not ALL:
            more = sorted({touch_key(name) for name in touches} - local.locked)
            if more:
                conn.execute(LOCK_MORE, (more,))
                local.locked.update(more)
        if durable and not local.durable:
            conn.execute("SET LOCAL synchronous_commit = on")
            local.durable = True

    @contextmanager
    def transaction(
        self, durable: bool = False, *, touches: Iterable[str] | None = None
    ) -> Iterator[PostgresStore]:
        """BEGIN, the write locks, ... COMMIT (ROLLBACK on any exception). Nested calls join;
        a nested durable call makes the whole transaction durable.

        `touches`: the names of what this transaction reads to decide and then writes (see the
        module's doc); None (the default) locks every writer out. A nested `transaction()`
        inside one that named its touches takes no global lock: the outer one must name
        everything its nested calls decide on."""
        conn = self._current()
        if conn is not None:
            self._join(conn, durable, touches)
            yield self
            return
        with self._begin("BEGIN; " + self._locks(durable, touches)):
            yield self

    @contextmanager
    def sole(self, name: str) -> Iterator[bool]:
        """A transaction in which this process may do the job `name` (True), or another one is
        doing it now (False: skip it). Transactions opened inside join this one."""
        if self._current() is not None:
            raise RuntimeError("sole() opens its own transaction")
        self._local.locked, self._local.durable = None, True
        with self._begin(TRY_SOLE.format(keys=lock_key(name))) as cur:
            while cur.pgresult is None or cur.pgresult.status != ExecStatus.TUPLES_OK:
                if not cur.nextset():
                    raise RuntimeError("no answer to the lock query")
            row = cur.fetchone()
            yield bool(row["mine"])

    # -- statements ---------------------------------------------------------------------------

    def _execute(self, sql: str, params: Sequence[Any]) -> tuple[list[Row] | None, int]:
        query, values = translate(sql), _params(params)
        conn = self._current()
        try:
            if conn is not None:
                return _results(conn.execute(query, values))
            with self.pool.connection() as conn:
                return _results(conn.execute(query, values))
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
