"""The bundled backend for a scripted run or a test: its own process, demo seed, free port."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from backend_stub.process import BackendProcess


@contextmanager
def backend_process(
    db: str | Path,
    hold_seconds: int = 300,
    workers: int = 1,
    payments: str | Path | None = None,
) -> Iterator[str]:
    """The bundled backend (demo seed) in its own process on a free port; yields its URL.
    `db`: a SQLite path or a database URL (backend_stub/process.py); `payments`: a payments
    config (TOML) naming the providers (docs/payments.md), else the demo's simulator."""
    with BackendProcess(
        db, hold_seconds=hold_seconds, workers=workers, payments=payments
    ) as backend:
        yield backend.url
