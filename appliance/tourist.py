"""The tourist of a scripted run: the emulators as a person uses them, and the person who waits
for a screen, taps, shows codes to the camera and places cards.

Used by `kiosk play NAME` (appliance/play.py, scenarios in appliance/scenarios/), the
integration tests in tests/flows/ and the benchmark rig.
"""

from __future__ import annotations

import asyncio
import time
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from appliance.emulators.bundle import EmulatorBundle
from kiosk.config import KioskConfig
from kiosk.devices import DeviceHub
from kiosk.flows.base import Flow, FlowState
from peripherals.idcard.protocol import IdCardData

REPRESENT_SECONDS = 2.0  # > the scanner's repeat_after (1.5 s) plus the stream's lag


@dataclass
class Emulators(EmulatorBundle):
    """The emulator bundle (appliance.emulators.bundle, the one place that starts them) as
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
                raise TimeoutError(
                    f"waited for {screens}, still on {self.flow.state.screen}; "
                    f"errors shown: {self.errors_shown() or 'none'}"
                )
            with suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), left)
        return self.flow.state

    def errors_shown(self) -> list[str]:
        """The error messages (`error.<code>`) the journey showed so far, in order."""
        return [m.key for m in self.flow.told if m.key.startswith("error.")]

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

    def place_card(self, card: IdCardData | str) -> None:
        """Place an ID card on the reader: a demo card's name (zhang_wei, li_na...) or a card."""
        assert self.emulators is not None
        self.emulators.idcard.place_card(card)

    def lift_card(self) -> None:
        assert self.emulators is not None
        self.emulators.idcard.lift_card()
