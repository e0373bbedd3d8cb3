"""The smart card driver's own error type and its stable codes."""

from __future__ import annotations

from peripherals.status import DeviceError

# code -> (English, Chinese). The codes are stable: screens and logs key on them.
MESSAGES: dict[str, tuple[str, str]] = {
    "pcscd_unavailable": (
        "The PC/SC service (pcscd) is not running",
        "智能卡服务 pcscd 未运行",
    ),
    "reader_not_found": ("No smart card reader found", "未找到智能卡读卡器"),
    "connect_failed": ("Could not connect to the card", "无法连接智能卡"),
    "transmit_failed": ("The card stopped answering", "智能卡无响应"),
    "bad_record": ("The card's kiosk record is malformed", "卡内数据格式错误"),
}


class SmartCardError(DeviceError):
    """Raised by the smart card driver and its card layout; `code` is one of MESSAGES."""

    def __init__(self, code: str, detail: str = "") -> None:
        message_en, message_zh = MESSAGES.get(code, (code, code))
        if detail:
            message_en = f"{message_en}: {detail}"
        super().__init__(code, message_en, message_zh)
