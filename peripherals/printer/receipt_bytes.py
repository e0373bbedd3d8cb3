"""The bytes of one receipt slip (购物小票), written through a python-escpos printer object.

The same conventions as a ticket (peripherals.printer.ticket_bytes): styles and the cut through
python-escpos, text as raw GB18030 in the printer's Chinese mode. A slip has no QR code: it is
a record of what was paid, not a ticket, and says it is not a tax invoice.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from peripherals.printer.protocol import ReceiptLine, ReceiptSlip
from peripherals.printer.ticket_bytes import (
    CHINESE_OFF,
    CHINESE_ON,
    ROW_CELLS,
    _big_lines,
    _field,
    _line,
    cells,
    fit_words,
    yuan,
)

if TYPE_CHECKING:
    from escpos.escpos import Escpos

AMOUNT_CELLS = 12  # the right-hand column: amounts, right aligned


def two_columns(left: str, right: str, width: int = ROW_CELLS) -> list[str]:
    """`left` (wrapped at spaces) and `right` right-aligned on the last row of it."""
    rows = fit_words(left, width - AMOUNT_CELLS - 1)
    last = rows[-1]
    rows[-1] = last + " " * max(1, width - cells(last) - cells(right)) + right
    return rows


def line_rows(line: ReceiptLine) -> list[str]:
    """A bought line: its name, then `2 x ￥60.00` and the amount; a discount on one row."""
    if line.quantity <= 0:
        return two_columns(line.label, yuan(line.amount_fen))
    rows = fit_words(line.label, ROW_CELLS)
    qty = f"  {line.quantity} x {yuan(line.unit_fen)}"
    return rows + two_columns(qty, yuan(line.amount_fen))


def write_receipt(printer: Escpos, slip: ReceiptSlip) -> None:
    """Send one receipt slip, from init to cut."""
    printer.hw("INIT")
    printer._raw(CHINESE_ON)
    printer.set(align="center", bold=True, custom_size=True, width=2, height=2)
    _big_lines(printer, slip.area_name)
    printer.set(align="center", bold=True, normal_textsize=True)
    _line(printer, "购物小票 RECEIPT")
    printer.set(align="left", bold=False, normal_textsize=True)
    _line(printer, "-" * ROW_CELLS)
    _field(printer, "订单 Order", slip.order_no)
    _field(printer, "时间 Time", slip.printed_at)
    _field(printer, "终端 Kiosk", slip.kiosk_id)
    _line(printer, "-" * ROW_CELLS)
    for item in slip.lines:
        for row in line_rows(item):
            _line(printer, row)
    _line(printer, "-" * ROW_CELLS)
    printer.set(bold=True, custom_size=True, width=1, height=2)
    for row in two_columns("合计 TOTAL", yuan(slip.total_fen)):
        _line(printer, row)
    printer.set(bold=False, normal_textsize=True)
    for row in fit_words(f"支付 Paid: {slip.payment}", ROW_CELLS):
        _line(printer, row)
    _line(printer, "-" * ROW_CELLS)
    printer.set(align="center", bold=True)
    for note in slip.notes[:1]:
        _line(printer, note)
    printer.set(align="left", bold=False)
    for note in slip.notes[1:]:
        for row in fit_words(note, ROW_CELLS):
            _line(printer, row)
    printer._raw(b"\x1bJ\x30")  # a little paper before the cut
    printer._raw(CHINESE_OFF)
    printer.cut()
