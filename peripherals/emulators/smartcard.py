"""A virtual member/staff card that plugs into pcscd's vpcd reader driver over TCP.

vpcd (Debian `vsmartcard-vpcd`) listens on 127.0.0.1:35963 for reader "Virtual PCD 00 00"
(35964 for "... 00 01"). The card is the TCP client; every message both ways is a 2-byte
big-endian length and a body. One-byte bodies from vpcd are control messages (00 power off,
01 power on, 02 reset, 04 send ATR: answered with the ATR); longer bodies are C-APDUs,
answered with R-APDUs. Connecting is inserting the card; closing the socket removes it
(vpcd notices on its next presence poll, and pcscd reports the card removed).

    python -m peripherals.emulators.smartcard M1001     # hold a demo card until Ctrl-C
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
from dataclasses import dataclass, field

from peripherals.smartcard.card_layout import (
    GET_UID_APDU,
    KIOSK_AID,
    RECORD_NUMBER,
    RECORD_SFI,
    SW_CLA_UNKNOWN,
    SW_CONDITIONS,
    SW_FILE_NOT_FOUND,
    SW_INS_UNKNOWN,
    SW_OK,
    SW_RECORD_NOT_FOUND,
    SW_WRONG_P1P2,
    CardRecord,
    encode_record,
    encode_tlv,
)
from peripherals.status import DeviceError

log = logging.getLogger(__name__)

VPCD_HOST = "127.0.0.1"
VPCD_PORT = 35963
CTRL_OFF, CTRL_ON, CTRL_RESET, CTRL_ATR = 0x00, 0x01, 0x02, 0x04
QUICKACK: int | None = getattr(socket, "TCP_QUICKACK", None)  # Linux only


def make_atr(historical: bytes) -> bytes:
    """ATR offering T=1 (TS 3B, T0, TD1=80, TD2=01, historical bytes, TCK)."""
    body = bytes([0x80 | len(historical), 0x80, 0x01]) + historical
    tck = 0
    for byte in body:
        tck ^= byte
    return b"\x3b" + body + bytes([tck])


DEFAULT_ATR = make_atr(b"KIOSK-CARD")


@dataclass(frozen=True)
class VirtualCard:
    """A card: its UID, ATR and, when it carries the kiosk application, its record."""

    label: str
    uid: bytes
    record: CardRecord | None = None
    atr: bytes = DEFAULT_ATR


def member_card(member_id: str, uid: bytes) -> VirtualCard:
    return VirtualCard(f"member {member_id}", uid, CardRecord("member", member_id=member_id))


def staff_card(staff_id: str, role: str, uid: bytes) -> VirtualCard:
    return VirtualCard(f"staff {staff_id}", uid, CardRecord("staff", staff_id=staff_id, role=role))


# The demo people (see the demo staff and members shared with the backend seed).
DEMO_CARDS: dict[str, VirtualCard] = {
    "M1001": member_card("M1001", bytes.fromhex("04A1100101")),
    "M2002": member_card("M2002", bytes.fromhex("04A2200202")),
    "S001": staff_card("S001", "supervisor", bytes.fromhex("04B5000101")),
    "S002": staff_card("S002", "operator", bytes.fromhex("04B5000202")),
    "unknown": VirtualCard("unknown card", bytes.fromhex("DEADBEEF")),
}


@dataclass
class CardApplet:
    """The card's APDU answers: UID, SELECT of the kiosk AID, READ RECORD."""

    card: VirtualCard
    selected: bool = False
    received: list[bytes] = field(default_factory=list)  # C-APDUs received, for tests to inspect

    def reset(self) -> None:
        self.selected = False

    def respond(self, apdu: bytes) -> bytes:
        self.received.append(apdu)
        if len(apdu) < 4:
            return _sw(SW_WRONG_P1P2)
        cla, ins, p1, p2 = apdu[:4]
        if apdu[:4] == GET_UID_APDU[:4]:
            return self.card.uid + _sw(SW_OK)
        if cla == 0xFF:
            return _sw(SW_INS_UNKNOWN)
        if cla & 0xF0 != 0x00:
            return _sw(SW_CLA_UNKNOWN)
        if ins == 0xA4:
            return self._select(apdu, p1)
        if ins == 0xB2:
            return self._read_record(p1, p2)
        return _sw(SW_INS_UNKNOWN)

    def _select(self, apdu: bytes, p1: int) -> bytes:
        if p1 != 0x04 or len(apdu) < 5:
            return _sw(SW_FILE_NOT_FOUND)
        aid = apdu[5 : 5 + apdu[4]]
        self.selected = self.card.record is not None and aid == KIOSK_AID
        if not self.selected:
            return _sw(SW_FILE_NOT_FOUND)
        fci = encode_tlv(0x6F, encode_tlv(0x84, KIOSK_AID) + encode_tlv(0x50, b"KIOSK"))
        return fci + _sw(SW_OK)

    def _read_record(self, p1: int, p2: int) -> bytes:
        if not self.selected or self.card.record is None:
            return _sw(SW_CONDITIONS)
        if p1 != RECORD_NUMBER or p2 != (RECORD_SFI << 3) | 0x04:
            return _sw(SW_RECORD_NOT_FOUND)
        return encode_record(self.card.record) + _sw(SW_OK)


def _sw(sw: int) -> bytes:
    return bytes([sw >> 8, sw & 0xFF])


class EmulatorError(DeviceError):
    pass


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
    from peripherals.emulators.pcscd import ensure_pcscd

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
