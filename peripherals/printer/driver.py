"""The ticket printer driver: ESC/POS over TCP (`tcp://HOST:PORT`) or serial (a path).

`open_printer(setting)` is the driver for a config value; the link to the printer is chosen by
the setting's scheme from peripherals.printer.links.PRINTER_LINKS.

Status comes from DLE EOT 1-4. Every ticket is preceded by a status check (refused with
PrinterError paper_out / cover_open / offline) and followed by one, so a ticket whose paper ran
out mid-print raises paper_out and the flow knows it is missing. Nothing but PrinterError
leaves this class; `status()` never raises. Jobs are composed with python-escpos, imported at
the first ticket or receipt (peripherals.printer.escpos_lib), not at start: status queries go
over the link's plain socket or serial port.
"""

from __future__ import annotations

import logging
import select
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from peripherals.printer.errors import PrinterError
from peripherals.printer.escpos_lib import escpos_printer
from peripherals.printer.links import PRINTER_LINKS, PrinterConnection, PrinterLink
from peripherals.printer.protocol import ReceiptSlip, TicketLayout
from peripherals.printer.receipt_bytes import write_receipt
from peripherals.printer.status_bytes import (
    QUERIES,
    PrinterFlags,
    device_status,
    missing_status,
    parse_status,
    problem_code,
    status_query,
)
from peripherals.printer.ticket_bytes import write_ticket
from peripherals.status import DeviceStatus
from peripherals.transport import UnknownTransport

log = logging.getLogger(__name__)


class EscposTicketPrinter:
    def __init__(
        self,
        url: str,
        baudrate: int = 115200,
        timeout: float = 2.0,
        qr_module: int = 6,
        native_qr: bool = True,
    ) -> None:
        """url: `tcp://HOST:PORT` (ESC/POS over the network) or a serial device path or pty.
        timeout: seconds to wait for a connection or a status answer."""
        self.url = url
        self.baudrate = baudrate
        self.timeout = timeout
        self.qr_module = qr_module
        self.native_qr = native_qr
        self._link: PrinterLink | None = None
        self._connection: PrinterConnection | None = None

    # --- transport ----------------------------------------------------------------------
    def link(self) -> PrinterLink:
        """The link the url names (PRINTER_LINKS); PrinterError bad_url when none speaks it."""
        if self._link is None:
            try:
                self._link = PRINTER_LINKS.open(
                    self.url, baudrate=self.baudrate, timeout=self.timeout
                )
            except UnknownTransport as exc:
                raise PrinterError("bad_url", self.url) from exc
        return self._link

    def _open(self) -> PrinterConnection:
        if self._connection is not None:
            return self._connection
        try:
            connection = self.link().connect()
        except PrinterError:
            raise
        except Exception as exc:
            raise PrinterError("not_found", type(exc).__name__) from exc
        self._connection = connection
        return connection

    @contextmanager
    def _closing_on_failure(self) -> Iterator[None]:
        """Close the link when the body fails; anything but PrinterError becomes `offline`."""
        try:
            yield
        except PrinterError:
            self.close()
            raise
        except Exception as exc:
            self.close()
            raise PrinterError("offline", type(exc).__name__) from exc

    def close(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            try:
                connection.close()
            except Exception as exc:  # closing a dead link must not raise either
                log.debug("printer close: %s", type(exc).__name__)

    def _write(self, data: bytes) -> None:
        self._open().send(data)

    def _read(self, count: int, seconds: float) -> bytes:
        device = self._open().device
        deadline = time.monotonic() + seconds
        got = bytearray()
        while len(got) < count:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            if hasattr(device, "recv"):
                ready, _, _ = select.select([device], [], [], left)
                if not ready:
                    break
                chunk = device.recv(count - len(got))
                if not chunk:
                    raise PrinterError("offline", "connection closed")
            else:
                device.timeout = left
                chunk = device.read(count - len(got))
            got += chunk
        return bytes(got)

    def _drain(self) -> None:
        """Drop stale bytes (a late answer to an earlier query) before asking again."""
        device = self._open().device
        if not hasattr(device, "recv"):
            device.reset_input_buffer()
            return
        for _ in range(64):
            ready, _, _ = select.select([device], [], [], 0)
            if not ready:
                return
            if not device.recv(256):
                raise PrinterError("offline", "connection closed")

    def read_flags(self, wait: float | None = None) -> PrinterFlags:
        """Ask DLE EOT 1-4 and decode the answers. Raises PrinterError only."""
        with self._closing_on_failure():
            self._drain()
            self._write(b"".join(status_query(n) for n in QUERIES))
            answer = self._read(len(QUERIES), self.timeout if wait is None else wait)
        if len(answer) < len(QUERIES):
            self.close()
            raise PrinterError("no_response", f"{len(answer)} of {len(QUERIES)} status bytes")
        return parse_status({n: answer[i : i + 1] for i, n in enumerate(QUERIES)})

    # --- TicketPrinter ------------------------------------------------------------------
    def status(self) -> DeviceStatus:
        try:
            flags = self.read_flags()
        except PrinterError as exc:
            if exc.code in ("not_found", "bad_url"):
                return missing_status(exc.code, self.url)
            # connected once but not answering now: try a fresh connection before giving up
            try:
                flags = self.read_flags()
            except PrinterError as again:
                code = "not_found" if again.code in ("not_found", "bad_url") else again.code
                return missing_status(code, self.url)
        return device_status(flags, url=self.url)

    def print_ticket(self, ticket: TicketLayout) -> None:
        self._print_job(lambda: self.ticket_bytes(ticket))

    def print_receipt(self, slip: ReceiptSlip) -> None:
        """A receipt slip, checked before and after like a ticket (PrinterError paper_out...)."""
        self._print_job(lambda: self.receipt_bytes(slip))

    def receipt_bytes(self, slip: ReceiptSlip) -> bytes:
        buffer = escpos_printer().Dummy()
        write_receipt(buffer, slip)
        return bytes(buffer.output)

    def _print_job(self, compose: Callable[[], bytes]) -> None:
        """Status before, the job's bytes (composed in memory) in one write, status after
        (once they are through)."""
        before = self._flags_or_offline()
        code = problem_code(before)
        if code:
            raise PrinterError(code, "before printing")
        with self._closing_on_failure():
            data = compose()
            self._write(data)
        # the answer comes after the printer has worked through the ticket's bytes
        after = self._flags_or_offline(wait=self.timeout + self.link().line_seconds(len(data)))
        code = problem_code(after)
        if code:
            raise PrinterError(code, "while printing")

    def ticket_bytes(self, ticket: TicketLayout) -> bytes:
        """The bytes print_ticket sends for this ticket (composed in memory, sent in one write)."""
        buffer = escpos_printer().Dummy()
        write_ticket(buffer, ticket, qr_module=self.qr_module, native_qr=self.native_qr)
        return bytes(buffer.output)

    def _flags_or_offline(self, wait: float | None = None) -> PrinterFlags:
        try:
            return self.read_flags(wait)
        except PrinterError as exc:
            raise PrinterError("offline", exc.code) from exc


def open_printer(setting: str, **options: Any) -> EscposTicketPrinter:
    """The printer driver for a config value (devices.printer): tcp://HOST:PORT, a serial
    device path or pty. Raises UnknownTransport (a DeviceError) for a scheme no link speaks;
    a printer that is merely absent is the driver's status, not an error."""
    PRINTER_LINKS.opener(setting)
    return EscposTicketPrinter(setting, **options)
