"""A device's health as the flows, the screen and diagnostics show it. Never an exception."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class DeviceState(StrEnum):
    OK = "ok"
    WARNING = "warning"  # works, but needs attention soon (paper near end)
    ERROR = "error"  # present but cannot serve (paper out, cover open, SAM fault)
    MISSING = "missing"  # not connected / cannot be opened


@dataclass(frozen=True)
class DeviceStatus:
    device: str  # "idcard", "smartcard", "camera", "printer"
    state: DeviceState
    code: str = "ok"  # stable machine code: "paper_out", "cover_open", "not_found", ...
    message_zh: str = "正常"
    message_en: str = "OK"
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def healthy(self) -> bool:
        return self.state in (DeviceState.OK, DeviceState.WARNING)

    def as_dict(self) -> dict[str, Any]:
        return {
            "device": self.device,
            "state": self.state.value,
            "code": self.code,
            "message": {"zh": self.message_zh, "en": self.message_en},
            "details": self.details,
        }


class DeviceError(Exception):
    """Base of every driver's own error type; carries a stable code and zh/en messages."""

    def __init__(self, code: str, message_en: str, message_zh: str = "") -> None:
        super().__init__(f"{code}: {message_en}")
        self.code = code
        self.message_en = message_en
        self.message_zh = message_zh or message_en
