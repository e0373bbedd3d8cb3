"""The devices' health as `kiosk doctor` reports it: open each configured device, ask its status,
close it again; one line (or JSON) per device. The command itself (and its `--emulated` mode,
which starts the emulators first) is appliance/doctor.py."""

from __future__ import annotations

import json
from typing import Any

from kiosk.config import KioskConfig
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


def targets(config: KioskConfig) -> dict[str, str]:
    """Where each device is looked for, as the report names it."""
    return {
        "printer": config.devices.printer,
        "idcard": config.devices.idcard,
        "smartcard": config.devices.smartcard or "first PC/SC reader",
        "camera": config.devices.camera,
    }


def report_lines(statuses: dict[str, DeviceStatus], where: dict[str, str]) -> list[str]:
    lines = []
    for name, status in statuses.items():
        target = where.get(name) or "(not configured)"
        lines.append(
            f"[{MARKS[status.state]}] {name:<10} {status.message_en} / {status.message_zh}"
            f"  ({status.code}; {target})"
        )
    return lines


def report(statuses: dict[str, DeviceStatus], where: dict[str, str], as_json: bool) -> str:
    """The whole report: JSON, or a line per device and a verdict."""
    healthy = all(status.healthy for status in statuses.values())
    if as_json:
        body: dict[str, Any] = {
            "healthy": healthy,
            "devices": {
                name: {**s.as_dict(), "target": where.get(name, "")} for name, s in statuses.items()
            },
        }
        return json.dumps(body, ensure_ascii=False, indent=2)
    verdict = "all devices healthy" if healthy else "some devices need attention"
    return "\n".join([*report_lines(statuses, where), verdict])
