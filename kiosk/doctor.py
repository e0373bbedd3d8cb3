"""`kiosk doctor`: check each configured device and print its status; exit 0 when all are
healthy. With --emulated the four emulators are started first and the devices point at them."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from kiosk.config import KioskConfig, load_config
from kiosk.devices import build_devices
from peripherals.status import DeviceState, DeviceStatus

MARKS = {
    DeviceState.OK: "ok  ",
    DeviceState.WARNING: "warn",
    DeviceState.ERROR: "FAIL",
    DeviceState.MISSING: "MISS",
}


def check(config: KioskConfig) -> dict[str, DeviceStatus]:
    """Open each configured device, ask its status, close it again."""
    devices = build_devices(config)
    try:
        return devices.statuses()
    finally:
        devices.close()


def report_lines(statuses: dict[str, DeviceStatus], where: dict[str, str]) -> list[str]:
    lines = []
    for name, status in statuses.items():
        target = where.get(name) or "(not configured)"
        lines.append(
            f"[{MARKS[status.state]}] {name:<10} {status.message_en} / {status.message_zh}"
            f"  ({status.code}; {target})"
        )
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="kiosk doctor", description=__doc__)
    parser.add_argument("--config", type=Path, default=None, help="kiosk.toml to read")
    parser.add_argument("--emulated", action="store_true", help="start the emulators first")
    parser.add_argument("--json", action="store_true", help="print JSON")
    args = parser.parse_args(argv or [])
    config = load_config(args.config)
    bundle = None
    if args.emulated:
        from peripherals.emulators.bundle import EmulatorBundle

        bundle = EmulatorBundle.start(Path(config.data_dir) / "doctor-tickets")
        for key, value in bundle.device_settings().items():
            setattr(config.devices, key, value)
    try:
        statuses = check(config)
    finally:
        if bundle is not None:
            bundle.stop()
    where = {
        "printer": config.devices.printer,
        "idcard": config.devices.idcard,
        "smartcard": config.devices.smartcard or "first PC/SC reader",
        "camera": config.devices.camera,
    }
    healthy = all(status.healthy for status in statuses.values())
    if args.json:
        body: dict[str, Any] = {
            "healthy": healthy,
            "devices": {
                name: {**s.as_dict(), "target": where[name]} for name, s in statuses.items()
            },
        }
        print(json.dumps(body, ensure_ascii=False, indent=2))
    else:
        print("\n".join(report_lines(statuses, where)))
        print("all devices healthy" if healthy else "some devices need attention")
    return 0 if healthy else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
