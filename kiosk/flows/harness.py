"""The harness a scripted journey runs in: the bundled backend in its own process, the emulators,
the real drivers opened on them, and a tourist who plays the person's part.

Used by `kiosk journey` (kiosk/journeys.py) and the integration tests in tests/flows/.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kiosk.client import BackendClient
from kiosk.config import KioskConfig
from kiosk.devices import DeviceHub, Devices, build_devices, smartcard_wanted
from kiosk.flows.base import Flow, FlowState, Ports
from kiosk.flows.recovery import ReplayReport, replay
from kiosk.journal import Journal
from peripherals.emulators.bundle import EmulatorBundle

REPRESENT_SECONDS = 2.0  # > the scanner's repeat_after (1.5 s) plus the stream's lag


@contextmanager
def backend_process(db: Path, hold_seconds: int = 300) -> Iterator[str]:
    """The bundled backend (demo seed) in its own process on a free port; yields its URL."""
    from backend_stub.process import BackendProcess

    with BackendProcess(db, hold_seconds=hold_seconds) as backend:
        yield backend.url


@dataclass
class Emulators(EmulatorBundle):
    """The emulator bundle (peripherals.emulators.bundle, the one place that starts them) as
    the scripted tourist uses it: started in this process, smart card only when asked."""

    # when each code was last taken away: the scanner reads a code again only after it has
    # been out of sight for a moment (one presentation, one read), so a person waits too
    last_shown: dict[str, float] = field(default_factory=dict)

    @classmethod
    def start(  # type: ignore[override]
        cls,
        tickets_dir: str | Path,
        paper_mm: float = 5_000.0,
        with_printer: bool = True,
        *,
        smartcard: bool = False,
    ) -> Emulators:
        """Printer (unless `with_printer` is False: an external one is used), camera, ID card
        reader, and with `smartcard` the virtual card on pcscd (a problem is recorded in
        `problems`, not raised)."""
        emu = super().start(
            tickets_dir, paper_mm=paper_mm, smartcard=smartcard, printer=with_printer
        )
        assert isinstance(emu, Emulators)
        return emu

    def configure(self, config: KioskConfig) -> None:
        """Point the config's [devices] at these emulators."""
        for key, value in self.device_settings().items():
            setattr(config.devices, key, value)


@dataclass
class Kiosk:
    """The kiosk's brain as it runs on the appliance: ports, hub, journal (replayed at start)."""

    ports: Ports
    hub: DeviceHub
    replayed: ReplayReport = field(default_factory=ReplayReport)
    options: dict[str, Any] = field(default_factory=dict)  # e.g. pay_code for the scripts

    @property
    def devices(self) -> Devices:
        return self.ports.devices


@asynccontextmanager
async def kiosk(
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


def crash_hook(step: str) -> Any:
    """The crash test's hook: SIGKILL this very process right after the journal recorded STEP."""
    if not step:
        return None

    def hook(reached: str) -> None:
        if reached == step:
            os.kill(os.getpid(), 9)

    return hook


class Tourist:
    """Plays the person: waits for a screen, taps, shows codes to the camera, places cards."""

    def __init__(self, flow: Flow, emulators: Emulators | None, hub: DeviceHub) -> None:
        self.flow = flow
        self.emulators = emulators
        self.hub = hub
        hub.target = flow
        self._changed = asyncio.Event()
        flow.subscribe(lambda _state: self._changed.set())

    async def until(self, *screens: str, timeout: float = 20.0) -> FlowState:
        deadline = time.monotonic() + timeout
        while self.flow.state.screen not in screens:
            self._changed.clear()
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"waited for {screens}, still on {self.flow.state.screen}")
            with suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), left)
        return self.flow.state

    def tap(self, action: str, **params: Any) -> None:
        if not self.flow.act(action, **params):
            raise RuntimeError(f"{action} is not offered on {self.flow.state.screen}")

    async def show_code(self, text: str, seconds: float = 3.0) -> None:
        """Hold a code (phone screen) to the camera until the screen reacts (or `seconds`)."""
        emu = self.emulators
        assert emu is not None
        away = time.monotonic() - emu.last_shown.get(text, 0.0)
        if away < REPRESENT_SECONDS:
            await asyncio.sleep(REPRESENT_SECONDS - away)
        seq = self.flow.state.seq
        emu.camera.show_code(text, seconds=seconds)
        deadline = time.monotonic() + seconds
        while self.flow.state.seq == seq and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        emu.camera.clear()
        emu.last_shown[text] = time.monotonic()

    def place_card(self, name: str) -> None:
        assert self.emulators is not None
        self.emulators.idcard.place_card(name)

    def lift_card(self) -> None:
        assert self.emulators is not None
        self.emulators.idcard.lift_card()
