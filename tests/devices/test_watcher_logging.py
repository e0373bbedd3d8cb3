"""A device that stays away is logged when its state changes, not at every poll (issue 11: 87
warnings in 25 s, one per ID-reader poll). The watchers and the kiosk's hub run for a few
seconds against a missing device; the log records are counted."""

from __future__ import annotations

import asyncio
import logging
import time
from pathlib import Path

import numpy as np
import pytest

from kiosk.devices import DeviceHub, Devices
from peripherals.camera.driver import CameraScanner
from peripherals.idcard.driver import SamIdCardReader
from peripherals.idcard.protocol import IdCardData
from peripherals.idcard.watcher import IdCardWatcher
from peripherals.smartcard import watcher as smartcard_watcher
from peripherals.smartcard.errors import SmartCardError
from peripherals.status import DeviceState, DeviceStatus

MISSING = DeviceStatus("idcard", DeviceState.MISSING, "not_connected", "无法打开", "cannot open")


@pytest.fixture
def records(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    """Every record at INFO or above (from the devices and the kiosk's device hub, below)."""
    caplog.set_level(logging.INFO)
    return caplog


def device_lines(records: pytest.LogCaptureFixture, word: str) -> list[str]:
    return [
        f"{r.levelname} {r.getMessage()}"
        for r in records.records
        if r.name.startswith(("peripherals", "kiosk.devices")) and word in r.getMessage()
    ]


def missing_reader(tmp_path: Path) -> SamIdCardReader:
    """A reader configured on a port where nothing is (unplugged)."""
    return SamIdCardReader(str(tmp_path / "ttyUSB-unplugged"), timeout=0.05)


def test_a_missing_id_card_reader_is_logged_once_not_at_every_poll(
    tmp_path: Path, records: pytest.LogCaptureFixture
) -> None:
    errors: list[DeviceStatus] = []
    watcher = IdCardWatcher(
        missing_reader(tmp_path), lambda _card: None, poll_interval=0.02, on_error=errors.append
    ).start()
    time.sleep(2.0)
    watcher.stop()
    assert len(errors) >= 20  # it kept polling (and telling on_error each time)
    lines = device_lines(records, "idcard")
    assert len(lines) == 1, lines
    assert lines[0].startswith("WARNING") and "not_connected" in lines[0]


class FlakyReader:
    """A reader that is missing, then answers, then is missing again."""

    def __init__(self, pattern: list[bool]) -> None:
        self.pattern = pattern  # True: answers (no card); False: missing

    def poll(self) -> IdCardData | DeviceStatus | None:
        return None if self.pattern.pop(0) else MISSING

    def read_card(self) -> IdCardData | None:
        return None

    def status(self) -> DeviceStatus:
        return MISSING

    def close(self) -> None:
        pass


def test_an_id_card_reader_that_comes_and_goes_is_logged_once_per_change(
    records: pytest.LogCaptureFixture,
) -> None:
    reader = FlakyReader([False] * 30 + [True] * 30 + [False] * 30)
    told: list[DeviceStatus] = []
    quiet = IdCardWatcher(reader, lambda _card: None)  # logs the changes itself
    for _ in range(90):
        quiet.poll_once()
    reader.pattern = [False] * 30 + [True] * 30
    owned = IdCardWatcher(reader, lambda _card: None, on_state=told.append)  # its owner logs
    for _ in range(60):
        owned.poll_once()
    lines = device_lines(records, "idcard")
    assert [line.split()[0] for line in lines] == ["WARNING", "INFO", "WARNING"], lines
    assert [(s.state, s.code) for s in told] == [
        (DeviceState.MISSING, "not_connected"),
        (DeviceState.OK, "ok"),
    ]


def test_the_hub_logs_a_missing_reader_once_whoever_asks(
    tmp_path: Path, records: pytest.LogCaptureFixture
) -> None:
    """The hub's watcher polls the reader and the heartbeat reads every status: one record."""
    devices = Devices(idcard=missing_reader(tmp_path))
    loop = asyncio.new_event_loop()
    hub = DeviceHub(devices, loop)
    hub.start()
    try:
        for _ in range(20):
            devices.statuses()  # as the heartbeat and the start screen's device poll do
            time.sleep(0.1)
    finally:
        hub.stop()
        loop.close()
    assert len(device_lines(records, "idcard")) == 1, device_lines(records, "idcard")
    # a device left out on purpose: said once, as information
    printer = device_lines(records, "printer")
    assert printer == ["INFO printer: not configured"], printer


class NoFrames:
    """A camera that is there but gives no frames."""

    def frame(self) -> np.ndarray | None:
        return None


@pytest.mark.parametrize("source", [NoFrames(), "/nonexistent/camera.png"], ids=["stalled", "gone"])
def test_a_camera_that_stays_away_is_logged_once(
    source: object, records: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("peripherals.camera.driver.REOPEN_SECONDS", 0.05)
    scanner = CameraScanner(source)
    scanner.start(lambda _text: None)
    time.sleep(1.5)  # ~25 tries to reopen it
    scanner.stop()
    lines = device_lines(records, "camera")
    assert len(lines) == 1 and lines[0].startswith("WARNING"), lines


def test_a_smart_card_reader_that_stays_away_is_logged_once(
    records: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_pcscd() -> None:
        raise SmartCardError("no_service", "pcscd is not running")

    monkeypatch.setattr(smartcard_watcher, "pcsc_context", no_pcscd)
    monkeypatch.setattr(smartcard_watcher, "RETRY_SECONDS", 0.02)
    watcher = smartcard_watcher.CardWatcher("", lambda _card: None)
    watcher.start()
    time.sleep(1.0)  # ~50 retries
    watcher.stop()
    lines = device_lines(records, "smart card")
    assert len(lines) == 1 and lines[0].startswith("WARNING"), lines
