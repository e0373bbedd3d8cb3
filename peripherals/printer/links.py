"""How the printer driver reaches a printer: one link per transport, chosen by the setting's
scheme from PRINTER_LINKS (peripherals.transport).

- `tcp://HOST:PORT`       ESC/POS over the network (python-escpos Network; port 9100 if left out)
- a device path or pty    ESC/POS over a serial line (python-escpos Serial)
- `serial:///dev/ttyS0`   the same, spelled as a URL
"""

from __future__ import annotations

import socket
from typing import Any, Protocol
from urllib.parse import urlparse

from escpos.escpos import Escpos
from escpos.printer import Network, Serial

from peripherals.printer.errors import PrinterError
from peripherals.transport import BARE, Registry


class PrinterLink(Protocol):
    def connect(self) -> Escpos:
        """An opened python-escpos printer on this transport; raises on failure."""
        ...

    def line_seconds(self, nbytes: int) -> float:
        """How long `nbytes` take on the wire (the printer answers only after them)."""
        ...


class NetworkLink:
    """ESC/POS over TCP."""

    def __init__(self, url: str, *, timeout: float, **_: Any) -> None:
        parts = urlparse(url)
        if not parts.hostname:
            raise PrinterError("bad_url", url)
        self.host = parts.hostname
        self.port = parts.port or 9100
        self.timeout = timeout

    def connect(self) -> Escpos:
        printer = Network(self.host, self.port, self.timeout)
        printer.open()
        if isinstance(printer.device, socket.socket):  # status queries are tiny: no Nagle
            printer.device.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return printer

    def line_seconds(self, nbytes: int) -> float:
        return 0.0


class SerialLink:
    """ESC/POS over a serial line (a device path, a pty, or serial:// and a path)."""

    def __init__(self, url: str, *, baudrate: int, timeout: float, **_: Any) -> None:
        self.path = url.removeprefix("serial://")
        self.baudrate = baudrate
        self.timeout = timeout

    def connect(self) -> Escpos:
        printer = Serial(self.path, self.baudrate, timeout=self.timeout, dsrdtr=False)
        printer.open()
        return printer

    def line_seconds(self, nbytes: int) -> float:
        return nbytes * 10 / self.baudrate  # 10 bits a byte: start, 8 data, stop


PRINTER_LINKS: Registry[PrinterLink] = Registry("printer", "打印机")
PRINTER_LINKS.register(NetworkLink, "tcp")
PRINTER_LINKS.register(SerialLink, "serial", BARE)
