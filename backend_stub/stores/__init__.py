"""The stores: the only modules that know which database the backend runs on.

`open_store(url)` picks one by its URL: a path or `sqlite:///path` (SQLite, one process:
stores/sqlite.py) or `postgresql://user@host:port/dbname` (PostgreSQL, several worker
processes: stores/postgres.py). Both keep the same small API (`Store`): services write `?`
placeholders and portable SQL, run writes inside `transaction()`, and catch `IntegrityError`
(raised by both for a unique index or CHECK that refuses a row). The schema comes from one
list of migrations (stores/migrations.py), run at open.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from backend_stub.stores.base import IntegrityError, Row, Store

__all__ = [
    "IntegrityError",
    "Row",
    "Store",
    "is_postgres_url",
    "iter_chunks",
    "open_store",
    "sqlite_path",
]


def is_postgres_url(url: str) -> bool:
    return url.startswith(("postgresql://", "postgres://"))


def sqlite_path(url: str) -> str:
    """`sqlite:///var/b.db` -> `var/b.db`; `sqlite:////abs/b.db` -> `/abs/b.db`; a path as is."""
    return url.removeprefix("sqlite:///") if url.startswith("sqlite:///") else url


def open_store(url: str | Path, *, migrate: bool = True) -> Store:
    """The store at `url` (a SQLite file is created if missing), its schema migrated to the
    latest version unless `migrate=False` (a worker whose parent has migrated it)."""
    text = str(url)
    if is_postgres_url(text):
        from backend_stub.stores.postgres import PostgresStore

        return PostgresStore(text, migrate=migrate)
    if "://" in text and not text.startswith("sqlite:///"):
        raise ValueError(f"--db: a path, sqlite:///PATH or postgresql://... , not {text!r}")
    from backend_stub.stores.sqlite import SqliteStore

    path = Path(sqlite_path(text))
    path.parent.mkdir(parents=True, exist_ok=True)
    return SqliteStore(str(path), migrate=migrate)


def iter_chunks(rows: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(rows), size):
        yield rows[start : start + size]
