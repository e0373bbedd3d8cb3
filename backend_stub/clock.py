"""The backend's clock: local wall-clock time, and the forms a moment is stored and shown in."""

from __future__ import annotations

from datetime import datetime, timedelta


def local_now() -> datetime:
    """The server's local wall-clock time, naive (the area's time zone)."""
    return datetime.now().replace(microsecond=0)


def epoch_of(moment: datetime) -> float:
    return moment.timestamp()


def iso(moment: datetime | None) -> str | None:
    """Local time with its UTC offset, as clients see it."""
    return moment.astimezone().isoformat() if moment is not None else None


def plus_seconds(moment: datetime, seconds: float) -> datetime:
    return moment + timedelta(seconds=seconds)
