"""The smart card emulator: virtual member/staff cards (cards.py) plugged into pcscd's vpcd
reader driver over TCP.

vpcd (Debian `vsmartcard-vpcd`) listens on 127.0.0.1:35963 for reader "Virtual PCD 00 00"
(35964 for "... 00 01"). The card is the TCP client; every message both ways is a 2-byte
big-endian length and a body. One-byte bodies from vpcd are control messages (00 power off,
01 power on, 02 reset, 04 send ATR: answered with the ATR); longer bodies are C-APDUs,
answered with R-APDUs. Connecting is inserting the card; closing the socket removes it
(vpcd notices on its next presence poll, and pcscd reports the card removed).

    python -m peripherals.smartcard.emulator M1001     # hold a demo card until Ctrl-C
"""

from __future__ import annotations

import contextlib
import logging
import signal
import socket
import struct
import sys
import threading
import time
from collections.abc import Callable

from peripherals.smartcard.emulator.cards import DEMO_CARDS, CardApplet, VirtualCard
from peripherals.smartcard.emulator.pcscd import ensure_pcscd
from peripherals.status import DeviceError

log = logging.getLogger(__name__)

VPCD_HOST = "127.0.0.1"
VPCD_PORT = 35963
CTRL_OFF, CTRL_ON, CTRL_RESET, CTRL_ATR = 0x00, 0x01, 0x02, 0x04
QUICKACK: int | None = getattr(socket, "TCP_QUICKACK", None)  # Linux only


class EmulatorError(DeviceError):
    """The emulator's own error: unknown_card, vpcd_unreachable, vpcd_silent."""


class SmartCardEmulator:
    """Insert and remove virtual cards in a vpcd reader slot.

    `insert(card)` connects to vpcd (raising EmulatorError when nothing listens, i.e. pcscd
    is not running) and waits until vpcd has asked for the ATR, so pcscd has seen the card.
    """

    def __init__(self, host: str = VPCD_HOST, port: int = VPCD_PORT) -> None:
        self.host = host
        self.port = port
        self.card: VirtualCard | None = None
        self.applet: CardApplet | None = None
        self.powered = False
        self._sock: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._seen = threading.Event()
        self._lock = threading.Lock()
        self.lift_after: int | None = None

    def start(self) -> SmartCardEmulator:
        return self  # nothing listens on the card side; present for symmetry with the others

    def stop(self) -> None:
        self.remove()

    @property
    def inserted(self) -> bool:
        return self._sock is not None

    def insert(
        self, card: VirtualCard | str, timeout: float = 5.0, lift_after: int | None = None
    ) -> None:
        """Put `card` (a VirtualCard or a DEMO_CARDS key) into the reader.

        With `lift_after=n` the card is pulled out when the (n+1)th APDU arrives, unanswered:
        a card lifted in the middle of a read.
        """
        if isinstance(card, str):
            if card not in DEMO_CARDS:
                raise EmulatorError(
                    "unknown_card", f"no demo card {card!r}", f"无此演示卡 {card!r}"
                )
            card = DEMO_CARDS[card]
        self.remove()
        self.lift_after = lift_after
        try:
            sock = socket.create_connection((self.host, self.port), timeout=timeout)
        except OSError as exc:
            raise EmulatorError(
                "vpcd_unreachable",
                f"vpcd is not listening on {self.host}:{self.port} (is pcscd running?): {exc}",
                f"vpcd 未在 {self.host}:{self.port} 监听（pcscd 是否在运行？）",
            ) from exc
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.settimeout(0.2)  # so the serving thread notices remove() promptly
        with self._lock:
            self.card, self.applet, self.powered = card, CardApplet(card), False
            self._seen.clear()
            self._sock = sock
            self._thread = threading.Thread(
                target=self._serve, args=(sock,), name=f"vicc-{self.port}", daemon=True
            )
            self._thread.start()
        if not self._seen.wait(timeout):
            self.remove()
            raise EmulatorError(
                "vpcd_silent",
                f"vpcd on port {self.port} did not poll the card within {timeout:.0f} s "
                "(another card may occupy this slot)",
                "vpcd 未响应虚拟卡",
            )
        log.info("inserted %s into vpcd port %s", card.label, self.port)

    def remove(self) -> None:
        """Take the card out: close the connection (pcscd reports it removed)."""
        with self._lock:
            sock, thread = self._sock, self._thread
            self._sock = self._thread = None
        if sock is None:
            return
        with contextlib.suppress(OSError):  # vpcd may have closed its end already
            sock.shutdown(socket.SHUT_RDWR)
        sock.close()
        if thread is not None and thread is not threading.current_thread():
            thread.join(2.0)
        log.info("removed %s from vpcd port %s", self.card.label if self.card else "?", self.port)

    def _serve(self, sock: socket.socket) -> None:
        try:
            while self._sock is sock:
                message = _recv_message(sock, lambda: self._sock is sock)
                if message is None:
                    break
                if self._lifting(message):
                    break
                reply = self._handle(message)
                if reply is not None:
                    sock.sendall(struct.pack(">H", len(reply)) + reply)
        except OSError as exc:
            log.debug("vicc connection ended: %s", exc)
        if self._sock is sock:  # vpcd closed on us (pcscd stopped): the card is out
            with self._lock:
                if self._sock is sock:
                    self._sock = None
            sock.close()

    def _lifting(self, message: bytes) -> bool:
        applet = self.applet
        if self.lift_after is None or applet is None or len(message) < 2:
            return False
        return len(applet.received) >= self.lift_after

    def _handle(self, message: bytes) -> bytes | None:
        assert self.card is not None and self.applet is not None
        if len(message) == 1:
            control = message[0]
            if control == CTRL_ATR:
                self._seen.set()
                return self.card.atr
            self.powered = control in (CTRL_ON, CTRL_RESET)
            self.applet.reset()
            return None
        return self.applet.respond(message)


def _recv_exact(sock: socket.socket, size: int, keep_going: Callable[[], bool]) -> bytes | None:
    data = b""
    while len(data) < size:
        # vpcd writes the length and the body with two send() calls; acknowledging at once
        # keeps its Nagle algorithm from holding the body back for our 40 ms delayed ACK.
        if QUICKACK is not None:
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.IPPROTO_TCP, QUICKACK, 1)
        try:
            chunk = sock.recv(size - len(data))
        except TimeoutError:
            if not keep_going():
                return None
            continue
        if not chunk:
            return None
        data += chunk
    return data


def _recv_message(sock: socket.socket, keep_going: Callable[[], bool]) -> bytes | None:
    header = _recv_exact(sock, 2, keep_going)
    if header is None:
        return None
    (length,) = struct.unpack(">H", header)
    return _recv_exact(sock, length, keep_going) if length else b""


def main(argv: list[str] | None = None) -> int:
    """Hold one demo card in the reader until Ctrl-C (starts pcscd when needed)."""
    args = list(sys.argv[1:] if argv is None else argv)
    name = args[0] if args else "M1001"
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # so `finally` stops our pcscd
    pcscd = ensure_pcscd()
    emulator = SmartCardEmulator()
    try:
        emulator.insert(name)
        print(f"card {name} inserted into {pcscd.vpcd_readers[0]}; Ctrl-C removes it")
        while emulator.inserted:
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        emulator.stop()
        pcscd.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
