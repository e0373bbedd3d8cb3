"""The Simplified Chinese face of Noto Sans CJK as a font file of its own (no Kivy).

Debian ships Noto Sans CJK as a collection (.ttc) whose first face is the Japanese one; Kivy's
text providers always open face 0, which draws some Chinese characters in Japanese forms. So
the Simplified Chinese face is copied out of the collection into a standalone font in a cache.
"""

from __future__ import annotations

import struct
from pathlib import Path

SC_FACE_NAME = b"Noto Sans CJK SC"


def _face_offsets(data: bytes) -> list[int]:
    if data[:4] != b"ttcf":
        return [0]
    (count,) = struct.unpack(">I", data[8:12])
    return list(struct.unpack(f">{count}I", data[12 : 12 + 4 * count]))


def _tables(data: bytes, offset: int) -> list[tuple[bytes, int, int, int]]:
    (num,) = struct.unpack(">H", data[offset + 4 : offset + 6])
    rows = []
    for i in range(num):
        start = offset + 12 + 16 * i
        tag, checksum, table_off, length = struct.unpack(">4sIII", data[start : start + 16])
        rows.append((tag, checksum, table_off, length))
    return rows


def _face_is(data: bytes, offset: int, name: bytes) -> bool:
    for tag, _c, table_off, length in _tables(data, offset):
        if tag == b"name":
            table = data[table_off : table_off + length]
            return name in table or name.decode().encode("utf-16-be") in table
    return False


def face_pieces(data: bytes, offset: int) -> list[bytes | memoryview]:
    """The pieces of a standalone font file made of the face whose table directory is at
    `offset`, in order: its header, its table directory, then each table (views into `data`,
    not copies) padded to 4 bytes. Written one after the other they are the font; nothing is
    appended to a growing buffer (which copied the ~16 MB CFF table over and over)."""
    view = memoryview(data)
    tables = _tables(data, offset)
    directory = bytearray()
    pieces: list[bytes | memoryview] = [view[offset : offset + 12], directory]
    at = 12 + 16 * len(tables)
    for tag, checksum, table_off, length in tables:
        directory += struct.pack(">4sIII", tag, checksum, at, length)
        pad = -length % 4
        pieces.append(view[table_off : table_off + length])
        if pad:
            pieces.append(b"\0" * pad)
        at += length + pad
    return pieces


def extract_face(data: bytes, offset: int) -> bytes:
    """A standalone font file made of the face whose table directory is at `offset`."""
    return b"".join(face_pieces(data, offset))


def simplified_chinese_font(path: str | Path, cache_dir: Path) -> str:
    """Path of a font with the SC face of `path` (a .ttc), or `path` itself if it is no collection
    or has no SC face."""
    source = Path(path)
    target = cache_dir / f"{source.stem}-SC.otf"
    if target.exists() and target.stat().st_mtime >= source.stat().st_mtime:
        return str(target)
    data = source.read_bytes()
    offsets = _face_offsets(data)
    if len(offsets) == 1:
        return str(source)
    for offset in offsets:
        if _face_is(data, offset, SC_FACE_NAME):
            cache_dir.mkdir(parents=True, exist_ok=True)
            tmp = target.with_suffix(".tmp")
            with tmp.open("wb") as out:
                out.writelines(face_pieces(data, offset))
            tmp.replace(target)
            return str(target)
    return str(source)
