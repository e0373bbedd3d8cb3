"""The ticket printer emulator: an ESC/POS printer on TCP (9100) and/or a pty.

It parses the byte stream with `EscposParser`, answers DLE EOT status at once, renders every cut
ticket to a PNG, and keeps a paper roll that runs out. A ticket whose paper ran out mid-print is
not a printed ticket: a partial image is kept (marked as such) and the rest of its bytes are lost.

    emu = PrinterEmulator(port=0, out_dir="var/tickets", paper_mm=5000).start()
    printer = EscposTicketPrinter(f"tcp://{emu.host}:{emu.port}")
    ...
    emu.empty_paper(); emu.open_cover(); emu.refill(); emu.stop()

Run alone: `python -m peripherals.printer.emulator --port 9100 --pty --out var/tickets`.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import select
import socket
import threading
import time
import tty
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from peripherals.printer.emulator.events import Cut, Event, Init, QrPrint, StatusQuery, TextRow
from peripherals.printer.emulator.parser import EscposParser
from peripherals.printer.emulator.render import DEFAULT_FONT, event_dots, render_ticket
from peripherals.printer.status_bytes import PrinterFlags

DOTS_PER_MM = 8
POLL_SECONDS = 0.1


@dataclass(frozen=True)
class PrintedTicket:
    png: Path
    lines: list[str]  # decoded text rows, top to bottom
    qr_payloads: list[str]  # what each printed QR code holds
    complete: bool  # False: paper ran out, this is what came out before it did
    length_mm: float
    render_ms: float


@dataclass
class _Roll:
    full_mm: float
    near_end_mm: float
    left_dots: int = 0
    cover_open: bool = False
    discarding: bool = False  # the ticket being received lost its paper: drop until its cut
    current: list[Event] = field(default_factory=list)
    lost_bytes: int = 0

    def flags(self) -> PrinterFlags:
        out = self.left_dots <= 0
        return PrinterFlags(
            offline=out or self.cover_open,
            cover_open=self.cover_open,
            paper_out=out,
            paper_near_end=self.left_dots <= self.near_end_mm * DOTS_PER_MM,
        )


class PrinterEmulator:
    def __init__(
        self,
        port: int | None = 0,
        out_dir: str | Path = "var/tickets",
        paper_mm: float = 80_000.0,
        near_end_mm: float = 1_000.0,
        host: str = "127.0.0.1",
        pty: bool = False,
        font_path: str = DEFAULT_FONT,
        baud: int | None = None,
    ) -> None:
        """port None: no TCP server; pty True: also serve on a pty. baud: simulate the line
        speed (10 bits per byte) by pacing reads; None (default) means no delay."""
        self.host = host
        self.port = port
        self.out_dir = Path(out_dir)
        self.font_path = font_path
        self.baud = baud
        self.pty_path: str | None = None
        self.tickets: list[PrintedTicket] = []
        self.partials: list[PrintedTicket] = []
        self.bytes_received = 0
        # observers: each is called with every chunk received, status queries included, on the
        # connection's thread, before the chunk is handled (the benchmark rig times them)
        self.on_bytes: list[Callable[[bytes], None]] = []
        self._want_pty = pty
        self._roll = _Roll(paper_mm, near_end_mm, round(paper_mm * DOTS_PER_MM))
        self._lock = threading.RLock()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._server: socket.socket | None = None
        self._pty_fds: tuple[int, int] | None = None
        self._seq = 0

    # --- control handle -----------------------------------------------------------------
    def start(self) -> PrinterEmulator:
        self.out_dir.mkdir(parents=True, exist_ok=True)
        if self.port is not None:
            server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            server.bind((self.host, self.port))
            server.listen(4)
            server.settimeout(POLL_SECONDS)
            self._server, self.port = server, server.getsockname()[1]
            self._spawn(self._accept_loop)
        if self._want_pty:
            master, slave = os.openpty()
            tty.setraw(slave)
            self._pty_fds, self.pty_path = (master, slave), os.ttyname(slave)
            self._spawn(self._pty_loop, master)
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._server is not None:
            self._server.close()
        for thread in self._threads:
            thread.join(timeout=2)
        if self._pty_fds:
            for fd in self._pty_fds:
                with contextlib.suppress(OSError):
                    os.close(fd)
            self._pty_fds = None

    def __enter__(self) -> PrinterEmulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def paper_mm(self) -> float:
        with self._lock:
            return max(0, self._roll.left_dots) / DOTS_PER_MM

    def flags(self) -> PrinterFlags:
        with self._lock:
            return self._roll.flags()

    def set_paper(self, mm: float) -> None:
        with self._lock:
            self._roll.left_dots = round(mm * DOTS_PER_MM)

    def empty_paper(self) -> None:
        self.set_paper(0)

    def refill(self) -> None:
        with self._lock:
            self._roll.left_dots = round(self._roll.full_mm * DOTS_PER_MM)

    def open_cover(self) -> None:
        with self._lock:
            self._roll.cover_open = True

    def close_cover(self) -> None:
        with self._lock:
            self._roll.cover_open = False

    # --- what the printer does with events ----------------------------------------------
    def handle(self, parser: EscposParser, data: bytes) -> bytes:
        """Feed bytes from one connection; return the bytes to send back (status answers)."""
        for listener in list(self.on_bytes):
            listener(data)
        answer = bytearray()
        with self._lock:
            self.bytes_received += len(data)
            for event in parser.feed(data):
                if isinstance(event, StatusQuery):
                    answer.append(self._roll.flags().encode(event.n))
                else:
                    self._print(event)
        return bytes(answer)

    def _print(self, event: Event) -> None:
        roll = self._roll
        if isinstance(event, Init):
            roll.discarding = False
            return
        if roll.discarding or roll.cover_open or roll.left_dots <= 0:
            roll.discarding = roll.discarding and not isinstance(event, Cut)
            return
        need = event_dots(event)
        if need > roll.left_dots:
            roll.left_dots = 0
            self._save(roll.current, complete=False)
            roll.current, roll.discarding = [], not isinstance(event, Cut)
            return
        roll.left_dots -= need
        if isinstance(event, Cut):
            if roll.current:
                self._save(roll.current, complete=True)
            roll.current = []
        else:
            roll.current.append(event)

    def _save(self, events: list[Event], complete: bool) -> None:
        self._seq += 1
        started = time.perf_counter()
        image = render_ticket(events, self.font_path, partial=not complete)
        name = f"{'ticket' if complete else 'partial'}-{self._seq:04d}.png"
        path = self.out_dir / name
        image.save(path)
        record = PrintedTicket(
            png=path,
            lines=[e.text for e in events if isinstance(e, TextRow)],
            qr_payloads=[
                e.data.decode("utf-8", "replace") for e in events if isinstance(e, QrPrint)
            ],
            complete=complete,
            length_mm=sum(event_dots(e) for e in events) / DOTS_PER_MM,
            render_ms=(time.perf_counter() - started) * 1000,
        )
        (self.tickets if complete else self.partials).append(record)

    # --- transports ---------------------------------------------------------------------
    def _spawn(self, target: object, *args: object) -> None:
        thread = threading.Thread(target=target, args=args, daemon=True)  # type: ignore[arg-type]
        thread.start()
        self._threads.append(thread)

    def _pace(self, count: int) -> None:
        if self.baud:
            time.sleep(count * 10 / self.baud)

    def _accept_loop(self) -> None:
        assert self._server is not None
        while not self._stop.is_set():
            try:
                conn, _ = self._server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self._spawn(self._serve_tcp, conn)

    def _serve_tcp(self, conn: socket.socket) -> None:
        parser = EscposParser()
        conn.settimeout(POLL_SECONDS)
        with conn:
            while not self._stop.is_set():
                try:
                    data = conn.recv(self._chunk())
                except TimeoutError:
                    continue
                except OSError:
                    return
                if not data:
                    return
                self._pace(len(data))
                answer = self.handle(parser, data)
                if answer:
                    with contextlib.suppress(OSError):
                        conn.sendall(answer)

    def _chunk(self) -> int:
        return 256 if self.baud else 65536

    def _pty_loop(self, master: int) -> None:
        parser = EscposParser()
        while not self._stop.is_set():
            try:
                ready, _, _ = select.select([master], [], [], POLL_SECONDS)
                if not ready:
                    continue
                data = os.read(master, self._chunk())
            except OSError:
                return
            self._pace(len(data))
            answer = self.handle(parser, data)
            if answer:
                with contextlib.suppress(OSError):
                    os.write(master, answer)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="printer-emulator", description=__doc__.split("\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9100, help="TCP port; -1 for none")
    parser.add_argument("--pty", action="store_true", help="also serve on a pty")
    parser.add_argument("--out", default="var/tickets", help="folder for ticket PNGs")
    parser.add_argument("--paper-mm", type=float, default=80_000.0)
    parser.add_argument("--baud", type=int, default=0, help="simulate this line speed")
    args = parser.parse_args(argv)
    emu = PrinterEmulator(
        port=None if args.port < 0 else args.port,
        out_dir=args.out,
        paper_mm=args.paper_mm,
        host=args.host,
        pty=args.pty,
        baud=args.baud or None,
    ).start()
    if emu.port is not None:
        print(f"printer emulator: tcp://{emu.host}:{emu.port}", flush=True)
    if emu.pty_path:
        print(f"printer emulator: {emu.pty_path}", flush=True)
    print(f"tickets go to {emu.out_dir}", flush=True)
    try:
        while True:
            time.sleep(1)
    except KeyboardInterrupt:
        pass
    finally:
        emu.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
