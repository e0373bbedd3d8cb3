"""All four emulators started together, with one control handle and the device settings
(ports, URLs) a kiosk config needs to reach them. Used by `kiosk emulators`, `kiosk doctor
--emulated`, the journeys and the demo."""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from peripherals.status import DeviceError

log = logging.getLogger(__name__)


@dataclass
class EmulatorBundle:
    printer: Any = None
    camera: Any = None
    idcard: Any = None
    smartcard: Any = None
    pcscd: Any = None
    problems: dict[str, str] = field(default_factory=dict)  # device -> why it did not start

    @classmethod
    def start(
        cls,
        tickets_dir: str | Path = "var/tickets",
        *,
        printer_port: int = 0,
        camera_port: int = 0,
        idcard_tcp_port: int | None = None,
        paper_mm: float = 80_000.0,
        smartcard: bool = True,
        printer: bool = True,
        printer_baud: int | None = None,
    ) -> EmulatorBundle:
        """Start every emulator (the printer unless `printer` is False, when an external one is
        used); one that cannot start is recorded in `problems`, not raised."""
        from peripherals.camera.emulator import CameraEmulator
        from peripherals.idcard.emulator import IdCardEmulator
        from peripherals.printer.emulator import PrinterEmulator

        bundle = cls()
        if printer:
            bundle.printer = PrinterEmulator(
                port=printer_port, out_dir=tickets_dir, paper_mm=paper_mm, baud=printer_baud
            ).start()
        bundle.camera = CameraEmulator(port=camera_port).start()
        bundle.idcard = IdCardEmulator().start(tcp_port=idcard_tcp_port)
        if smartcard:
            bundle._start_smartcard()
        return bundle

    def _start_smartcard(self) -> None:
        from peripherals.smartcard.emulator import SmartCardEmulator, ensure_pcscd

        try:
            self.pcscd = ensure_pcscd()
            self.smartcard = SmartCardEmulator().start()
        except DeviceError as exc:
            self.problems["smartcard"] = f"{exc.code}: {exc.message_en}"
            log.warning("smart card emulator not started: %s", exc)

    def device_settings(self) -> dict[str, str]:
        """What kiosk.config's [devices] section must say to reach these emulators (an
        emulator not started here leaves its setting out)."""
        settings = {
            "camera": f"emu://127.0.0.1:{self.camera.port}",
            "idcard": self.idcard.port,
        }
        if self.printer is not None:
            settings["printer"] = f"tcp://{self.printer.host}:{self.printer.port}"
        if self.smartcard is not None and self.pcscd is not None and self.pcscd.vpcd_readers:
            settings["smartcard"] = self.pcscd.vpcd_readers[0]
        return settings

    def describe(self) -> dict[str, Any]:
        """Where each emulator listens, for people and scripts."""
        return {
            "printer": (
                {
                    "tcp": f"{self.printer.host}:{self.printer.port}",
                    "tickets_dir": str(self.printer.out_dir),
                }
                if self.printer is not None
                else {"problem": "not started here"}
            ),
            "camera": {"mjpeg": f"{self.camera.url}/stream.mjpg"},
            "idcard": {"pty": self.idcard.port, "url": getattr(self.idcard, "url", None)},
            "smartcard": (
                {"readers": list(self.pcscd.readers)}
                if self.smartcard is not None
                else {"problem": self.problems.get("smartcard", "not started")}
            ),
        }

    def stop(self) -> None:
        for emulator in (self.smartcard, self.camera, self.idcard, self.printer):
            if emulator is not None:
                with contextlib.suppress(Exception):
                    emulator.stop()
        if self.pcscd is not None:
            with contextlib.suppress(Exception):
                self.pcscd.stop()

    def __enter__(self) -> EmulatorBundle:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
