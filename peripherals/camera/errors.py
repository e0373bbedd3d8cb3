"""The camera's own error type: its source cannot be opened, or stopped giving frames.

Codes: not_found (nothing answers at the source), no_frames (it opened but gives no frames),
and unknown_transport (peripherals.transport: a setting no frame source speaks). The scanner
never raises them: they become its status.
"""

from __future__ import annotations

from peripherals.status import DeviceError


class CameraError(DeviceError):
    """The camera's own error: the source cannot be opened or stopped giving frames."""
