"""Draw what the printer printed: parsed ESC/POS events to a PIL image, one dot per pixel.

Text uses the monospaced Noto Sans Mono CJK face, whose half-width glyphs are exactly half an em:
the same 12/24-dot cells the parser lays rows out in, so wrapping and alignment match the paper.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import qrcode
from PIL import Image, ImageDraw, ImageFont

from peripherals.printer.emulator.events import Cut, Event, Feed, QrPrint, RasterImage, Run, TextRow
from peripherals.printer.emulator.parser import PRINT_WIDTH_DOTS

DEFAULT_FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
MONO_SC_INDEX = 7  # "Noto Sans Mono CJK SC" inside the Noto CJK collection
MARGIN_DOTS = 16
_EC = {
    0: qrcode.constants.ERROR_CORRECT_L,
    1: qrcode.constants.ERROR_CORRECT_M,
    2: qrcode.constants.ERROR_CORRECT_Q,
    3: qrcode.constants.ERROR_CORRECT_H,
}
Font = ImageFont.FreeTypeFont | ImageFont.ImageFont


@lru_cache(maxsize=64)
def qr_matrix(data: bytes, ec: int) -> tuple[tuple[bool, ...], ...] | None:
    """The QR symbol a printer makes of GS ( k data (no quiet zone), or None if it cannot."""
    try:
        code = qrcode.QRCode(error_correction=_EC.get(ec, _EC[0]), border=0)
        code.add_data(data)
        code.make(fit=True)
        return tuple(tuple(bool(cell) for cell in row) for row in code.get_matrix())
    except (ValueError, qrcode.exceptions.DataOverflowError):
        return None


def event_dots(event: Event) -> int:
    """Paper (in dots, 8 per mm) an event uses."""
    if isinstance(event, TextRow):
        return event.height_dots
    if isinstance(event, Feed):
        return event.dots
    if isinstance(event, QrPrint):
        matrix = qr_matrix(event.data, event.ec)
        return len(matrix) * event.module if matrix else 0
    if isinstance(event, RasterImage):
        return event.height * event.scale_y
    if isinstance(event, Cut):
        return event.feed_dots
    return 0


@lru_cache(maxsize=32)
def _font(path: str, size: int, bold: bool) -> Font:
    candidates = [path.replace("Regular", "Bold"), path] if bold else [path]
    for candidate in candidates:
        if not Path(candidate).exists():
            continue
        for index in (MONO_SC_INDEX, 0):
            try:
                return ImageFont.truetype(candidate, size, index=index)
            except OSError:
                continue
    return ImageFont.load_default(size)


def _x_for(align: int, used: int, width: int) -> int:
    if align == 1:
        return max(0, (width - used) // 2)
    if align == 2:
        return max(0, width - used)
    return 0


def _draw_run(canvas: Image.Image, run: Run, x: int, bottom: int, font_path: str) -> None:
    size = 24 * run.height
    font = _font(font_path, size, run.bold)
    natural = max(1, len(run.text) * (24 if run.wide else 12) * run.height)
    patch = Image.new("L", (natural + 4, size + 4), 255)
    draw = ImageDraw.Draw(patch)
    draw.text((0, round(size * 0.88)), run.text, font=font, fill=0, anchor="ls")
    if run.dots != natural:  # width and height magnified differently
        patch = patch.resize((run.dots + 4, size + 4), Image.Resampling.BILINEAR)
    canvas.paste(patch, (x, bottom - size), None)


def _draw_row(canvas: Image.Image, row: TextRow, top: int, width: int, font_path: str) -> None:
    used = sum(run.dots for run in row.runs)
    x = MARGIN_DOTS + _x_for(row.align, used, width)
    bottom = top + row.height_dots - 3
    for run in row.runs:
        _draw_run(canvas, run, x, bottom, font_path)
        x += run.dots


def _draw_qr(canvas: Image.Image, qr: QrPrint, top: int, width: int) -> None:
    matrix = qr_matrix(qr.data, qr.ec)
    if not matrix:
        return
    side = len(matrix)
    symbol = Image.new("L", (side, side), 255)
    symbol.putdata([0 if cell else 255 for row in matrix for cell in row])
    symbol = symbol.resize((side * qr.module, side * qr.module), Image.Resampling.NEAREST)
    canvas.paste(symbol, (MARGIN_DOTS + _x_for(qr.align, symbol.width, width), top))


def raster_to_image(raster: RasterImage) -> Image.Image:
    bits = Image.frombytes("1", (raster.width_bytes * 8, raster.height), raster.data)
    image = Image.eval(bits.convert("L"), lambda v: 255 - v)  # ESC/POS: 1 = black dot
    if raster.scale_x > 1 or raster.scale_y > 1:
        size = (image.width * raster.scale_x, image.height * raster.scale_y)
        image = image.resize(size, Image.Resampling.NEAREST)
    return image


def _draw_partial_mark(canvas: Image.Image, top: int) -> None:
    draw = ImageDraw.Draw(canvas)
    width = canvas.width
    points = [(x, top + (8 if (x // 16) % 2 else 0)) for x in range(0, width + 16, 16)]
    draw.line(points, fill=0, width=2)
    font = _font(DEFAULT_FONT, 24, True)
    draw.text((MARGIN_DOTS, top + 20), "缺纸 PAPER OUT - 不完整 PARTIAL", font=font, fill=0)


def render_ticket(
    events: list[Event],
    font_path: str = DEFAULT_FONT,
    width: int = PRINT_WIDTH_DOTS,
    partial: bool = False,
) -> Image.Image:
    """The paper these events printed, as a greyscale image (white paper, black dots)."""
    printed = [e for e in events if isinstance(e, TextRow | Feed | QrPrint | RasterImage | Cut)]
    body = sum(event_dots(e) for e in printed)
    mark = 64 if partial else 0
    canvas = Image.new("L", (width + 2 * MARGIN_DOTS, body + 2 * MARGIN_DOTS + mark), 255)
    top = MARGIN_DOTS
    for event in printed:
        if isinstance(event, TextRow):
            _draw_row(canvas, event, top, width, font_path)
        elif isinstance(event, QrPrint):
            _draw_qr(canvas, event, top, width)
        elif isinstance(event, RasterImage):
            image = raster_to_image(event)
            canvas.paste(image, (MARGIN_DOTS + _x_for(event.align, image.width, width), top))
        top += event_dots(event)
    if partial:
        _draw_partial_mark(canvas, top + 8)
    return canvas
