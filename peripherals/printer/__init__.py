"""80 mm thermal ticket printer (ESC/POS over TCP or serial).

    from peripherals.printer import open_printer
    printer = open_printer(config.devices.printer, baudrate=115200)
    printer.status(); printer.print_ticket(layout)

The driver and `open_printer` are imported on first use, python-escpos only when the first
ticket or receipt is composed (peripherals.printer.escpos_lib); the emulator is in
`peripherals.printer.emulator` and never imported from here. The printer has no watcher: its
status is asked before and after each ticket.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from peripherals.exports import lazy_exports
from peripherals.printer.errors import PrinterError
from peripherals.printer.protocol import ReceiptLine, ReceiptSlip, TicketLayout, TicketPrinter

if TYPE_CHECKING:
    from peripherals.printer.driver import EscposTicketPrinter, open_printer

__getattr__ = lazy_exports(__name__, {"EscposTicketPrinter": "driver", "open_printer": "driver"})

__all__ = [
    "EscposTicketPrinter",
    "PrinterError",
    "ReceiptLine",
    "ReceiptSlip",
    "TicketLayout",
    "TicketPrinter",
    "open_printer",
]
