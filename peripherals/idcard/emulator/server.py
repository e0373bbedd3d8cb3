"""The ID card reader as a SAM device on a pty pair: the driver opens `.port` like a real tty.

    emu = IdCardEmulator().start()
    emu.place_card("zhang_wei")      # or any IdCardData
    ... SamIdCardReader(emu.port).read_card() ...
    emu.set_fault("sam")             # "sam" | "bad_checksum" | "lift_mid_read" | "truncated" | None
    emu.stop()

Run `python -m peripherals.idcard.emulator --card zhang_wei` to keep one running, or
`--dump zhang_wei` to read a demo card through the real driver and print its JSON (as read:
demo data, so unmasked).
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import json
import os
import select
import socket
import threading
import time
import tty
from collections import Counter

from peripherals.idcard import frames
from peripherals.idcard.driver import SamIdCardReader
from peripherals.idcard.emulator.cards import (
    PHOTO_LEN,
    chip_serial_of,
    demo_blob,
    demo_card,
    encode_text_block,
)
from peripherals.idcard.errors import (
    SW_CARD_FOUND,
    SW_CARD_NOT_FOUND,
    SW_HOST_CHECKSUM,
    SW_READ_FAILED,
    SW_SAM_SELF_TEST,
    SW_SELECT_FAILED,
    SW_SUCCESS,
    SW_UNKNOWN_COMMAND,
    IdCardError,
)
from peripherals.idcard.protocol import IdCardData

FAULTS = ("sam", "bad_checksum", "lift_mid_read", "truncated")
SAM_ID_DATA = (
    bytes([5, 0, 1, 0])
    + (20240101).to_bytes(4, "little")
    + (12345).to_bytes(4, "little")
    + (67890).to_bytes(4, "little")
)


class IdCardEmulator:
    """Answers SAM frames for whichever card is placed on it. Thread-safe control methods."""

    def __init__(self, card: IdCardData | str | None = None, baud: int | None = None) -> None:
        """baud: simulate the serial line's speed (10 bits per byte) by pacing the answers (a
        pty has none); None (default) means no delay."""
        self.baud = baud
        self._card: IdCardData | None = None
        self._selected = False
        self._fault: str | None = None
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._master = -1
        self._slave = -1
        self.port = ""
        self.url = ""  # socket://127.0.0.1:PORT when started with tcp_port
        self._listener: socket.socket | None = None
        self._client: socket.socket | None = None
        self.commands: Counter[tuple[int, int]] = Counter()  # (cmd, para) -> times received
        if card is not None:
            self.place_card(card)

    # -- control ---------------------------------------------------------------------------
    def place_card(self, card: IdCardData | str) -> None:
        with self._lock:
            self._card = demo_card(card) if isinstance(card, str) else card
            self._selected = False

    def lift_card(self) -> None:
        with self._lock:
            self._card = None
            self._selected = False

    def set_fault(self, fault: str | None) -> None:
        if fault is not None and fault not in FAULTS:
            raise ValueError(f"unknown fault {fault!r}; one of {FAULTS} or None")
        with self._lock:
            self._fault = fault

    @property
    def card(self) -> IdCardData | None:
        return self._card

    # -- lifecycle -------------------------------------------------------------------------
    def start(self, tcp_port: int | None = None) -> IdCardEmulator:
        """Open the pty (and, with tcp_port, also listen on 127.0.0.1:tcp_port; 0 picks one)."""
        self._master, self._slave = os.openpty()
        tty.setraw(self._slave)  # no echo or newline mangling before the driver opens it
        os.set_blocking(self._master, False)
        self.port = os.ttyname(self._slave)
        if tcp_port is not None:
            self._listener = socket.create_server(("127.0.0.1", tcp_port))
            self.url = f"socket://127.0.0.1:{self._listener.getsockname()[1]}"
        self._stop.clear()
        self._thread = threading.Thread(target=self._serve, name="idcard-emulator", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5.0)
            self._thread = None
        for sock in (self._client, self._listener):
            if sock is not None:
                sock.close()
        self._client = self._listener = None
        for fd in (self._master, self._slave):
            if fd >= 0:
                os.close(fd)
        self._master = self._slave = -1

    def __enter__(self) -> IdCardEmulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- the device ------------------------------------------------------------------------
    def _serve(self) -> None:
        buffers: dict[int, bytearray] = {self._master: bytearray()}
        while not self._stop.is_set():
            watched = [self._master]
            watched += [s.fileno() for s in (self._listener, self._client) if s is not None]
            ready, _, _ = select.select(watched, [], [], 0.05)
            for fd in ready:
                if self._listener is not None and fd == self._listener.fileno():
                    self._accept(buffers)
                    continue
                chunk = self._receive(fd)
                if chunk is None:
                    continue
                buffer = buffers.setdefault(fd, bytearray())
                buffer += chunk
                self._answer_all(fd, buffer)

    def _accept(self, buffers: dict[int, bytearray]) -> None:
        assert self._listener is not None
        client, _ = self._listener.accept()
        if self._client is not None:  # one host at a time, as on a serial line
            buffers.pop(self._client.fileno(), None)
            self._client.close()
        client.settimeout(2.0)
        self._client = client
        buffers[client.fileno()] = bytearray()

    def _receive(self, fd: int) -> bytes | None:
        if fd == self._master:
            try:
                return os.read(self._master, 4096)
            except BlockingIOError:
                return None
            except OSError as exc:  # EIO: no one has the slave open
                if exc.errno != errno.EIO:
                    raise
                time.sleep(0.01)
                return None
        assert self._client is not None
        try:
            data = self._client.recv(4096)
        except OSError:
            data = b""
        if not data:
            self._client.close()
            self._client = None
        return data or None

    def _answer_all(self, fd: int, buffer: bytearray) -> None:
        while True:
            try:
                frame = frames.take_frame(buffer)
            except IdCardError:
                continue
            if frame is None:
                return
            reply = self._answer(frame)
            if fd == self._master:
                self._write(reply)
            elif self._client is not None:
                with contextlib.suppress(OSError):
                    self._client.sendall(reply)

    def _answer(self, frame: bytes) -> bytes:
        try:
            command = frames.parse_command(frame)
        except IdCardError as exc:
            status = SW_HOST_CHECKSUM if exc.code == "bad_checksum" else 0x11
            return frames.build_reply(status)
        key = (command.cmd, command.para)
        self.commands[key] += 1
        with self._lock:
            fault = self._fault
            reply = self._reply_for(key, fault)
        if fault == "bad_checksum":
            reply = reply[:-1] + bytes([reply[-1] ^ 0xFF])
        return reply

    def _reply_for(self, key: tuple[int, int], fault: str | None) -> bytes:
        if fault == "sam":
            return frames.build_reply(SW_SAM_SELF_TEST)
        if key in (frames.CMD_SAM_STATUS, frames.CMD_SAM_RESET):
            return frames.build_reply(SW_SUCCESS)
        if key == frames.CMD_SAM_ID:
            return frames.build_reply(SW_SUCCESS, SAM_ID_DATA)
        if key == frames.CMD_FIND_CARD:  # found: with the card's IIN (4 bytes, zeros here)
            if self._card is None:
                return frames.build_reply(SW_CARD_NOT_FOUND)
            return frames.build_reply(SW_CARD_FOUND, bytes(4))
        if key == frames.CMD_SELECT_CARD:  # selected: with the chip's serial number (8 bytes)
            self._selected = self._card is not None
            if self._card is None:
                return frames.build_reply(SW_SELECT_FAILED)
            return frames.build_reply(SW_SUCCESS, chip_serial_of(self._card))
        if key in (frames.CMD_READ_BASE, frames.CMD_READ_FINGERPRINT):
            if self._card is None or not self._selected:
                return frames.build_reply(SW_READ_FAILED)
            if fault == "lift_mid_read":
                self._card, self._selected = None, False
                return frames.build_reply(SW_READ_FAILED)
            reply = frames.build_reply(
                SW_SUCCESS, self._read_data(self._card, key == frames.CMD_READ_FINGERPRINT)
            )
            return reply[: len(reply) // 2] if fault == "truncated" else reply
        return frames.build_reply(SW_UNKNOWN_COMMAND)

    @staticmethod
    def _read_data(card: IdCardData, with_fingerprint: bool) -> bytes:
        text = encode_text_block(card)
        photo = (card.photo or demo_blob("photo:" + card.id_number))[:PHOTO_LEN]
        photo = photo.ljust(PHOTO_LEN, b"\x00")
        lengths = len(text).to_bytes(2, "big") + len(photo).to_bytes(2, "big")
        if not with_fingerprint:
            return lengths + text + photo
        return lengths + len(card.fingerprint).to_bytes(2, "big") + text + photo + card.fingerprint

    def _write(self, data: bytes) -> None:
        if self.baud:
            time.sleep(len(data) * 10 / self.baud)
        view = memoryview(data)
        deadline = time.monotonic() + 2.0
        while view and time.monotonic() < deadline and not self._stop.is_set():
            try:
                written = os.write(self._master, view)
                view = view[written:]
            except BlockingIOError:
                select.select([], [self._master], [], 0.05)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="ID card reader emulator on a pty")
    parser.add_argument("--card", help="demo card to place (zhang_wei, li_na, ...)")
    parser.add_argument("--tcp", type=int, help="also serve on 127.0.0.1:PORT (socket://)")
    parser.add_argument("--dump", metavar="CARD", help="read this demo card, print its JSON, exit")
    parser.add_argument("--photo", action="store_true", help="with --dump: include the photo")
    args = parser.parse_args(argv)
    emu = IdCardEmulator(args.dump or args.card).start(tcp_port=args.tcp)
    try:
        if args.dump:
            with SamIdCardReader(emu.port) as reader:
                card = reader.read_card()
            decoded = card.as_dict() if card else None
            if decoded and not args.photo:
                decoded.pop("photo_base64")
            print(json.dumps(decoded, ensure_ascii=False, indent=2))
            return 0
        print(json.dumps({"device": "idcard", "port": emu.port, "url": emu.url}), flush=True)
        while True:
            time.sleep(1)
    except KeyboardInterrupt:
        return 0
    finally:
        emu.stop()


if __name__ == "__main__":
    raise SystemExit(main())
