"""What the flows use of the camera scanner."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from peripherals.status import DeviceStatus


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
