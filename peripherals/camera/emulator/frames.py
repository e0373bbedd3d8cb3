"""Camera frames with a code in them: a phone screen or a paper slip held in front of a scene.

Used by the camera emulator (live frames) and by the scanner benchmark's corpus. A code is
drawn at a given module size, tilted out of the plane (perspective), rotated in the plane,
then the camera's faults are applied: blur, hand motion (a linear smear in any direction), a
glare spot, low contrast, sensor noise, JPEG. `hand_path` gives the same code over successive
frames as a moving hand shows it (the stream mode of the scanner's corpus).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np
import zxingcpp

from peripherals.camera.deblur import line_kernel

FRAME_W, FRAME_H = 1280, 720
FOCAL_PX = 1100.0  # a 720p camera with a ~60° horizontal field of view

KINDS = ("qr", "code128", "payment")


@dataclass(frozen=True)
class CodeLook:
    """How a code appears to the camera."""

    text: str
    kind: str = "qr"  # "qr", "code128", or "payment" (a phone's Code 128 above a QR)
    medium: str = "screen"  # "screen" (a phone) or "paper"
    module_px: float = 5.0  # one QR module (or, for kind "code128", one bar module) in pixels
    angle: float = 0.0  # tilt out of the image plane, degrees (0 = facing the camera)
    tilt_axis: float = 0.0  # direction of the tilt axis in the image plane, degrees
    rotation: float = 0.0  # rotation in the image plane, degrees
    blur: float = 0.0  # Gaussian blur sigma in pixels (focus)
    motion: float = 0.0  # hand motion: length of the linear smear in pixels (0 = none)
    motion_angle: float = 0.0  # direction of the smear in the image plane, degrees
    glare: bool = False  # a bright reflection over part of the code
    glare_strength: float = 0.7  # 0..1: how far the glare spot washes towards white
    contrast: float = 1.0  # 1 = full; 0.3 = a dim screen or faded print
    noise: float = 0.0  # sensor noise sigma in grey levels
    jpeg_quality: int = 0  # 0 = no JPEG round trip
    center: tuple[float, float] = (0.5, 0.5)  # where the code sits, as fractions of the frame
    seed: int = 0  # places the glare spot and the noise


def _symbol(text: str, fmt: zxingcpp.BarcodeFormat) -> np.ndarray:
    """The symbol at one pixel per module with its quiet zone, 0 = dark, 255 = light."""
    if fmt == zxingcpp.BarcodeFormat.QRCode:
        barcode = zxingcpp.create_barcode(text, fmt, ec_level="M")
    else:
        barcode = zxingcpp.create_barcode(text, fmt)
    image = np.asarray(zxingcpp.write_barcode_to_image(barcode, scale=1, add_quiet_zones=True))
    if fmt != zxingcpp.BarcodeFormat.QRCode:
        image = image[:1, :]  # one row of bars; the caller chooses the bar height
    return image.astype(np.uint8)


def _scaled(symbol: np.ndarray, module: float, height: int | None = None) -> np.ndarray:
    h = height if height is not None else max(1, round(symbol.shape[0] * module))
    w = max(1, round(symbol.shape[1] * module))
    return cv2.resize(symbol, (w, h), interpolation=cv2.INTER_NEAREST)


def _paste(canvas: np.ndarray, image: np.ndarray, x: int, y: int) -> None:
    h, w = image.shape[:2]
    canvas[y : y + h, x : x + w] = image[..., None] if canvas.ndim == 3 else image


def render_card(look: CodeLook) -> np.ndarray:
    """The phone screen (with its bezel) or the paper slip carrying the code, BGR, face-on."""
    return _card(look)[0]


def _card(look: CodeLook) -> tuple[np.ndarray, tuple[int, int] | None]:
    """The card, and where its QR symbol (with its quiet zone) starts on it, if it has one."""
    m = look.module_px
    parts: list[np.ndarray] = []
    if look.kind in ("qr", "payment"):
        parts.append(_scaled(_symbol(look.text, zxingcpp.BarcodeFormat.QRCode), m))
    if look.kind in ("code128", "payment"):
        bars = _symbol(look.text, zxingcpp.BarcodeFormat.Code128)
        # on a payment screen the barcode spans the screen: its bars are ~0.4 of a QR module
        bar_module = m if look.kind == "code128" else max(1.0, 0.45 * m)
        bar_width = bars.shape[1] * bar_module
        parts.insert(0, _scaled(bars, bar_module, height=max(8, round(bar_width * 0.22))))
    width = max(p.shape[1] for p in parts)
    gap = max(6, round(4 * m))
    header = round(width * 0.16) if look.medium == "screen" else round(width * 0.1)
    height = header + gap + sum(p.shape[0] + gap for p in parts) + gap
    pad = gap
    paper_tone = 244 if look.medium == "paper" else 255
    card = np.full((height, width + 2 * pad, 3), paper_tone, np.uint8)
    if look.medium == "screen":
        # the app's coloured header: WeChat green for 1x codes, Alipay blue otherwise
        colour = (80, 175, 40) if look.text[:1] == "1" else (220, 140, 20)
        card[:header] = colour
    else:
        for row in range(header // 3, header, max(4, header // 4)):
            card[row : row + 2, pad : pad + width // 2] = 90  # printed text lines
    y = header + gap
    qr_at: tuple[int, int] | None = None
    for part in parts:
        x = pad + (width - part.shape[1]) // 2
        _paste(card, part, x, y)
        if part is parts[-1] and look.kind in ("qr", "payment"):
            qr_at = (x, y)  # the QR is always the last part
        y += part.shape[0] + gap
    if look.medium == "screen":
        bezel = max(8, round(0.06 * card.shape[1]))
        card = cv2.copyMakeBorder(card, bezel * 2, bezel * 2, bezel, bezel, cv2.BORDER_CONSTANT,
                                  value=(25, 25, 28))  # fmt: skip
        if qr_at is not None:
            qr_at = (qr_at[0] + bezel, qr_at[1] + 2 * bezel)
    return card, qr_at


def scene(seed: int, width: int = FRAME_W, height: int = FRAME_H) -> np.ndarray:
    """A scene-like background: sky and ground, shapes, railings (stripes), signs with text."""
    rng = np.random.default_rng(seed)
    top = rng.integers(120, 240, 3)
    bottom = rng.integers(30, 140, 3)
    ramp = np.linspace(0.0, 1.0, height)[:, None, None]
    img = (top * (1 - ramp) + bottom * ramp).repeat(width, axis=1).astype(np.uint8)
    for _ in range(rng.integers(6, 14)):
        colour = tuple(int(c) for c in rng.integers(0, 255, 3))
        x, y = int(rng.integers(0, width)), int(rng.integers(0, height))
        if rng.random() < 0.5:
            axes = (int(rng.integers(20, 260)), int(rng.integers(20, 200)))
            cv2.ellipse(img, (x, y), axes, float(rng.uniform(0, 180)), 0, 360, colour, -1)
        else:
            w, h = int(rng.integers(30, 400)), int(rng.integers(30, 300))
            cv2.rectangle(img, (x, y), (x + w, y + h), colour, -1)
    # a railing: stripes of varying width, the kind of texture that fools a 1D decoder
    x0, y0 = int(rng.integers(0, width // 2)), int(rng.integers(height // 2, height - 60))
    x = x0
    while x < min(width, x0 + int(rng.integers(150, 600))):
        w = int(rng.integers(2, 12))
        cv2.rectangle(img, (x, y0), (x + w, y0 + int(rng.integers(40, 160))), (20, 20, 20), -1)
        x += w + int(rng.integers(2, 14))
    for _ in range(rng.integers(1, 4)):
        org = (int(rng.integers(0, width - 200)), int(rng.integers(30, height)))
        words = "".join(chr(int(c)) for c in rng.integers(65, 91, int(rng.integers(4, 12))))
        cv2.putText(img, words, org, cv2.FONT_HERSHEY_SIMPLEX, float(rng.uniform(0.6, 2.0)),
                    (255, 255, 255), 2, cv2.LINE_AA)  # fmt: skip
    return cv2.GaussianBlur(img, (0, 0), 1.2)


def _projected_corners(w: int, h: int, look: CodeLook, frame_w: int, frame_h: int) -> np.ndarray:
    """Where the card's corners land after tilt, in-plane rotation and a pinhole projection."""
    pts = np.array([[-w / 2, -h / 2, 0], [w / 2, -h / 2, 0], [w / 2, h / 2, 0], [-w / 2, h / 2, 0]])
    rot = math.radians(look.rotation)
    cz, sz = math.cos(rot), math.sin(rot)
    in_plane = np.array([[cz, -sz, 0], [sz, cz, 0], [0, 0, 1]])
    axis = math.radians(look.tilt_axis)
    k = np.array([math.cos(axis), math.sin(axis), 0.0])
    tilt, _ = cv2.Rodrigues(k * math.radians(look.angle))
    world = pts @ in_plane.T @ tilt.T
    z = world[:, 2] + FOCAL_PX  # the card's centre is at the distance where 1 px = 1 px
    cx, cy = look.center[0] * frame_w, look.center[1] * frame_h
    return np.stack([cx + FOCAL_PX * world[:, 0] / z, cy + FOCAL_PX * world[:, 1] / z], axis=1)


def _card_to_frame(card_shape: tuple[int, ...], look: CodeLook, frame_w: int, frame_h: int):
    """The homography from the card's pixel coordinates to the frame's."""
    h, w = card_shape[:2]
    src = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    dst = _projected_corners(w, h, look, frame_w, frame_h).astype(np.float32)
    return cv2.getPerspectiveTransform(src, dst)


def qr_modules(
    look: CodeLook, frame_w: int = FRAME_W, frame_h: int = FRAME_H
) -> tuple[np.ndarray, np.ndarray] | None:
    """Where each QR module's centre lands in the frame (N×N×2, x and y in px) and which are
    dark (N×N), for a look with a QR; None without one. The truth a scanner is measured
    against when asking what a frame still holds (bench.scan_bound)."""
    if look.kind not in ("qr", "payment"):
        return None
    card, qr_at = _card(look)
    if qr_at is None:
        return None
    symbol = _symbol(look.text, zxingcpp.BarcodeFormat.QRCode)
    side = symbol.shape[0]
    drawn = round(
        side * look.module_px
    )  # _scaled's size; its INTER_NEAREST takes floor(j·side/drawn)
    of_px = np.floor(np.arange(drawn) * side / drawn).astype(int)
    centre = np.array([np.arange(drawn)[of_px == k].mean() for k in range(side)])
    dark_cols = np.flatnonzero(symbol.min(axis=0) < 128)
    first, last = int(dark_cols[0]), int(dark_cols[-1])
    xs = qr_at[0] + centre[first : last + 1]
    ys = qr_at[1] + centre[first : last + 1]
    grid = np.stack(np.meshgrid(xs, ys), axis=-1).reshape(-1, 1, 2).astype(np.float64)
    matrix = _card_to_frame(card.shape, look, frame_w, frame_h)
    n = last - first + 1
    points = cv2.perspectiveTransform(grid, matrix).reshape(n, n, 2)
    return points, symbol[first : last + 1, first : last + 1] < 128


def place(background: np.ndarray, card: np.ndarray, look: CodeLook) -> np.ndarray:
    """The card warped into the background by the look's geometry."""
    frame_h, frame_w = background.shape[:2]
    h, w = card.shape[:2]
    matrix = _card_to_frame(card.shape, look, frame_w, frame_h)
    warped = cv2.warpPerspective(card, matrix, (frame_w, frame_h), flags=cv2.INTER_LINEAR)
    mask = cv2.warpPerspective(np.full((h, w), 255, np.uint8), matrix, (frame_w, frame_h))
    out = background.copy()
    inside = mask > 127
    out[inside] = warped[inside]
    return out


def _glare(img: np.ndarray, look: CodeLook, box: tuple[int, int, int, int]) -> np.ndarray:
    """A soft bright reflection centred somewhere over the code, plus a small saturated core."""
    rng = np.random.default_rng(look.seed + 7)
    x0, y0, x1, y1 = box
    cx = rng.uniform(x0 + 0.2 * (x1 - x0), x1 - 0.2 * (x1 - x0))
    cy = rng.uniform(y0 + 0.2 * (y1 - y0), y1 - 0.2 * (y1 - y0))
    radius = max(8.0, rng.uniform(0.25, 0.45) * max(x1 - x0, y1 - y0))
    yy, xx = np.ogrid[: img.shape[0], : img.shape[1]]
    dist2 = ((xx - cx) ** 2 + (yy - cy) ** 2) / (radius**2)
    alpha = (look.glare_strength * np.exp(-dist2 * 1.5)).astype(np.float32)[..., None]
    out = img.astype(np.float32) * (1 - alpha) + 255.0 * alpha
    return np.clip(out, 0, 255).astype(np.uint8)


def apply_faults(img: np.ndarray, look: CodeLook, box: tuple[int, int, int, int]) -> np.ndarray:
    """Blur, motion, glare, low contrast, noise and JPEG, in the order a camera adds them."""
    out = img
    if look.contrast < 1.0:
        x0, y0, x1, y1 = box
        region = out[y0:y1, x0:x1].astype(np.float32)
        mean = float(region.mean())
        faded = mean + (region - mean) * look.contrast
        out = out.copy()
        out[y0:y1, x0:x1] = np.clip(faded, 0, 255).astype(np.uint8)
    if look.glare:
        out = _glare(out, look, box)
    if look.blur > 0:
        out = cv2.GaussianBlur(out, (0, 0), look.blur)
    if look.motion > 0:
        out = cv2.filter2D(out, -1, line_kernel(look.motion, look.motion_angle))
    if look.noise > 0:
        rng = np.random.default_rng(look.seed + 11)
        grain = rng.normal(0.0, look.noise, out.shape).astype(np.float32)
        out = np.clip(out.astype(np.float32) + grain, 0, 255).astype(np.uint8)
    if look.jpeg_quality:
        ok, data = cv2.imencode(".jpg", out, [cv2.IMWRITE_JPEG_QUALITY, int(look.jpeg_quality)])
        if ok:
            out = cv2.imdecode(data, cv2.IMREAD_COLOR)
    return out


def code_box(card_shape: tuple[int, ...], look: CodeLook, frame_w: int, frame_h: int) -> tuple:
    """The card's bounding box in the frame, clipped to the frame."""
    h, w = card_shape[:2]
    corners = _projected_corners(w, h, look, frame_w, frame_h)
    x0, y0 = np.floor(corners.min(axis=0)).astype(int)
    x1, y1 = np.ceil(corners.max(axis=0)).astype(int)
    return max(0, x0), max(0, y0), min(frame_w, x1), min(frame_h, y1)


def compose(background: np.ndarray, look: CodeLook | None) -> np.ndarray:
    """One camera frame: the background with the code as the look describes, or none."""
    if look is None:
        return background.copy()
    card = render_card(look)
    frame = place(background, card, look)
    box = code_box(card.shape, look, background.shape[1], background.shape[0])
    return apply_faults(frame, look, box)


def fits(look: CodeLook, frame_w: int = FRAME_W, frame_h: int = FRAME_H) -> bool:
    """True when the whole card lands inside the frame."""
    card = render_card(look)
    corners = _projected_corners(card.shape[1], card.shape[0], look, frame_w, frame_h)
    return bool(
        corners[:, 0].min() >= 0
        and corners[:, 1].min() >= 0
        and corners[:, 0].max() < frame_w
        and corners[:, 1].max() < frame_h
    )
