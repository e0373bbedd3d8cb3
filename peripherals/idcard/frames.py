"""SAM frames (GA 467-2013): preamble AA AA AA 96 69, 2-byte big-endian length, body, XOR checksum.

The length counts the body plus the checksum byte; the checksum is the XOR of the two length
bytes and the body. A command's body is CMD PARA [data]; a reply's body is SW1 SW2 SW3 [data].
Every function here raises only IdCardError on bad input.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import reduce

from peripherals.idcard.errors import IdCardError

PREAMBLE = bytes([0xAA, 0xAA, 0xAA, 0x96, 0x69])
HEADER_LEN = len(PREAMBLE) + 2
# The longest reply: status + 3 lengths + text 256 + photo 1024 + fingerprint 1024 + checksum.
MAX_LENGTH = 3 + 6 + 256 + 1024 + 1024 + 1
MAX_JUNK = 4096  # bytes skipped looking for a preamble before a stream counts as garbled

CMD_SAM_RESET = (0x10, 0xFF)
CMD_SAM_STATUS = (0x11, 0xFF)
CMD_SAM_ID = (0x12, 0xFF)
CMD_FIND_CARD = (0x20, 0x01)
CMD_SELECT_CARD = (0x20, 0x02)
CMD_READ_BASE = (0x30, 0x01)  # text + photo
CMD_READ_FINGERPRINT = (0x30, 0x10)  # text + photo + fingerprint


@dataclass(frozen=True)
class SamReply:
    sw1: int
    sw2: int
    sw3: int
    data: bytes


@dataclass(frozen=True)
class SamCommand:
    cmd: int
    para: int
    data: bytes


def xor_checksum(data: bytes) -> int:
    return reduce(lambda acc, b: acc ^ b, data, 0)


def _pack(body: bytes) -> bytes:
    length = (len(body) + 1).to_bytes(2, "big")
    return PREAMBLE + length + body + bytes([xor_checksum(length + body)])


def build_command(cmd: int, para: int, data: bytes = b"") -> bytes:
    return _pack(bytes([cmd, para]) + data)


def build_reply(sw3: int, data: bytes = b"", sw1: int = 0x00, sw2: int = 0x00) -> bytes:
    return _pack(bytes([sw1, sw2, sw3]) + data)


def unpack_frame(frame: bytes) -> bytes:
    """The body of one whole frame, checked for preamble, length and checksum."""
    if len(frame) < HEADER_LEN + 1:
        raise IdCardError("bad_frame", f"frame too short ({len(frame)} bytes)", "数据帧过短")
    if frame[:5] != PREAMBLE:
        raise IdCardError("bad_frame", "frame does not start with AA AA AA 96 69", "数据帧头错误")
    length = int.from_bytes(frame[5:7], "big")
    if length != len(frame) - HEADER_LEN:
        raise IdCardError(
            "bad_frame", f"length field {length} but {len(frame) - 7} bytes", "数据帧长度错误"
        )
    if xor_checksum(frame[5:-1]) != frame[-1]:
        raise IdCardError("bad_checksum", "frame checksum does not match", "数据帧校验和错误")
    return bytes(frame[HEADER_LEN:-1])


def parse_reply(frame: bytes) -> SamReply:
    body = unpack_frame(frame)
    if len(body) < 3:
        raise IdCardError("bad_frame", "reply has no status bytes", "应答缺少状态字节")
    return SamReply(body[0], body[1], body[2], body[3:])


def parse_command(frame: bytes) -> SamCommand:
    body = unpack_frame(frame)
    if len(body) < 2:
        raise IdCardError("bad_frame", "command has no command byte", "命令缺少命令字节")
    return SamCommand(body[0], body[1], body[2:])


def take_frame(buffer: bytearray) -> bytes | None:
    """Remove and return the first whole frame in a receive buffer, or None when more bytes are
    needed. Bytes before the preamble are dropped; an impossible length raises IdCardError
    (after dropping that preamble, so the caller may go on)."""
    start = buffer.find(PREAMBLE)
    if start < 0:
        keep = len(PREAMBLE) - 1  # the tail may be the start of a preamble
        junk = max(0, len(buffer) - keep)
        del buffer[:junk]
        return None
    del buffer[:start]
    if len(buffer) < HEADER_LEN:
        return None
    length = int.from_bytes(buffer[5:7], "big")
    if length < 3 or length > MAX_LENGTH:
        del buffer[: len(PREAMBLE)]
        raise IdCardError("bad_frame", f"impossible frame length {length}", "数据帧长度不合理")
    total = HEADER_LEN + length
    if len(buffer) < total:
        return None
    frame = bytes(buffer[:total])
    del buffer[:total]
    return frame
