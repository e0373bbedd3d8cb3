"""Device settings reach their drivers through each device's transport registry: every setting
that works today still opens, an unknown scheme is a clear status, and the device packages
load no more than they must."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.config import KioskConfig
from kiosk.devices import build_devices
from peripherals.camera import CameraScanner, open_camera
from peripherals.idcard import SamIdCardReader, open_idcard_reader
from peripherals.printer import EscposTicketPrinter, PrinterError, open_printer
from peripherals.smartcard import PcscSmartCardReader, open_smartcard_reader
from peripherals.status import DeviceError, DeviceState
from peripherals.transport import BARE, Registry, UnknownTransport, scheme_of

REPO = Path(__file__).resolve().parents[2]


def test_scheme_of_a_url_and_of_a_bare_value():
    assert scheme_of("tcp://10.0.0.5:9100") == "tcp"
    assert scheme_of(" RTSP://cam/1 ") == "rtsp"
    for bare in ("/dev/ttyUSB0", "0", "Virtual PCD 00 00", "var/frames"):
        assert scheme_of(bare) == BARE


def test_a_registry_opens_by_scheme_and_refuses_an_unknown_one():
    registry: Registry[str] = Registry("gadget", "小工具")
    registry.register(lambda url, **o: f"net {url} {o}", "tcp")
    registry.register(lambda url, **o: f"path {url}", BARE)
    assert registry.open("tcp://h:1", speed=2) == "net tcp://h:1 {'speed': 2}"
    assert registry.open("/dev/x") == "path /dev/x"
    with pytest.raises(UnknownTransport) as refused:
        registry.open("ftp://h/x")
    assert isinstance(refused.value, DeviceError) and refused.value.code == "unknown_transport"
    assert "tcp://" in refused.value.message_en and "ftp://h/x" in refused.value.message_zh


@pytest.mark.parametrize(
    ("open_device", "setting", "driver"),
    [
        (open_printer, "tcp://127.0.0.1:9100", EscposTicketPrinter),
        (open_printer, "/dev/ttyUSB1", EscposTicketPrinter),
        (open_printer, "serial:///dev/ttyS0", EscposTicketPrinter),
        (open_idcard_reader, "/dev/ttyUSB0", SamIdCardReader),
        (open_idcard_reader, "socket://127.0.0.1:7001", SamIdCardReader),
        (open_idcard_reader, "rfc2217://127.0.0.1:7002", SamIdCardReader),
        (open_camera, "0", CameraScanner),
        (open_camera, "emu://127.0.0.1:8791", CameraScanner),
        (open_camera, "http://10.0.0.9/stream.mjpg", CameraScanner),
        (open_camera, "rtsp://10.0.0.9/live", CameraScanner),
        (open_camera, "var/frames", CameraScanner),
        (open_smartcard_reader, "", PcscSmartCardReader),
        (open_smartcard_reader, "Virtual PCD 00 00", PcscSmartCardReader),
    ],
)
def test_every_setting_that_worked_before_still_opens(open_device, setting, driver):
    assert isinstance(open_device(setting), driver)  # opening a driver touches no device yet


@pytest.mark.parametrize(
    "open_device", [open_printer, open_idcard_reader, open_camera, open_smartcard_reader]
)
def test_an_unknown_scheme_is_refused_with_zh_and_en(open_device):
    with pytest.raises(UnknownTransport) as refused:
        open_device("gopher://10.0.0.5:70")
    assert refused.value.code == "unknown_transport"
    assert refused.value.message_en and refused.value.message_zh != refused.value.message_en


def test_a_printer_built_by_hand_with_an_unknown_scheme_is_a_status():
    driver = EscposTicketPrinter("gopher://10.0.0.5:70", timeout=0.2)
    with pytest.raises(PrinterError) as refused:
        driver.link()
    assert refused.value.code == "bad_url"
    assert (driver.status().state, driver.status().code) == (DeviceState.MISSING, "bad_url")


def test_the_kiosk_shows_an_unknown_scheme_as_a_missing_device_not_a_crash():
    config = KioskConfig()
    config.devices.printer = "gopher://10.0.0.5:70"
    config.devices.idcard = "ftp://reader"
    config.devices.camera = "smb://share/cam"
    devices = build_devices(config, with_smartcard=False)
    try:
        assert devices.printer is None and devices.idcard is None and devices.scanner is None
        statuses = devices.statuses()
        for name in ("printer", "idcard", "camera"):
            status = statuses[name]
            assert (status.state, status.code) == (DeviceState.MISSING, "unknown_transport")
            assert status.message_zh and status.message_en
        assert statuses["printer"].details == {"setting": "gopher://10.0.0.5:70"}
    finally:
        devices.close()


PROBE = """
import json, sys
import peripherals.camera.protocol, peripherals.printer.protocol
light = {m: m in sys.modules for m in ("cv2", "escpos", "smartcard")}
from peripherals.camera import open_camera
from peripherals.idcard import open_idcard_reader, IdCardWatcher
from peripherals.printer import open_printer
from peripherals.smartcard import open_smartcard_reader
loaded = sorted(sys.modules)
print(json.dumps({
    "light": light,
    "emulators": [m for m in loaded if ".emulator" in m],
    "kiosk": [m for m in loaded if m == "kiosk" or m.startswith("kiosk.")],
    "cv2_after": "cv2" in sys.modules,
}))
"""


def test_importing_drivers_loads_no_emulator_and_nothing_of_kiosk():
    done = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=REPO, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)
    assert found["light"] == {"cv2": False, "escpos": False, "smartcard": False}
    assert found["emulators"] == [] and found["kiosk"] == []
    assert found["cv2_after"]
