"""The default font: Noto Sans CJK, Simplified Chinese face, so no text shows missing-glyph boxes.

Debian ships Noto Sans CJK as a collection (.ttc) whose first face is the Japanese one; Kivy's
text providers always open face 0, which draws some Chinese characters in Japanese forms. So
the Simplified Chinese face is copied out of the collection into a standalone font in the cache.

The font-size ladder: SDL_ttf opens one FreeType face per (font file, pixel size), 2.5 MB each
for Noto Sans CJK, kept for the life of the process. `install_font_ladder()` snaps every size
a label renders at to the nearest rung of FONT_LADDER (steps of ~19 %, so a text moves by at
most ~9 % of its size), so the start screen opens 7 faces instead of 12 (docs/bench-kiosk.md).
`KIOSK_FONT_LADDER=0` in the environment turns it off.

The large-text, high-contrast mode (`set_text_style`) goes through the same hook: every label
renders LARGE_TEXT_SCALE times bigger (two rungs up the ladder), bold, and its greys as black.
Layouts that size themselves to their text (KLabel, the keypad, the message panel) grow with it.
"""

from __future__ import annotations

import os
import struct
from pathlib import Path

SC_FACE_NAME = b"Noto Sans CJK SC"
# pixel sizes a label renders at: each ~1.19 × the one before
FONT_LADDER = (12, 14, 17, 20, 24, 28, 32, 38, 45, 54, 64, 76, 90, 107, 128, 152)
LARGE_TEXT_SCALE = 1.4  # two rungs of the ladder


class TextStyle:
    """How every label renders right now: its size scale, and high contrast (greys to black)."""

    scale = 1.0
    high_contrast = False


TEXT_STYLE = TextStyle()
STYLED = ("font_size", "bold", "color")
_UNSET = object()


def set_text_style(large: bool) -> None:
    """Large text and high contrast on or off for every label rendered from now on (the caller
    re-renders the labels on screen)."""
    TEXT_STYLE.scale = LARGE_TEXT_SCALE if large else 1.0
    TEXT_STYLE.high_contrast = large


def contrast_colour(rgba: tuple[float, ...] | list[float]) -> tuple[float, ...]:
    """A text colour for high contrast: dark text (greys, muted tones) becomes black; light text
    (white on a coloured button) stays as it is."""
    r, g, b = rgba[0], rgba[1], rgba[2]
    alpha = rgba[3] if len(rgba) > 3 else 1.0
    luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b
    return (0.0, 0.0, 0.0, alpha) if luminance < 0.5 else tuple(rgba)


def ladder_size(size: float) -> float:
    """The rung of FONT_LADDER nearest to `size` (by ratio); sizes beyond the ladder unchanged."""
    if size <= 0 or size < FONT_LADDER[0] / 1.1 or size > FONT_LADDER[-1] * 1.1:
        return size
    return float(min(FONT_LADDER, key=lambda rung: abs(rung / size - 1.0) + abs(size / rung - 1)))


def install_font_ladder() -> bool:
    """Make Kivy's core labels render at ladder sizes and in the current TEXT_STYLE (see the
    module); False when the ladder is turned off by KIOSK_FONT_LADDER=0 (the style still
    applies). Idempotent."""
    ladder = os.environ.get("KIOSK_FONT_LADDER", "1") != "0"
    from kivy.core.text import LabelBase

    if getattr(LabelBase.refresh, "font_ladder", False):
        return ladder
    plain_refresh = LabelBase.refresh

    def refresh(self: LabelBase) -> None:
        options = self.options
        # the label widget writes its own values into options; the styled ones written here
        # are told apart by identity, so a style is never applied on top of itself
        for key in STYLED:
            if options.get(f"_styled_{key}", _UNSET) is not options[key]:
                options[f"_base_{key}"] = options[key]
        size = float(options["_base_font_size"]) * TEXT_STYLE.scale
        options["font_size"] = ladder_size(size) if ladder else size
        contrast = TEXT_STYLE.high_contrast
        options["bold"] = True if contrast else options["_base_bold"]
        base_colour = options["_base_color"]
        options["color"] = contrast_colour(base_colour) if contrast else base_colour
        for key in STYLED:
            options[f"_styled_{key}"] = options[key]
        plain_refresh(self)

    refresh.font_ladder = True  # type: ignore[attr-defined]
    LabelBase.refresh = refresh  # type: ignore[method-assign]
    return ladder


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


def extract_face(data: bytes, offset: int) -> bytes:
    """A standalone font file made of the face whose table directory is at `offset`."""
    header = data[offset : offset + 12]
    tables = _tables(data, offset)
    out_offset = 12 + 16 * len(tables)
    directory = b""
    body = b""
    for tag, checksum, table_off, length in tables:
        directory += struct.pack(">4sIII", tag, checksum, out_offset + len(body), length)
        chunk = data[table_off : table_off + length]
        body += chunk + b"\0" * (-len(chunk) % 4)
    return header + directory + body


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
            tmp.write_bytes(extract_face(data, offset))
            tmp.replace(target)
            return str(target)
    return str(source)


def register_default_font(path: str | Path, cache_dir: Path) -> str:
    """Make the CJK font Kivy's default (Roboto is replaced); returns the regular font's path."""
    from kivy.core.text import DEFAULT_FONT, LabelBase

    regular = simplified_chinese_font(path, cache_dir)
    bold_source = Path(str(path).replace("-Regular", "-Bold"))
    bold = simplified_chinese_font(bold_source, cache_dir) if bold_source.exists() else regular
    LabelBase.register(DEFAULT_FONT, fn_regular=regular, fn_bold=bold)
    LabelBase.register("KioskFont", fn_regular=regular, fn_bold=bold)
    install_font_ladder()
    return regular
