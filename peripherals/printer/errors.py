"""The printer driver's one error type and its stable codes (zh + en messages)."""

from __future__ import annotations

from peripherals.status import DeviceError

# code -> (zh, en)
MESSAGES: dict[str, tuple[str, str]] = {
    "paper_out": ("打印纸已用完", "Paper out"),
    "paper_near_end": ("打印纸即将用完", "Paper near end"),
    "cover_open": ("打印机盖未关好", "Printer cover open"),
    "offline": ("打印机离线", "Printer offline"),
    "not_found": ("未找到打印机", "Printer not found"),
    "no_response": ("打印机无应答", "Printer does not answer"),
    "printer_error": ("打印机故障", "Printer error"),
    "bad_status": ("打印机状态字节无效", "Invalid printer status byte"),
    "bad_url": ("打印机地址无效", "Invalid printer address"),
    "ok": ("正常", "OK"),
}


def message(code: str) -> tuple[str, str]:
    """The (zh, en) message for a code; unknown codes get the generic printer error."""
    return MESSAGES.get(code, MESSAGES["printer_error"])


class PrinterError(DeviceError):
    """Raised by the printer driver when a ticket did not come out whole, or cannot be sent."""

    def __init__(self, code: str, detail: str = "") -> None:
        zh, en = message(code)
        super().__init__(code, f"{en} ({detail})" if detail else en, zh)
