"""Fixtures of the journeys' tests: one backend process per module, fresh emulators and a fresh
kiosk journal per test, and a runner for the scripted journeys. The backend's store is
`KIOSK_TEST_DB`'s (default SQLite; `make test-postgres` sets `postgres`), see
tests/fixtures/backend.py."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from appliance import scenarios
from appliance.tourist import Emulators
from backend_stub.process import BackendProcess
from kiosk.config import KioskConfig
from kiosk.startup import open_kiosk
from tests.backend.clocked import offset_to

# The flows' backends start with their clock at this time of today: inside an hour's slot, not
# on a slot's end. At 10:00 sharp (as it was) the 09:00-10:00 slot ended as a module's first
# test began: the backend's clock (whole seconds, so up to 1 s behind) still listed that slot
# open to a test that started within a second, the tourist chose it, and the order was refused
# `slot_closed` a moment later (the CI flakes "waited for ('pay',), still on review").
# 10:10 leaves every module 20 minutes before the next end of a slot or departure (10:30).
CLOCK_AT = (10, 10)


@pytest.fixture(scope="module")
def backend(
    tmp_path_factory: pytest.TempPathFactory, backend_db: Callable[[Path], str | Path]
) -> Iterator[BackendProcess]:
    # a staff id locked by one test's wrong PINs (services.staff_pins) is free for the next
    # test after a second, not the default minute
    # and its clock reads 10:10 today (CLOCK_AT), so journeys on today's slots (add-ons to
    # today's admission) hold at any hour the suite runs
    clock = offset_to(*CLOCK_AT)
    extra = ["--pin-lockout-seconds", "1", "--clock-offset-seconds", f"{clock:.3f}"]
    db = backend_db(tmp_path_factory.mktemp("backend") / "backend.db")
    with BackendProcess(db, extra_args=extra) as bk:
        yield bk


@pytest.fixture
def emulators(artifacts_dir: Path) -> Iterator[Emulators]:
    emu = Emulators.start(artifacts_dir / "tickets")
    yield emu
    emu.stop()


@pytest.fixture
def kiosk_config(backend: BackendProcess, emulators: Emulators, tmp_path: Path) -> KioskConfig:
    config = KioskConfig(data_dir=str(tmp_path / "kiosk"), backend_url=backend.url)
    emulators.configure(config)
    config.timeouts.payment_poll_seconds = 4.0
    return config


def run_journey(name: str, config: KioskConfig, emu: Emulators) -> dict[str, Any]:
    async def go() -> dict[str, Any]:
        async with open_kiosk(config) as k:
            return await scenarios.SCENARIOS[name](k, emu)

    return asyncio.run(go())


def api(backend: BackendProcess, path: str) -> Any:
    resp = httpx.get(f"{backend.url}/api/v1{path}", headers=backend.kiosk_headers(), timeout=5)
    resp.raise_for_status()
    return resp.json()


def printed_codes(emu: Emulators) -> list[str]:
    """The QR payloads of every ticket the printer emulator cut whole."""
    return [code for t in emu.printer.tickets if t.complete for code in t.qr_payloads]
