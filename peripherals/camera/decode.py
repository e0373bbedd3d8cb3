"""The camera's decoding pipeline: find QR and Code 128 codes in one BGR frame, fast and surely.

Cheapest step first, stopping at the first that reads something valid:

1. the region of the last hit (a phone held still is where it was a frame ago);
2. zxing-cpp on the frame downscaled by 2 (large, near codes);
3. zxing-cpp on the full frame (small modules, ~2-3 px);
4. pyzbar on the full frame (a second decoder with its own binarizer);
5. candidate regions (where the image is busy with fine edges), each cut out, enlarged ×2
   and tried raw, with local contrast equalised (CLAHE, for glare and dim screens) and
   binarized by an adaptive threshold, by zxing-cpp then pyzbar.

No wrong reads: QR carries Reed-Solomon, so a QR read is trusted; a Code 128 read (a mod-103
checksum only) is accepted only when the caller's `accept_code128(text)` says it is a code it
knows. With no such check no Code 128 read is trusted: the safe default, as a railing or a
striped shirt reads as a valid Code 128 now and then. The kiosk passes
`kiosk.devices.known_code` (a payment, order, member or ticket code, by kiosk.domain's rule),
and bench.scan passes the same, so the bench measures the kiosk's pipeline. Every figure
behind this order is in docs/bench-scan.md.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import cv2
import numpy as np
import zxingcpp
from pyzbar import pyzbar

from peripherals.camera.protocol import CODE128, QR, Decoded, Point

__all__ = ["CODE128", "QR", "CodeCheck", "Decoded", "FrameDecoder", "acceptable", "decode_frame"]

# Whether a Code 128 text is one the caller knows (and so may be trusted with a mere checksum).
CodeCheck = Callable[[str], bool]

_ZX_FORMATS = (zxingcpp.BarcodeFormat.QRCode, zxingcpp.BarcodeFormat.Code128)
_ZX_NAMES = {zxingcpp.BarcodeFormat.QRCode: QR, zxingcpp.BarcodeFormat.Code128: CODE128}
_ZBAR_SYMBOLS = [pyzbar.ZBarSymbol.QRCODE, pyzbar.ZBarSymbol.CODE128]
_ZBAR_NAMES = {"QRCODE": QR, "CODE128": CODE128}

_CLAHE = cv2.createCLAHE(clipLimit=3.0, tileGridSize=(8, 8))
MAX_CANDIDATES = 3


# A decoder reads a greyscale image and returns (text, symbology, polygon) in its coordinates.
RawRead = tuple[str, str, tuple[Point, ...]]
Reader = Callable[[np.ndarray], list[RawRead]]


def read_zxing(gray: np.ndarray) -> list[RawRead]:
    gray = np.ascontiguousarray(gray)
    found = zxingcpp.read_barcodes(gray, formats=_ZX_FORMATS, try_invert=False)
    out: list[RawRead] = []
    for result in found:
        pos = result.position
        corners = (pos.top_left, pos.top_right, pos.bottom_right, pos.bottom_left)
        out.append((result.text, _ZX_NAMES[result.format], tuple((p.x, p.y) for p in corners)))
    return out


def read_zbar(gray: np.ndarray) -> list[RawRead]:
    out: list[RawRead] = []
    for result in pyzbar.decode(np.ascontiguousarray(gray), symbols=_ZBAR_SYMBOLS):
        try:
            text = result.data.decode("utf-8")
        except UnicodeDecodeError:
            continue
        polygon = tuple((float(p.x), float(p.y)) for p in result.polygon)
        out.append((text, _ZBAR_NAMES.get(result.type, result.type.lower()), polygon))
    return out


def acceptable(text: str, symbology: str, accept_code128: CodeCheck | None = None) -> bool:
    """A read we trust: any QR; a Code 128 only when `accept_code128` knows it (none without)."""
    if not text or "\x00" in text:
        return False
    if symbology == QR:
        return True
    return accept_code128 is not None and accept_code128(text)


def candidate_regions(gray: np.ndarray, limit: int = MAX_CANDIDATES) -> list[tuple[int, ...]]:
    """Boxes (x0, y0, x1, y1) where fine dark/light edges crowd together, densest first."""
    small = cv2.resize(gray, None, fx=0.25, fy=0.25, interpolation=cv2.INTER_AREA)
    grad = cv2.morphologyEx(small, cv2.MORPH_GRADIENT, np.ones((3, 3), np.uint8))
    _, edges = cv2.threshold(grad, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
    blob = cv2.morphologyEx(edges, cv2.MORPH_CLOSE, np.ones((5, 5), np.uint8))
    blob = cv2.morphologyEx(blob, cv2.MORPH_OPEN, np.ones((3, 3), np.uint8))
    contours, _ = cv2.findContours(blob, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    scored: list[tuple[float, tuple[int, ...]]] = []
    for contour in contours:
        x, y, w, h = cv2.boundingRect(contour)
        if w < 6 or h < 6:
            continue
        density = float(edges[y : y + h, x : x + w].mean()) / 255.0
        scored.append((density * np.sqrt(w * h), (x, y, w, h)))
    scored.sort(reverse=True)
    boxes: list[tuple[int, ...]] = []
    for _, (x, y, w, h) in scored[:limit]:
        margin = 3
        boxes.append(
            (
                max(0, (x - margin) * 4),
                max(0, (y - margin) * 4),
                min(gray.shape[1], (x + w + margin) * 4),
                min(gray.shape[0], (y + h + margin) * 4),
            )
        )
    return boxes


def _enhanced(crop: np.ndarray) -> list[np.ndarray]:
    """The crop as tried by the slow steps: enlarged, then equalised, then binarized."""
    big = cv2.resize(crop, None, fx=2.0, fy=2.0, interpolation=cv2.INTER_CUBIC)
    equalised = _CLAHE.apply(big)
    binary = cv2.adaptiveThreshold(
        cv2.GaussianBlur(equalised, (0, 0), 1.0),
        255,
        cv2.ADAPTIVE_THRESH_GAUSSIAN_C,
        cv2.THRESH_BINARY,
        31,
        5,
    )
    return [big, equalised, binary]


class FrameDecoder:
    """The pipeline with its memory of where the last code was (for the camera loop)."""

    def __init__(
        self,
        remember_region: bool = True,
        thorough_every: int = 1,
        accept_code128: CodeCheck | None = None,
    ) -> None:
        self.remember_region = remember_region
        self.accept_code128 = accept_code128  # see the module's docstring
        # the slow steps (pyzbar, regions) on every Nth empty frame only: a live camera at
        # 20 fps looking at an empty scene would otherwise spend a core on them
        self.thorough_every = max(1, thorough_every)
        self.last_box: tuple[int, ...] | None = None
        self.last_step = ""
        self._empty_frames = 0

    def decode(self, frame: np.ndarray) -> list[Decoded]:
        gray = frame if frame.ndim == 2 else cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
        thorough = self._empty_frames % self.thorough_every == 0
        for step, attempt in self._steps(gray):
            if step in ("zbar", "region") and not thorough:
                break
            found = attempt()
            if found:
                self.last_step = step
                if self.remember_region:
                    self.last_box = _box_around(found, gray.shape)
                self._empty_frames = 0
                return found
        self._empty_frames += 1
        self.last_step = ""
        self.last_box = None
        return []

    def _steps(self, gray: np.ndarray) -> Iterable[tuple[str, Callable[[], list[Decoded]]]]:
        if self.last_box is not None:
            x0, y0, x1, y1 = self.last_box
            yield "roi", lambda: self._mapped(read_zxing(gray[y0:y1, x0:x1]), 1.0, x0, y0)
        half = cv2.resize(gray, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)
        yield "half", lambda: self._mapped(read_zxing(half), 0.5, 0, 0)
        yield "full", lambda: self._mapped(read_zxing(gray), 1.0, 0, 0)
        yield "zbar", lambda: self._mapped(read_zbar(gray), 1.0, 0, 0)
        for box in candidate_regions(gray):
            yield "region", lambda box=box: self._on_region(gray, box)

    def _mapped(
        self, reads: Iterable[RawRead], scale: float, dx: float, dy: float
    ) -> list[Decoded]:
        """The trusted reads, once each, with their polygons in frame coordinates."""
        out: list[Decoded] = []
        seen: set[tuple[str, str]] = set()
        for text, symbology, polygon in reads:
            if not acceptable(text, symbology, self.accept_code128) or (text, symbology) in seen:
                continue
            seen.add((text, symbology))
            frame_polygon = tuple((x / scale + dx, y / scale + dy) for x, y in polygon)
            out.append(Decoded(text, symbology, frame_polygon))
        return out

    def _on_region(self, gray: np.ndarray, box: tuple[int, ...]) -> list[Decoded]:
        x0, y0, x1, y1 = box
        crop = gray[y0:y1, x0:x1]
        if crop.size == 0:
            return []
        for variant in _enhanced(crop):
            for reader in (read_zxing, read_zbar):
                found = self._mapped(reader(variant), 2.0, x0, y0)
                if found:
                    return found
        return []


def _box_around(found: list[Decoded], shape: tuple[int, ...]) -> tuple[int, ...]:
    points = np.array([p for d in found for p in d.polygon], dtype=np.float32)
    x0, y0 = points.min(axis=0)
    x1, y1 = points.max(axis=0)
    pad = 0.5 * max(x1 - x0, y1 - y0) + 20
    return (
        max(0, int(x0 - pad)),
        max(0, int(y0 - pad)),
        min(shape[1], int(x1 + pad)),
        min(shape[0], int(y1 + pad)),
    )


def decode_frame(frame_bgr: np.ndarray, accept_code128: CodeCheck | None = None) -> list[Decoded]:
    """Every trusted QR and Code 128 in one frame, with no memory of earlier frames."""
    return FrameDecoder(remember_region=False, accept_code128=accept_code128).decode(frame_bgr)
