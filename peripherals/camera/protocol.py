"""What the flows use of the camera scanner, and what it hands over: a code's text (and, to a
listener that wants more, the `Decoded` read with its symbology and place in the frame)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from peripherals.status import DeviceStatus

Point = tuple[float, float]

QR = "qr"
CODE128 = "code128"


@dataclass(frozen=True)
class Decoded:
    text: str
    symbology: str  # QR or CODE128
    polygon: tuple[Point, ...]  # corners in the frame's pixel coordinates


class CodeScanner(Protocol):
    def status(self) -> DeviceStatus: ...

    def start(self, on_code: Callable[[str], None]) -> None:
        """Start the capture loop in its own thread; on_code gets each code's text once per
        presentation, from that thread."""
        ...

    def stop(self) -> None: ...

    def latest_frame(self) -> Any | None:
        """The most recent frame (a BGR numpy array) for the on-screen preview, or None."""
        ...
