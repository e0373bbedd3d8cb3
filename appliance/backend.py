"""The bundled backend for a scripted run or a test: its own process, demo seed, free port."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from backend_stub.process import BackendProcess


@contextmanager
def backend_process(db: Path, hold_seconds: int = 300) -> Iterator[str]:
    """The bundled backend (demo seed) in its own process on a free port; yields its URL."""
    with BackendProcess(db, hold_seconds=hold_seconds) as backend:
        yield backend.url
