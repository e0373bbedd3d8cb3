"""`kiosk doctor` as staff run it: one line per device, exit 0 only when all are healthy."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.fixtures.common import free_port


def run_doctor(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "appliance.cli", "doctor", *args],
        capture_output=True, text=True, timeout=60, env={**os.environ, **(env or {})},
    )  # fmt: skip


def test_doctor_with_emulators_finds_every_device_healthy(tmp_path):
    done = run_doctor("--emulated", "--json", env={"KIOSK_DATA_DIR": str(tmp_path)})
    report = json.loads(done.stdout)
    states = {name: device["state"] for name, device in report["devices"].items()}
    assert states == {"printer": "ok", "idcard": "ok", "smartcard": "ok", "camera": "ok"}
    assert done.returncode == 0


def test_doctor_reports_a_missing_printer_and_fails(tmp_path):
    env = {
        "KIOSK_DEVICES_PRINTER": f"tcp://127.0.0.1:{free_port()}",
        "KIOSK_DEVICES_IDCARD": str(tmp_path / "no-such-tty"),
        "KIOSK_DEVICES_CAMERA": str(tmp_path / "no-such-video.mp4"),
    }
    done = run_doctor(env=env)
    assert done.returncode == 1
    lines = done.stdout.splitlines()
    printer_line = next(line for line in lines if " printer " in line)
    assert printer_line.startswith("[MISS]") and "Printer not found" in printer_line
    assert next(line for line in lines if " idcard " in line).startswith("[MISS]")
    assert lines[-1] == "some devices need attention"
