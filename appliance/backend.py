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
    clock_offset_seconds: float = 0.0,
) -> Iterator[str]:
    """The bundled backend (demo seed) in its own process on a free port; yields its URL.
    `db`: a SQLite path or a database URL (backend_stub/process.py); `payments`: a payments
    config (TOML) naming the providers (docs/payments.md), else the demo's simulator;
    `clock_offset_seconds`: run the backend's clock that far off the wall clock (tests)."""
    clock = (
        ["--clock-offset-seconds", f"{clock_offset_seconds:.3f}"] if clock_offset_seconds else []
    )
    with BackendProcess(
        db, hold_seconds=hold_seconds, workers=workers, payments=payments, extra_args=clock
    ) as backend:
        yield backend.url
