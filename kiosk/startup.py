"""The kiosk's start-up as it runs on the appliance: open the configured backend client, the
journal and the devices, replay the journal, and hand the screen (or a script) a `Kiosk`.

    async with open_kiosk(config) as k:      # k.ports, k.hub, k.replayed
        ...

Imports nothing above kiosk/: the screen (ui/main.py) and the appliance's scripted runs
(appliance/play.py) both start the kiosk through here.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from kiosk.client import BackendClient
from kiosk.config import KioskConfig
from kiosk.devices import DeviceHub, Devices, build_devices, smartcard_wanted
from kiosk.flows.base import Ports
from kiosk.flows.recovery import ReplayReport, replay
from kiosk.journal import Journal


@dataclass
class Kiosk:
    """The kiosk's brain as it runs on the appliance: ports, hub, journal (replayed at start)."""

    ports: Ports
    hub: DeviceHub
    replayed: ReplayReport = field(default_factory=ReplayReport)
    options: dict[str, Any] = field(default_factory=dict)  # e.g. pay_code for the scenarios

    @property
    def devices(self) -> Devices:
        return self.ports.devices


@asynccontextmanager
async def open_kiosk(
    config: KioskConfig, *, crash_after: str = "", with_smartcard: bool | None = None
) -> AsyncIterator[Kiosk]:
    """The kiosk's ports and device hub over `config`, journal replayed first.

    `with_smartcard`: open the PC/SC reader for member and staff cards (its cards reach the
    flow on screen as `smart_card`). Default: when the config names a reader or PC/SC lists
    one (`kiosk.devices.smartcard_wanted`). Without pcscd the reader is just `missing` in
    `devices.statuses()`; nothing fails."""
    if with_smartcard is None:
        with_smartcard = await asyncio.to_thread(smartcard_wanted, config)
    devices = await asyncio.to_thread(build_devices, config, with_smartcard=with_smartcard)
    client = BackendClient(config.backend_url, config.kiosk_id, config.kiosk_token,
                           timeout=config.timeouts.http_seconds)  # fmt: skip
    journal = Journal(config.journal_path)
    ports = Ports(client, journal, config, devices, crash_hook=crash_hook(crash_after))
    hub = DeviceHub(devices, asyncio.get_running_loop()).start()
    try:
        report = await replay(journal, client, devices.printer, config, ports.clock)
        yield Kiosk(ports, hub, report)
    finally:
        hub.stop()
        await asyncio.to_thread(devices.close)
        await client.aclose()
        journal.close()


def crash_hook(step: str) -> Callable[[str], None] | None:
    """The crash test's hook: SIGKILL this very process right after the journal recorded STEP."""
    if not step:
        return None

    def hook(reached: str) -> None:
        if reached == step:
            os.kill(os.getpid(), 9)

    return hook
