"""The ID card reader driver: SAM frames over pyserial (a device path, a pty, socket://...).

`open_idcard_reader(setting)` is the driver for a config value; the port is opened through
IDCARD_PORTS, which knows the schemes pyserial speaks (a bare device path, socket://,
rfc2217://, ...), so a setting no port speaks is refused up front with UnknownTransport.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from dataclasses import replace
from typing import Any

import serial

from peripherals.idcard import frames
from peripherals.idcard.errors import (
    SW_CARD_FOUND,
    SW_CARD_NOT_FOUND,
    SW_SELECT_FAILED,
    SW_SUCCESS,
    IdCardError,
)
from peripherals.idcard.layouts import decode_read_payload
from peripherals.idcard.protocol import IdCardData
from peripherals.redaction import redact
from peripherals.status import DeviceState, DeviceStatus
from peripherals.transport import BARE, Registry

log = logging.getLogger(__name__)

DEVICE = "idcard"
_POLL_SLICE = 0.05  # pyserial read timeout; each wait loops on it up to its own deadline
# Errors that mean "nothing answers there": the device is missing rather than failing.
_MISSING_CODES = ("not_connected", "no_response", "io_error")
# Frame-level errors worth one more try (line noise); SAM statuses are not.
_RETRY_CODES = ("bad_checksum", "bad_frame", "no_response")

# Every transport pyserial's serial_for_url opens: a device path or pty, and its URL handlers.
PYSERIAL_SCHEMES = ("socket", "rfc2217", "loop", "spy", "alt", "hwgrep", "cp2110")
IDCARD_PORTS: Registry[serial.SerialBase] = Registry("idcard", "身份证阅读器")
IDCARD_PORTS.register(serial.serial_for_url, BARE, *PYSERIAL_SCHEMES)


def chip_serial(data: bytes) -> str:
    """The card chip's serial number (证/卡芯片序列号) from a select reply's data, as hex: the 8
    bytes vendor SDKs hand back from SDT_SelectIDCard. "" when the reply carries none (or only
    zeros, as some readers send): then two cards cannot be told apart without reading them."""
    serial = data[:8]
    return serial.hex() if len(serial) == 8 and any(serial) else ""


def format_sam_id(data: bytes) -> str:
    """The SAM's id from a `12 FF` reply's 16 data bytes: 05.01-20240101-000012345-000067890."""
    if len(data) < 16:
        raise IdCardError("bad_payload", "SAM id reply too short", "SAM编号应答过短")

    def u32(at: int) -> int:
        return int.from_bytes(data[at : at + 4], "little")

    return f"{data[0]:02d}.{data[2]:02d}-{u32(4)}-{u32(8):09d}-{u32(12):09d}"


class SamIdCardReader:
    """An IdCardReader over the GA 467-2013 SAM serial protocol.

    Every public method is safe to call from several threads and never raises: failures
    become a None card and a DeviceStatus in `last_status`.
    """

    def __init__(
        self,
        url: str,
        baudrate: int = 115200,
        timeout: float = 0.5,
        read_timeout: float = 2.0,
        retries: int = 1,
    ) -> None:
        self.url = url
        self.baudrate = baudrate
        self.timeout = timeout  # for find/select/SAM commands
        self.read_timeout = read_timeout  # for the read command (the card is read over RF)
        self.retries = retries
        self.last_status = DeviceStatus(DEVICE, DeviceState.OK, details={"port": url})
        self._serial: serial.SerialBase | None = None
        self._lock = threading.RLock()

    # -- transport -------------------------------------------------------------------------
    def _port(self) -> serial.SerialBase:
        if self._serial is None:
            try:
                self._serial = IDCARD_PORTS.open(
                    self.url, baudrate=self.baudrate, timeout=_POLL_SLICE, write_timeout=1.0
                )
            except Exception as exc:  # SerialException, OSError, a bad URL or scheme
                raise IdCardError(
                    "not_connected", f"cannot open {self.url}: {exc}", "无法打开身份证阅读器端口"
                ) from exc
        return self._serial

    def _drop_port(self) -> None:
        if self._serial is not None:
            with contextlib.suppress(Exception):
                self._serial.close()
            self._serial = None

    def _read_frame(self, port: serial.SerialBase, timeout: float) -> bytes:
        deadline = time.monotonic() + timeout
        buffer = bytearray()
        skipped = 0
        while True:
            before = len(buffer)
            frame = frames.take_frame(buffer)
            if frame is not None:
                return frame
            skipped += max(0, before - len(buffer))
            if skipped > frames.MAX_JUNK:
                raise IdCardError(
                    "bad_frame", "no frame in the bytes received", "收到的数据无法识别"
                )
            if time.monotonic() >= deadline:
                if buffer:
                    raise IdCardError("bad_frame", "reply cut short", "应答数据不完整")
                raise IdCardError("no_response", "reader did not answer", "身份证阅读器无应答")
            # Ask for what the frame still needs, so a whole reply arrives in one call.
            need = frames.HEADER_LEN - len(buffer)
            if len(buffer) >= frames.HEADER_LEN:
                need = frames.HEADER_LEN + int.from_bytes(buffer[5:7], "big") - len(buffer)
            buffer += port.read(max(1, need))

    def transact(self, command: tuple[int, int], timeout: float | None = None) -> frames.SamReply:
        """Send one command and return its checked reply. Raises IdCardError."""
        with self._lock:
            port = self._port()
            try:
                port.reset_input_buffer()  # a late reply to an earlier, timed-out command
                port.write(frames.build_command(*command))
                frame = self._read_frame(port, self.timeout if timeout is None else timeout)
            except IdCardError:
                raise
            except Exception as exc:  # SerialException, OSError, termios.error on a vanished tty
                self._drop_port()
                raise IdCardError("io_error", f"serial I/O failed: {exc}", "串口读写失败") from exc
            return frames.parse_reply(frame)

    # -- commands --------------------------------------------------------------------------
    def _expect(self, reply: frames.SamReply, *wanted: int) -> frames.SamReply:
        if reply.sw3 not in wanted:
            raise IdCardError.from_sam_status(reply.sw3)
        return reply

    def card_present(self) -> bool | None:
        """`20 01` find card: True when a card is in the field, None when the reader failed."""
        try:
            reply = self._expect(
                self.transact(frames.CMD_FIND_CARD), SW_CARD_FOUND, SW_CARD_NOT_FOUND
            )
        except IdCardError as exc:
            self._note_error(exc)
            return None
        return reply.sw3 == SW_CARD_FOUND

    def card_in_field(self) -> tuple[bool, str] | None:
        """`20 01` find, then `20 02` select: (True, the chip's serial as hex) for a card in the
        field, (True, "") when the reader gives no serial, (False, "") for none; None when the
        reader failed. Two short exchanges (~55 bytes), no read: the watcher's "still the same
        card?" while one rests on the reader."""
        try:
            return self._select()
        except IdCardError as exc:
            self._note_error(exc)
            return None

    def _select(self) -> tuple[bool, str]:
        found = self._expect(self.transact(frames.CMD_FIND_CARD), SW_CARD_FOUND, SW_CARD_NOT_FOUND)
        if found.sw3 == SW_CARD_NOT_FOUND:
            return False, ""
        selected = self._expect(self.transact(frames.CMD_SELECT_CARD), SW_SUCCESS, SW_SELECT_FAILED)
        if selected.sw3 == SW_SELECT_FAILED:
            return False, ""  # the card left between find and select
        return True, chip_serial(selected.data)

    def _read_once(self, with_fingerprint: bool) -> IdCardData | None:
        present, serial = self._select()
        if not present:
            return None
        command = frames.CMD_READ_FINGERPRINT if with_fingerprint else frames.CMD_READ_BASE
        reply = self._expect(self.transact(command, self.read_timeout), SW_SUCCESS)
        card = decode_read_payload(reply.data, with_fingerprint)
        return replace(card, chip_serial=serial) if serial else card

    def poll(self, with_fingerprint: bool = False) -> IdCardData | DeviceStatus | None:
        """Find, select and read: the card, None when there is none, or the failure's status."""
        with self._lock:
            for attempt in range(self.retries + 1):
                try:
                    card = self._read_once(with_fingerprint)
                except IdCardError as exc:
                    if exc.code in _RETRY_CODES and attempt < self.retries:
                        log.info("idcard: %s, trying again", exc.code)
                        continue
                    return self._note_error(exc)
                self.last_status = DeviceStatus(DEVICE, DeviceState.OK, details={"port": self.url})
                if card is not None:
                    log.info(
                        "idcard: read %s %s %s",
                        card.doc_type,
                        redact(card.name, 1, 0),
                        redact(card.id_number, 3, 4),
                    )
                return card
        raise AssertionError("unreachable")  # pragma: no cover

    def read_card(self, with_fingerprint: bool = False) -> IdCardData | None:
        result = self.poll(with_fingerprint)
        return result if isinstance(result, IdCardData) else None

    def reset_sam(self) -> DeviceStatus:
        """`10 FF` SAM reset; returns the reader's status afterwards."""
        try:
            self._expect(self.transact(frames.CMD_SAM_RESET, self.read_timeout), SW_SUCCESS)
        except IdCardError as exc:
            return self._note_error(exc)
        return self.status()

    def sam_id(self) -> str | None:
        """`12 FF` the SAM's id (the module's serial number), or None."""
        try:
            reply = self._expect(self.transact(frames.CMD_SAM_ID), SW_SUCCESS)
            return format_sam_id(reply.data)
        except IdCardError as exc:
            self._note_error(exc)
            return None

    def status(self) -> DeviceStatus:
        """`11 FF` SAM status: OK, ERROR with the SAM's code, or MISSING when nothing answers."""
        try:
            self._expect(self.transact(frames.CMD_SAM_STATUS), SW_SUCCESS)
        except IdCardError as exc:
            return self._note_error(exc)
        details: dict[str, object] = {"port": self.url}
        sam = self.sam_id()
        if sam is not None:
            details["sam_id"] = sam
        self.last_status = DeviceStatus(DEVICE, DeviceState.OK, details=details)
        return self.last_status

    def _note_error(self, exc: IdCardError) -> DeviceStatus:
        state = DeviceState.MISSING if exc.code in _MISSING_CODES else DeviceState.ERROR
        details: dict[str, object] = {"port": self.url}
        if exc.sw3 is not None:
            details["sw3"] = f"{exc.sw3:02X}"
        # every failed poll lands here: the watcher (or the kiosk's hub) logs state changes
        log.debug("idcard: %s (%s)", exc.code, exc.message_en)
        self.last_status = DeviceStatus(
            DEVICE, state, exc.code, exc.message_zh, exc.message_en, details
        )
        return self.last_status

    def close(self) -> None:
        with self._lock:
            self._drop_port()

    def __enter__(self) -> SamIdCardReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_idcard_reader(setting: str, **options: Any) -> SamIdCardReader:
    """The reader for a config value (devices.idcard): a device path, a pty, or a pyserial URL
    such as socket://HOST:PORT. Raises UnknownTransport (a DeviceError) for a scheme pyserial
    does not speak; a port that is merely absent is the reader's status, not an error."""
    IDCARD_PORTS.opener(setting)
    return SamIdCardReader(setting, **options)
