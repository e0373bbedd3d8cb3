"""What the tests of refused lookups share (test_pickup_refused.py, test_addon_refused.py): a
backend whose per-person lookup limit a test can reach and wait out, the lookups used up as
another kiosk would, the network cut by our TCP proxy, and what the journey told."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from appliance.faulty_proxy import FaultyProxy
from backend_stub.process import BackendProcess
from kiosk.config import KioskConfig
from kiosk.flows.base import Flow, Outcome
from tests.backend.clocked import offset_to
from tests.flows.conftest import CLOCK_AT

READ = (0x30, 0x01)  # the SAM's read-card command: the watcher read a placed card
LOOKUPS, PER_SECONDS = 2, 4  # the backend's lookups per ID number: 2, then one every 2 s


@contextmanager
def limited_backend(db: str | Path) -> Iterator[BackendProcess]:
    """The flows' backend (clock at 10:10) with the per-person lookup limit (pickup and add-on
    parents alike) low: 2 lookups, then one every 2 s (the default is 10 a minute)."""
    extra = [
        "--clock-offset-seconds",
        f"{offset_to(*CLOCK_AT):.3f}",
        "--limit",
        f"lookup_per_person={LOOKUPS}/{PER_SECONDS}",
    ]
    with BackendProcess(db, extra_args=extra) as backend:
        yield backend


def use_up_lookups(backend: BackendProcess, id_number: str) -> float:
    """Look the ID number up until the backend refuses it (as another kiosk or a script would);
    the Retry-After it answers."""
    with httpx.Client(base_url=f"{backend.url}/api/v1", headers=backend.kiosk_headers()) as http:
        for _ in range(LOOKUPS + 1):
            answer = http.get("/pickup", params={"id_number": id_number})
            if answer.status_code == 429:
                return float(answer.headers["Retry-After"])
    raise AssertionError("the backend did not limit the lookups")


@contextmanager
def network_through_proxy(backend: BackendProcess, config: KioskConfig) -> Iterator[FaultyProxy]:
    """The kiosk talks to the backend through our TCP proxy (`cut()` / `heal()`), with short
    timeouts: 1 s a call, retried for 2 s."""
    target = urlsplit(backend.url)
    with FaultyProxy((target.hostname or "127.0.0.1", target.port or 80)) as proxy:
        config.backend_url = proxy.url
        config.timeouts.http_seconds = 1.0
        config.timeouts.network_retry_seconds = 2.0
        yield proxy


async def until_told(flow: Flow, key: str, timeout: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not any(m.key == key for m in flow.state.messages):
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"not told {key}: {[m.key for m in flow.told]}")
        await asyncio.sleep(0.02)


def said(outcome: Outcome, code: str) -> dict[str, str]:
    """The zh/en the journey showed for `error.<code>` (the one table's words)."""
    msg = next(m for m in outcome.told if m.key == f"error.{code}")
    return {"zh": msg.params["zh"], "en": msg.params["en"]}


BackendDb = Callable[[Path], str | Path]
