"""What both stores share: a row, the store API services may call, the integrity error both
raise (stores/__init__.py picks a store; stores/sqlite.py and stores/postgres.py are the two)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from contextlib import AbstractContextManager
from typing import Any, Protocol

Row = dict[str, Any]


class IntegrityError(Exception):
    """A unique index or CHECK constraint refused a write; the message names the table and the
    constraint (SQLite: `UNIQUE constraint failed: orders.kiosk_id, ...`; PostgreSQL:
    `orders: orders_idem: duplicate key ...`)."""


class Store(Protocol):
    """What services may call on a store."""

    dialect: str  # "sqlite" | "postgresql"
    url: str  # where it is (for messages; never a password)
    path: str  # the base of the default key file paths (keyfiles.default_key_path)

    def transaction(
        self, durable: bool = False, *, touches: Iterable[str] | None = None
    ) -> AbstractContextManager[Store]:
        """A write transaction. `touches` (opt-in, for hot paths): the names of the things it
        decides on and writes (`slot:<id>`, `order:<id>`, `kiosk:<id>`, `person:<hash>`,
        `member:<id>`, ...); PostgreSQL then locks only those, beside other such writers,
        instead of every writer (stores/postgres.py). None: every writer waits."""
        ...

    def sole(self, name: str) -> AbstractContextManager[bool]: ...
    def one(self, sql: str, params: Sequence[Any] = ()) -> Row | None: ...
    def all(self, sql: str, params: Sequence[Any] = ()) -> list[Row]: ...
    def run(self, sql: str, params: Sequence[Any] = ()) -> int: ...
    def run_many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None: ...
    def insert(self, table: str, row: Row) -> None: ...
    def insert_many(self, table: str, rows: list[Row]) -> None: ...
    def meta(self, key: str, default: str | None = None) -> str | None: ...
    def set_meta(self, key: str, value: str) -> None: ...
    def next_number(self, key: str) -> int: ...
    def checkpoint(self) -> None: ...
    def close(self) -> None: ...
