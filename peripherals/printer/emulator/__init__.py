"""The ticket printer emulator: an ESC/POS printer on TCP and/or a pty (server.py) that parses
the byte stream (parser.py) into what a printer does (events.py), draws each ticket to a PNG
(render.py), answers DLE EOT status and keeps a paper roll that runs out."""

from peripherals.printer.emulator.events import (
    Cut,
    Event,
    Feed,
    Init,
    QrPrint,
    RasterImage,
    Run,
    StatusQuery,
    TextRow,
)
from peripherals.printer.emulator.parser import PRINT_WIDTH_DOTS, EscposParser
from peripherals.printer.emulator.render import event_dots, qr_matrix, render_ticket
from peripherals.printer.emulator.server import PrintedTicket, PrinterEmulator

__all__ = [
    "PRINT_WIDTH_DOTS",
    "Cut",
    "EscposParser",
    "Event",
    "Feed",
    "Init",
    "PrintedTicket",
    "PrinterEmulator",
    "QrPrint",
    "RasterImage",
    "Run",
    "StatusQuery",
    "TextRow",
    "event_dots",
    "qr_matrix",
    "render_ticket",
]
