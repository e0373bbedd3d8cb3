"""Camera code scanner: OpenCV capture and zxing-cpp/pyzbar decoding.

    from peripherals.camera import open_camera
    scanner = open_camera(config.devices.camera, accept_code128=known_code)
    scanner.start(on_code); scanner.status(); scanner.stop()

The driver and `open_camera` are imported on first use (OpenCV loads only then); the emulator
is in `peripherals.camera.emulator` and never imported from here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from peripherals.camera.errors import CameraError
from peripherals.camera.protocol import CODE128, QR, CodeScanner, Decoded
from peripherals.exports import lazy_exports

if TYPE_CHECKING:
    from peripherals.camera.driver import CameraScanner, open_camera

__getattr__ = lazy_exports(__name__, {"CameraScanner": "driver", "open_camera": "driver"})

__all__ = [
    "CODE128",
    "QR",
    "CameraError",
    "CameraScanner",
    "CodeScanner",
    "Decoded",
    "open_camera",
]
