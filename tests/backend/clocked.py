"""A backend whose clock reads a chosen time of today, so gate and window tests hold at any
hour they run (`--clock-offset-seconds`), and small calls the gate tests share."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, time
from pathlib import Path

import httpx

from backend_stub.process import BackendProcess
from tests.backend.roomy import ROOMY_LIMITS


def offset_to(hour: int, minute: int = 0) -> float:
    """Seconds from now to today at hour:minute (negative when that has passed)."""
    now = datetime.now()
    return (datetime.combine(now.date(), time(hour, minute)) - now).total_seconds()


def backend_at(
    db: str | Path, hour: int, minute: int = 0, extra_args: Sequence[str] = ()
) -> BackendProcess:
    """A demo-seeded backend (not started) on `db` (a SQLite path or a database URL, see
    tests/fixtures/backend.py backend_db) whose clock reads today at hour:minute."""
    args = ["--clock-offset-seconds", f"{offset_to(hour, minute):.3f}", *ROOMY_LIMITS, *extra_args]
    return BackendProcess(db, seed="demo", extra_args=args)


def today() -> date:
    return date.today()


def verify(client: httpx.Client, gate_id: str | None = None, **body: str) -> httpx.Response:
    """POST /tickets/verify with `code=` or `id_number=`, at `gate_id` (None: no gate)."""
    return client.post(
        "/api/v1/tickets/verify", json=body | ({"gate_id": gate_id} if gate_id else {})
    )


def error_code(r: httpx.Response) -> str:
    return r.json()["error"]["code"]


def pickup_codes(client: httpx.Client, **query: str) -> list[dict]:
    """The tickets of the orders found for pickup, with their codes: the lookup answers
    without them, the kiosk that found the orders reads them to print (`GET /orders/{id}`)."""
    found = client.get("/api/v1/pickup", params=query).json()["orders"]
    printing = [client.get(f"/api/v1/orders/{o['id']}").json() for o in found]
    return [t for o in printing for t in o["tickets"]]
