"""How the printer driver reaches a printer: one link per transport, chosen by the setting's
scheme from PRINTER_LINKS (peripherals.transport).

- `tcp://HOST:PORT`       ESC/POS over the network (a TCP socket; port 9100 if left out)
- a device path or pty    ESC/POS over a serial line (pyserial, 8N1, no flow control)
- `serial:///dev/ttyS0`   the same, spelled as a URL

A link's connection only moves bytes (status queries and answers, a job's bytes); the jobs are
composed with python-escpos in memory (peripherals.printer.driver), so a kiosk whose printer
only answered status queries since start has not loaded python-escpos.
"""

from __future__ import annotations

import contextlib
import socket
from typing import Any, Protocol
from urllib.parse import urlparse

from peripherals.printer.errors import PrinterError
from peripherals.transport import BARE, Registry


class PrinterConnection(Protocol):
    # a socket.socket (has recv) or a serial.Serial (has read, timeout, reset_input_buffer)
    device: Any

    def send(self, data: bytes) -> None: ...

    def close(self) -> None: ...


class PrinterLink(Protocol):
    def connect(self) -> PrinterConnection:
        """An opened connection to the printer on this transport; raises on failure."""
        ...

    def line_seconds(self, nbytes: int) -> float:
        """How long `nbytes` take on the wire (the printer answers only after them)."""
        ...


class SocketConnection:
    def __init__(self, device: socket.socket) -> None:
        self.device = device

    def send(self, data: bytes) -> None:
        self.device.sendall(data)

    def close(self) -> None:
        with contextlib.suppress(OSError):  # already reset by the printer
            self.device.shutdown(socket.SHUT_RDWR)
        self.device.close()


class SerialConnection:
    def __init__(self, device: Any) -> None:
        self.device = device  # serial.Serial

    def send(self, data: bytes) -> None:
        self.device.write(data)

    def close(self) -> None:
        if self.device.is_open:
            self.device.flush()
            self.device.close()


class NetworkLink:
    """ESC/POS over TCP."""

    def __init__(self, url: str, *, timeout: float, **_: Any) -> None:
        parts = urlparse(url)
        if not parts.hostname:
            raise PrinterError("bad_url", url)
        self.host = parts.hostname
        self.port = parts.port or 9100
        self.timeout = timeout

    def connect(self) -> SocketConnection:
        device = socket.create_connection((self.host, self.port), self.timeout)
        device.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # status queries are tiny
        return SocketConnection(device)

    def line_seconds(self, nbytes: int) -> float:
        return 0.0


class SerialLink:
    """ESC/POS over a serial line (a device path, a pty, or serial:// and a path)."""

    def __init__(self, url: str, *, baudrate: int, timeout: float, **_: Any) -> None:
        self.path = url.removeprefix("serial://")
        self.baudrate = baudrate
        self.timeout = timeout

    def connect(self) -> SerialConnection:
        import serial  # pyserial: only for a printer on a serial line

        device = serial.Serial(
            port=self.path,
            baudrate=self.baudrate,
            bytesize=serial.EIGHTBITS,
            parity=serial.PARITY_NONE,
            stopbits=serial.STOPBITS_ONE,
            timeout=self.timeout,
            xonxoff=False,
            dsrdtr=False,
        )
        return SerialConnection(device)

    def line_seconds(self, nbytes: int) -> float:
        return nbytes * 10 / self.baudrate  # 10 bits a byte: start, 8 data, stop


PRINTER_LINKS: Registry[PrinterLink] = Registry("printer", "打印机")
PRINTER_LINKS.register(NetworkLink, "tcp")
PRINTER_LINKS.register(SerialLink, "serial", BARE)
