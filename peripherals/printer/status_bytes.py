"""DLE EOT real-time status (ESC/POS `10 04 n`): the bytes a printer answers, and what they mean.

Each answer is one byte with bits 0 and 7 off and bits 1 and 4 on (`b & 0x93 == 0x12`):
- n=1 printer:       bit 3 offline
- n=2 offline cause: bit 2 cover open, bit 3 paper fed by button, bit 5 stopped on paper end,
                     bit 6 error
- n=3 error cause:   bit 3 autocutter error, bit 5 unrecoverable, bit 6 auto-recoverable
- n=4 paper sensor:  bits 2-3 paper near end, bits 5-6 paper end
"""

from __future__ import annotations

from dataclasses import dataclass

from peripherals.printer.errors import PrinterError, message
from peripherals.status import DeviceState, DeviceStatus

DLE_EOT = b"\x10\x04"
FIXED_MASK = 0x93
FIXED_BITS = 0x12
QUERIES = (1, 2, 3, 4)


def status_query(n: int) -> bytes:
    if n not in QUERIES:
        raise PrinterError("bad_status", f"no DLE EOT query {n}")
    return DLE_EOT + bytes([n])


@dataclass(frozen=True)
class PrinterFlags:
    offline: bool = False
    cover_open: bool = False
    paper_near_end: bool = False
    paper_out: bool = False
    cutter_error: bool = False
    unrecoverable: bool = False
    error: bool = False

    def encode(self, n: int) -> int:
        """The byte a printer in this state answers to DLE EOT n (the emulator sends this)."""
        value = FIXED_BITS
        if n == 1 and self.offline:
            value |= 0x08
        elif n == 2:
            value |= 0x04 if self.cover_open else 0
            value |= 0x20 if self.paper_out else 0
            value |= 0x40 if self.error else 0
        elif n == 3:
            value |= 0x08 if self.cutter_error else 0
            value |= 0x20 if self.unrecoverable else 0
        elif n == 4:
            value |= 0x0C if self.paper_near_end or self.paper_out else 0
            value |= 0x60 if self.paper_out else 0
        elif n not in QUERIES:
            raise PrinterError("bad_status", f"no DLE EOT query {n}")
        return value


def check_byte(value: int) -> int:
    if not 0 <= value <= 0xFF or value & FIXED_MASK != FIXED_BITS:
        raise PrinterError("bad_status", f"0x{value & 0xFFFF:02x} is not a status byte")
    return value


def parse_status(answers: dict[int, bytes]) -> PrinterFlags:
    """Decode the answers to DLE EOT 1-4 (each the raw bytes read; the first byte counts).
    Raises PrinterError("bad_status") for a missing or malformed answer; nothing else."""
    values: dict[int, int] = {}
    for n in QUERIES:
        raw = answers.get(n, b"")
        if not isinstance(raw, bytes | bytearray) or len(raw) < 1:
            raise PrinterError("bad_status", f"no answer to DLE EOT {n}")
        values[n] = check_byte(raw[0])
    return PrinterFlags(
        offline=bool(values[1] & 0x08),
        cover_open=bool(values[2] & 0x04),
        paper_out=bool(values[2] & 0x20) or bool(values[4] & 0x60),
        paper_near_end=bool(values[4] & 0x0C),
        error=bool(values[2] & 0x40),
        cutter_error=bool(values[3] & 0x08),
        unrecoverable=bool(values[3] & 0x20),
    )


def problem_code(flags: PrinterFlags) -> str | None:
    """The code that stops printing in this state, most specific first; None when it can print."""
    if flags.cover_open:
        return "cover_open"
    if flags.paper_out:
        return "paper_out"
    if flags.cutter_error or flags.unrecoverable or flags.error:
        return "printer_error"
    if flags.offline:
        return "offline"
    return None


def device_status(flags: PrinterFlags, **details: object) -> DeviceStatus:
    """The DeviceStatus the screen and diagnostics show for these flags."""
    info = {
        "online": not flags.offline,
        "cover_open": flags.cover_open,
        "paper_near_end": flags.paper_near_end,
        "paper_out": flags.paper_out,
        **details,
    }
    code = problem_code(flags)
    state = DeviceState.ERROR
    if code is None and flags.paper_near_end:
        code, state = "paper_near_end", DeviceState.WARNING
    elif code is None:
        code, state = "ok", DeviceState.OK
    zh, en = message(code)
    return DeviceStatus("printer", state, code, zh, en, info)


def missing_status(code: str, detail: str = "") -> DeviceStatus:
    zh, en = message(code)
    return DeviceStatus("printer", DeviceState.MISSING, code, zh, en, {"detail": detail})
