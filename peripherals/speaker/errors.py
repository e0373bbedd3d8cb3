"""The speaker's one error type."""

from __future__ import annotations

from peripherals.status import DeviceError


class SpeakerError(DeviceError):
    """The speech engine is missing or the sink cannot be written (code + zh/en message)."""
