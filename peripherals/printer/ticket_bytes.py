"""The bytes of one 80 mm ticket, written through a python-escpos printer object.

Styles, the native QR (`GS ( k`) and the cut go through python-escpos; text goes as raw GB18030
bytes in the printer's Chinese mode (FS &), since python-escpos's code-page text encoder has no
GB18030. A raster QR (`GS v 0`) is the fallback for printers without a native QR.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from peripherals.printer.protocol import TicketLayout

if TYPE_CHECKING:  # the printer object is made by the driver, which imports python-escpos
    from escpos.escpos import Escpos

CHINESE_ON = b"\x1c&"  # FS &
CHINESE_OFF = b"\x1c."  # FS .
ROW_CELLS = 48  # font A half-width cells on 72 mm of print
QR_EC_M = 1


def yuan(price_fen: int) -> str:
    """￥ and yuan with two decimals (the full-width yen sign is in GB2312 fonts)."""
    sign = "-" if price_fen < 0 else ""
    return f"{sign}￥{abs(price_fen) // 100}.{abs(price_fen) % 100:02d}"


def cells(text: str) -> int:
    """Printed width in half-width cells: a non-ASCII character takes two."""
    return sum(1 if ord(ch) < 0x80 else 2 for ch in text)


def _line(printer: Escpos, text: str) -> None:
    printer._raw(text.encode("gb18030", "replace") + b"\n")


def fit_words(text: str, width: int) -> list[str]:
    """`text` broken at spaces into lines of at most `width` cells (a word longer than a line
    is left to the printer to wrap), so a printed title never breaks inside a word."""
    lines: list[str] = []
    for word in text.split():
        if lines and cells(lines[-1]) + 1 + cells(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines or [""]


def _big_lines(printer: Escpos, text: str) -> None:
    """Double-width text: half as many cells to a row."""
    for line in fit_words(text, ROW_CELLS // 2):
        _line(printer, line)


def _field(printer: Escpos, label: str, value: str) -> None:
    pad = max(1, 14 - cells(label))
    _line(printer, f"{label}{' ' * pad}{value}")


def raster_qr_bytes(text: str, module: int) -> bytes:
    """`GS v 0` raster bytes of a QR code: for printers without native QR, and the benchmark."""
    import qrcode  # only for this fallback: not held by a kiosk whose printer draws its QR
    from PIL import Image

    code = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=0)
    code.add_data(text)
    code.make(fit=True)
    matrix = code.get_matrix()
    side = len(matrix) * module
    image = Image.new("1", (len(matrix), len(matrix)), 1)
    image.putdata([0 if cell else 1 for row in matrix for cell in row])
    image = image.resize((side, side), Image.Resampling.NEAREST)
    width_bytes = (side + 7) // 8
    padded = Image.new("1", (width_bytes * 8, side), 1)
    padded.paste(image, (0, 0))
    data = bytes(b ^ 0xFF for b in padded.tobytes())  # PIL 1 = white; ESC/POS 1 = black
    header = b"\x1dv0\x00" + width_bytes.to_bytes(2, "little") + side.to_bytes(2, "little")
    return header + data


def write_ticket(
    printer: Escpos, ticket: TicketLayout, *, qr_module: int = 6, native_qr: bool = True
) -> None:
    """Send one ticket, from init to cut."""
    printer.hw("INIT")
    printer._raw(CHINESE_ON)
    if ticket.reprint:
        printer.set(align="center", bold=True, double_height=True, double_width=True)
        _line(printer, "** 补打 REPRINT **")
    printer.set(align="center", bold=True, custom_size=True, width=2, height=2)
    _big_lines(printer, ticket.area_name)
    printer.set(align="center", bold=False, custom_size=True, width=2, height=2)
    _big_lines(printer, ticket.product_name)
    if ticket.seat:  # a seated ride: the seat large, where the rider looks first
        printer.set(align="center", bold=False, normal_textsize=True)
        _line(printer, "座位 SEAT")
        printer.set(align="center", bold=True, custom_size=True, width=4, height=4)
        _line(printer, ticket.seat)
        printer.set(align="center", bold=False, normal_textsize=True)
        _line(printer, ticket.seat_note)
    printer.set(align="left", bold=False, normal_textsize=True)
    _line(printer, "-" * ROW_CELLS)
    _field(printer, "票种 Type", ticket.ticket_type)
    _field(printer, "日期 Date", ticket.visit_date)
    _field(printer, "场次 Slot", ticket.slot or "全天 All day")
    printer.set(bold=True)
    _field(printer, "票价 Price", yuan(ticket.price_fen))
    printer.set(bold=False)
    if ticket.holder_name:
        _field(printer, "姓名 Name", ticket.holder_name)
    if ticket.holder_id:
        _field(printer, "证件 ID", ticket.holder_id)
    _field(printer, "订单 Order", ticket.order_no)
    _field(printer, "票号 Ticket", ticket.ticket_id)
    _line(printer, "-" * ROW_CELLS)
    printer.set(align="center")
    printer._raw(b"\x1bJ\x18")  # a quiet zone above the code
    if native_qr:
        printer.qr(ticket.qr_text, ec=QR_EC_M, size=qr_module, native=True)
    else:
        printer._raw(raster_qr_bytes(ticket.qr_text, qr_module))
    printer._raw(b"\x1bJ\x18")  # and below it
    if ticket.footer:
        _line(printer, ticket.footer)
    if ticket.reprint:
        printer.set(bold=True)
        _line(printer, "补打票 REPRINTED TICKET")
    printer._raw(CHINESE_OFF)
    printer.cut()
