"""The camera emulator: an MJPEG-over-HTTP camera (server.py) showing codes drawn into frames
(frames.py: a phone screen or a paper slip in front of a scene, with a camera's faults)."""

from peripherals.camera.emulator.frames import (
    FRAME_H,
    FRAME_W,
    KINDS,
    CodeLook,
    compose,
    fits,
    qr_modules,
    scene,
)
from peripherals.camera.emulator.server import CameraEmulator

__all__ = [
    "FRAME_H",
    "FRAME_W",
    "KINDS",
    "CameraEmulator",
    "CodeLook",
    "compose",
    "fits",
    "qr_modules",
    "scene",
]
