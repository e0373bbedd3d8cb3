"""The kiosk's pictures, drawn with Pillow: the start screen's landscape and the pictograms.

Run `python -m ui.art` to (re)draw them into assets/img/. Drawn at 4x and scaled down, so edges
are smooth. Icons for buttons are white on transparent; device pictures are full colour.
"""

from __future__ import annotations

import math
import random
import sys
from collections.abc import Callable
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter

IMG_DIR = Path(__file__).resolve().parent.parent / "assets" / "img"
S = 4  # supersampling
INK = (27, 31, 35, 255)
GREEN = (23, 96, 74, 255)
ORANGE = (217, 99, 30, 255)
BLUE = (31, 95, 168, 255)
WHITE = (255, 255, 255, 255)
GREY = (205, 210, 214, 255)
PALE = (236, 240, 236, 255)


def _canvas(w: int, h: int) -> tuple[Image.Image, ImageDraw.ImageDraw]:
    img = Image.new("RGBA", (w * S, h * S), (0, 0, 0, 0))
    return img, ImageDraw.Draw(img)


def _finish(img: Image.Image) -> Image.Image:
    return img.resize((img.width // S, img.height // S), Image.Resampling.LANCZOS)


def _box(x0: float, y0: float, x1: float, y1: float) -> list[float]:
    return [x0 * S, y0 * S, x1 * S, y1 * S]


def landscape(w: int = 1600, h: int = 1000, seed: int = 7) -> Image.Image:
    """Mountains at dawn over a lake, in layers of mist: the start screen's picture."""
    rng = random.Random(seed)
    img = Image.new("RGB", (w, h))
    px = img.load()
    horizon = int(h * 0.68)
    top, low = (86, 140, 196), (250, 214, 170)
    for y in range(horizon):
        t = (y / horizon) ** 1.3
        row = tuple(int(top[i] + (low[i] - top[i]) * t) for i in range(3))
        for x in range(w):
            px[x, y] = row
    draw = ImageDraw.Draw(img, "RGBA")
    sun = (int(w * 0.70), int(h * 0.2))
    for r, a in ((150, 40), (100, 70), (62, 255)):
        draw.ellipse([sun[0] - r, sun[1] - r, sun[0] + r, sun[1] + r], fill=(255, 244, 214, a))
    layers = [
        ((150, 170, 196), 0.38, 0.14, 0.010),
        ((104, 134, 160), 0.40, 0.20, 0.006),
        ((58, 102, 108), 0.52, 0.14, 0.009),
        ((30, 72, 66), 0.62, 0.10, 0.014),
    ]
    for colour, base, amp, freq in layers:
        phase = rng.random() * 10
        ridge = []
        for x in range(0, w + 8, 8):
            y = base * h - amp * h * (
                0.6 * math.sin(x * freq + phase)
                + 0.3 * math.sin(x * freq * 2.7 + phase * 2)
                + 0.15 * math.sin(x * freq * 6.1 + phase * 3)
            )
            ridge.append((x, y))
        draw.polygon([*ridge, (w, horizon), (0, horizon)], fill=(*colour, 255))
        mist_y = int(base * h + amp * h * 0.4)
        for i in range(40):
            draw.line([(0, mist_y + i), (w, mist_y + i)], fill=(255, 255, 255, max(0, 30 - i)))
    for _ in range(26):  # pines on the near shore
        x = rng.randint(0, w)
        th = rng.randint(40, 110)
        base_y = horizon + 2
        draw.polygon(
            [(x, base_y - th), (x - th * 0.28, base_y), (x + th * 0.28, base_y)],
            fill=(18, 48, 42, 255),
        )
    sky = img.crop((0, horizon - (h - horizon), w, horizon)).transpose(
        Image.Transpose.FLIP_TOP_BOTTOM
    )
    water = sky.filter(ImageFilter.GaussianBlur(3))
    water = Image.blend(water, Image.new("RGB", water.size, (40, 86, 110)), 0.35)
    img.paste(water, (0, horizon))
    draw = ImageDraw.Draw(img, "RGBA")
    for _ in range(60):  # glints on the water
        y = rng.randint(horizon + 6, h - 4)
        x = sun[0] + rng.randint(-90, 90)
        draw.line([(x - 18, y), (x + 18, y)], fill=(255, 240, 210, 110), width=2)
    pav_x, pav_y = int(w * 0.2), horizon - 6  # a small pavilion on the shore
    draw.rectangle([pav_x - 34, pav_y - 46, pav_x + 34, pav_y], fill=(120, 40, 30, 255))
    draw.polygon(
        [(pav_x - 70, pav_y - 44), (pav_x + 70, pav_y - 44), (pav_x, pav_y - 92)],
        fill=(40, 36, 34, 255),
    )
    return img


def landscape_portrait() -> Image.Image:
    """The landscape at the size a portrait start screen draws it (1080 wide, cropped to its
    top band by `fit_mode: 'cover'`): a 2.9 MB texture instead of the 1600x1000's 6.4 MB."""
    return landscape().resize((1080, 675), Image.Resampling.LANCZOS)


def icon_ticket(size: int = 160, colour: tuple[int, ...] = WHITE) -> Image.Image:
    img, d = _canvas(size, size)
    d.rounded_rectangle(_box(18, 44, 142, 116), radius=10 * S, outline=colour, width=9 * S)
    d.ellipse(_box(8, 68, 30, 92), fill=(0, 0, 0, 0))
    d.line(_box(104, 52, 104, 108), fill=colour, width=6 * S)
    for y in (64, 80, 96):
        d.line(_box(36, y, 88, y), fill=colour, width=6 * S)
    return _finish(img)


def icon_pickup(size: int = 160, colour: tuple[int, ...] = WHITE) -> Image.Image:
    img, d = _canvas(size, size)
    d.rounded_rectangle(_box(22, 40, 138, 100), radius=12 * S, outline=colour, width=9 * S)
    d.rectangle(_box(46, 92, 114, 140), fill=colour)
    d.rectangle(_box(56, 104, 104, 110), fill=(0, 0, 0, 0))
    d.rectangle(_box(56, 118, 92, 124), fill=(0, 0, 0, 0))
    d.rectangle(_box(46, 20, 114, 44), outline=colour, width=8 * S)
    return _finish(img)


def icon_addon(size: int = 160, colour: tuple[int, ...] = WHITE) -> Image.Image:
    img, d = _canvas(size, size)  # a cable car on its rope
    d.line(_box(10, 40, 150, 20), fill=colour, width=7 * S)
    d.line(_box(80, 30, 80, 62), fill=colour, width=7 * S)
    d.rounded_rectangle(_box(40, 60, 120, 134), radius=14 * S, outline=colour, width=9 * S)
    d.line(_box(44, 92, 116, 92), fill=colour, width=7 * S)
    return _finish(img)


def icon_member(size: int = 160, colour: tuple[int, ...] = WHITE) -> Image.Image:
    img, d = _canvas(size, size)
    d.rounded_rectangle(_box(14, 36, 146, 124), radius=14 * S, outline=colour, width=9 * S)
    cx, cy, r = 58, 80, 26
    star = []
    for i in range(10):
        rad = r if i % 2 == 0 else r * 0.42
        a = -math.pi / 2 + i * math.pi / 5
        star.append(((cx + rad * math.cos(a)) * S, (cy + rad * math.sin(a)) * S))
    d.polygon(star, fill=colour)
    for y in (68, 92):
        d.line(_box(96, y, 128, y), fill=colour, width=7 * S)
    return _finish(img)


def icon_change(size: int = 160, colour: tuple[int, ...] = WHITE) -> Image.Image:
    img, d = _canvas(size, size)  # two arrows turning around
    d.arc(_box(26, 26, 134, 134), 200, 340, fill=colour, width=10 * S)
    d.arc(_box(26, 26, 134, 134), 20, 160, fill=colour, width=10 * S)
    d.polygon([(118 * S, 30 * S), (142 * S, 60 * S), (108 * S, 66 * S)], fill=colour)
    d.polygon([(42 * S, 130 * S), (18 * S, 100 * S), (52 * S, 94 * S)], fill=colour)
    return _finish(img)


def _down_arrows(d: ImageDraw.ImageDraw, *tops: int) -> None:
    """Orange chevrons pointing down, one under another: the card goes this way."""
    for y in tops:
        d.polygon([(240 * S, y * S), (280 * S, y * S), (260 * S, (y + 12) * S)], fill=ORANGE)


def picture_idcard(w: int = 520, h: int = 400) -> Image.Image:
    """An ID card coming down onto a reader."""
    img, d = _canvas(w, h)
    d.rounded_rectangle(_box(60, 250, 460, 360), radius=28 * S, fill=INK)
    d.rounded_rectangle(_box(120, 262, 400, 300), radius=12 * S, fill=(70, 78, 86, 255))
    d.ellipse(_box(404, 322, 424, 342), fill=(80, 200, 120, 255))
    d.rounded_rectangle(_box(130, 60, 390, 220), radius=18 * S, fill=(214, 232, 246, 255))
    d.rounded_rectangle(_box(130, 60, 390, 220), radius=18 * S, outline=BLUE, width=5 * S)
    d.rectangle(_box(300, 92, 366, 172), fill=(160, 186, 210, 255))
    d.ellipse(_box(318, 100, 348, 130), fill=WHITE)
    d.pieslice(_box(306, 128, 360, 182), 180, 360, fill=WHITE)
    for y, x1 in ((100, 270), (124, 250), (148, 270), (190, 360)):
        d.rounded_rectangle(_box(154, y, x1, y + 10), radius=5 * S, fill=(120, 146, 170, 255))
    _down_arrows(d, 228, 240)
    return _finish(img)


def picture_paycode(w: int = 520, h: int = 400) -> Image.Image:
    """A phone showing a payment code to the kiosk's camera."""
    img, d = _canvas(w, h)
    d.rounded_rectangle(_box(330, 40, 470, 110), radius=20 * S, fill=INK)
    d.ellipse(_box(376, 52, 424, 100), fill=(70, 78, 86, 255))
    d.ellipse(_box(388, 64, 412, 88), fill=(40, 120, 200, 255))
    d.rounded_rectangle(_box(70, 70, 250, 380), radius=26 * S, fill=INK)
    d.rounded_rectangle(_box(84, 100, 236, 350), radius=8 * S, fill=WHITE)
    rng = random.Random(3)
    for i in range(6):
        for j in range(6):
            if rng.random() < 0.55 or (i < 2 and j < 2):
                x, y = 104 + i * 19, 130 + j * 19
                d.rectangle(_box(x, y, x + 17, y + 17), fill=INK)
    for k in range(14):
        x = 100 + k * 9
        d.rectangle(_box(x, 268, x + (5 if k % 3 else 3), 318), fill=INK)
    for r in (40, 70, 100):
        d.arc(_box(300 - r, 210 - r, 300 + r, 210 + r), 300, 350, fill=ORANGE, width=6 * S)
    return _finish(img)


def picture_membercard(w: int = 520, h: int = 400) -> Image.Image:
    """A member card going into a card slot."""
    img, d = _canvas(w, h)
    d.rounded_rectangle(_box(60, 250, 460, 360), radius=28 * S, fill=INK)
    d.rounded_rectangle(_box(130, 268, 390, 284), radius=8 * S, fill=(10, 12, 14, 255))
    d.rounded_rectangle(_box(150, 40, 370, 262), radius=18 * S, fill=(212, 170, 70, 255))
    d.rounded_rectangle(_box(180, 170, 230, 210), radius=6 * S, fill=(240, 214, 140, 255))
    star = icon_member(120, WHITE)
    img.alpha_composite(star.resize((120 * S, 120 * S)), (200 * S, 52 * S))
    d.rectangle(_box(150, 262, 370, 290), fill=INK)
    _down_arrows(d, 300, 314)
    return _finish(img)


def picture_printer(w: int = 520, h: int = 400) -> Image.Image:
    """A ticket coming out of the printer."""
    img, d = _canvas(w, h)
    d.rounded_rectangle(_box(70, 60, 450, 220), radius=28 * S, fill=INK)
    d.rounded_rectangle(_box(130, 190, 390, 210), radius=8 * S, fill=(10, 12, 14, 255))
    d.rectangle(_box(160, 200, 360, 370), fill=WHITE)
    d.rectangle(_box(160, 200, 360, 370), outline=GREY, width=3 * S)
    for y, x1 in ((228, 330), (252, 300), (276, 320)):
        d.rounded_rectangle(_box(184, y, x1, y + 10), radius=5 * S, fill=GREY)
    d.rectangle(_box(290, 300, 340, 350), fill=INK)
    d.ellipse(_box(400, 90, 420, 110), fill=(80, 200, 120, 255))
    return _finish(img)


PICTURES: dict[str, Callable[[], Image.Image]] = {
    "landscape.png": landscape,
    "landscape_portrait.png": landscape_portrait,
    "icon_ticket.png": icon_ticket,
    "icon_pickup.png": icon_pickup,
    "icon_addon.png": icon_addon,
    "icon_member.png": icon_member,
    "icon_change.png": icon_change,
    "device_idcard.png": picture_idcard,
    "device_paycode.png": picture_paycode,
    "device_membercard.png": picture_membercard,
    "device_printer.png": picture_printer,
}


def draw_all(folder: Path = IMG_DIR) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, draw in PICTURES.items():
        path = folder / name
        image = draw()
        if name.endswith(".png") and image.mode == "RGB":
            image.save(path, optimize=True)
        else:
            image.save(path)
        written.append(path)
    return written


if __name__ == "__main__":
    for path in draw_all(Path(sys.argv[1]) if len(sys.argv) > 1 else IMG_DIR):
        print(path)
