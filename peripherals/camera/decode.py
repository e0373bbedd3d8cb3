"""The camera's decoding pipeline: find QR and Code 128 codes in one BGR frame, fast and surely.

Cheapest step first, stopping at the first that reads something valid:

1. the region of the last hit (a phone held still is where it was a frame ago);
2. zxing-cpp on the frame downscaled by 2 (large, near codes);
3. zxing-cpp on the full frame (small modules, ~2-3 px);
4. pyzbar on each candidate region (step 5's boxes; a second decoder with its own
   binarizer; on the full frame it took up to 50 ms);
5. candidate regions (where the image is busy with fine edges), each cut out, enlarged ×2
   and tried raw, with local contrast equalised (CLAHE, for glare and dim screens) and
   binarized by an adaptive threshold, by zxing-cpp then pyzbar (a region is enlarged up to
   800 px a side, which bounds the time of one try);
6. on a region smeared by a moving hand (peripherals.camera.deblur: the smear's direction and
   length estimated), a Wiener deconvolution with a line kernel, a few kernels around the
   estimate, by zxing-cpp raw and enlarged ×2. When the top region is smeared its first
   kernel is tried before pyzbar and the other regions.

Steps 1-3 are cheap and run on every frame; the slow ones (4-6) run within a frame-time
budget (`budget_ms`, 40 ms in the live loop): a slow step is started only when its expected
cost (a running mean per kind of step) still fits. The live loop picks up the slow steps
where the last frame stopped (`spread=True`): over successive frames of the same code every
slow step is tried once, and no frame stalls the loop.

No wrong reads: QR carries Reed-Solomon, so a QR read is trusted; a Code 128 read (a mod-103
checksum only) is accepted only when the caller's `accept_code128(text)` says it is a code it
knows. With no such check no Code 128 read is trusted: the safe default, as a railing or a
striped shirt reads as a valid Code 128 now and then. The kiosk passes
`kiosk.devices.known_code` (a payment, order, member or ticket code, by kiosk.domain's rule),
and bench.scan passes the same, so the bench measures the kiosk's pipeline. Every figure
behind this order is in docs/bench-scan.md.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable

import cv2
import numpy as np
import zxingcpp
from pyzbar import pyzbar

from peripherals.camera.deblur import NO_SMEAR_ISOTROPY, Smear, estimate_smear, hypotheses, wiener
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
MAX_ENLARGED_SIDE = 800  # a region is enlarged ×2 at most up to this (bounds a step's time)
VARIANTS = ("raw", "equalised", "binary")
DEBLUR_REGIONS = 2  # the densest regions that get deconvolved
DEBLUR_KERNELS = 4  # kernels tried per smeared region (hypotheses around the estimate)
CHEAP_STEPS = ("roi", "half", "full")
# expected cost of each kind of step, ms on one core (a start; the decoder keeps running means)
STEP_COST_MS = {"zbar": 3.0, "region": 2.0, "deblur": 6.0}


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


def _enlarged(crop: np.ndarray) -> tuple[np.ndarray, float]:
    """The crop enlarged ×2, or less so that its longer side stays within MAX_ENLARGED_SIDE."""
    scale = max(1.0, min(2.0, MAX_ENLARGED_SIDE / max(crop.shape[:2])))
    if scale == 1.0:
        return crop, 1.0
    return cv2.resize(crop, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC), scale


def _variant(big: np.ndarray, kind: str) -> np.ndarray:
    """The enlarged crop as tried by the slow steps: raw, equalised, or binarized."""
    if kind == "raw":
        return big
    equalised = _CLAHE.apply(big)
    if kind == "equalised":
        return equalised
    return cv2.adaptiveThreshold(
        cv2.GaussianBlur(equalised, (0, 0), 1.0),
        255,
        cv2.ADAPTIVE_THRESH_GAUSSIAN_C,
        cv2.THRESH_BINARY,
        31,
        5,
    )


class FrameDecoder:
    """The pipeline with its memory of where the last code was (for the camera loop)."""

    def __init__(
        self,
        remember_region: bool = True,
        thorough_every: int = 1,
        accept_code128: CodeCheck | None = None,
        budget_ms: float | None = None,
        spread: bool = False,
        clock: Callable[[], float] = time.thread_time,
    ) -> None:
        self.remember_region = remember_region
        self.accept_code128 = accept_code128  # see the module's docstring
        # the slow steps (pyzbar, regions) on every Nth empty frame only: a live camera at
        # 20 fps looking at an empty scene would otherwise spend a core on them
        self.thorough_every = max(1, thorough_every)
        # a frame's decode stops starting slow steps once their expected cost would pass this
        self.budget_ms = budget_ms
        self.spread = spread  # the next frame goes on with the slow steps where this one stopped
        self.clock = clock  # CPU time of the decoding thread: what the budget bounds
        self.cost_ms = dict(STEP_COST_MS)
        self.last_box: tuple[int, ...] | None = None
        self.last_step = ""
        self.over_budget = False  # the last frame left slow steps untried
        self._empty_frames = 0
        self._cursor = 0  # the first slow step the next frame tries (spread)

    def decode(self, frame: np.ndarray) -> list[Decoded]:
        start = self.clock()
        gray = frame if frame.ndim == 2 else cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
        self.over_budget = False
        for step, attempt in self._cheap_steps(gray):
            found = attempt()
            if found:
                return self._hit(step, found, gray)
        if self._empty_frames % self.thorough_every == 0:
            found_step = self._slow(gray, start)
            if found_step is not None:
                return self._hit(found_step[0], found_step[1], gray)
        self._empty_frames += 1
        self.last_step = ""
        self.last_box = None
        return []

    def _hit(self, step: str, found: list[Decoded], gray: np.ndarray) -> list[Decoded]:
        self.last_step = step
        if self.remember_region:
            self.last_box = _box_around(found, gray.shape)
        self._empty_frames = 0
        self._cursor = 0
        return found

    def _slow(self, gray: np.ndarray, start: float) -> tuple[str, list[Decoded]] | None:
        """The slow steps within the budget, from the cursor on when spreading."""
        steps = self._slow_steps(gray)
        first = self._cursor % len(steps) if self.spread and steps else 0
        order = steps[first:] + steps[:first]
        for index, (step, attempt) in enumerate(order):
            if self.budget_ms is not None:
                spent = (self.clock() - start) * 1000.0
                if spent + self.cost_ms.get(step, 10.0) > self.budget_ms:
                    self.over_budget = True
                    self._cursor = (first + index) % len(steps)
                    return None
            began = self.clock()
            found = attempt()
            took = (self.clock() - began) * 1000.0
            self.cost_ms[step] = 0.8 * self.cost_ms.get(step, took) + 0.2 * took
            if found:
                return step, found
        self._cursor = 0
        return None

    def _cheap_steps(self, gray: np.ndarray) -> Iterable[tuple[str, Callable[[], list[Decoded]]]]:
        if self.last_box is not None:
            x0, y0, x1, y1 = self.last_box
            yield "roi", lambda: self._mapped(read_zxing(gray[y0:y1, x0:x1]), 1.0, x0, y0)
        half = cv2.resize(gray, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)
        yield "half", lambda: self._mapped(read_zxing(half), 0.5, 0, 0)
        yield "full", lambda: self._mapped(read_zxing(gray), 1.0, 0, 0)

    def _slow_steps(self, gray: np.ndarray) -> list[tuple[str, Callable[[], list[Decoded]]]]:
        """The enhanced regions by zxing-cpp, then by pyzbar, and the deconvolved ones, in the
        order tried: the first kernels go first when the top region is smeared."""
        boxes = candidate_regions(gray)
        smears: dict[int, Smear] = {}

        def smear_of(i: int) -> Smear:
            if i not in smears:
                x0, y0, x1, y1 = boxes[i]
                smears[i] = estimate_smear(gray[y0:y1, x0:x1])
            return smears[i]

        def deblur(i: int, k: int) -> Callable[[], list[Decoded]]:
            return lambda: self._on_deblurred(gray, boxes[i], smear_of(i), k)

        zbar: list[tuple[str, Callable[[], list[Decoded]]]] = [
            ("zbar", lambda box=box: self._on_crop(read_zbar, gray, box)) for box in boxes
        ]

        def region(reader: Reader, kind: str) -> list[tuple[str, Callable[[], list[Decoded]]]]:
            return [
                ("region", lambda box=box: self._on_region(reader, gray, box, kind))
                for box in boxes
            ]

        # zxing-cpp on every variant of every region first (~1 ms a try), pyzbar after (3-4 ms)
        quick = [step for kind in VARIANTS for step in region(read_zxing, kind)]
        slow = zbar + [
            step for kind in ("raw", "binary", "equalised") for step in region(read_zbar, kind)
        ]
        deblurs = [
            ("deblur", deblur(i, k))
            for k in range(DEBLUR_KERNELS)
            for i in range(min(DEBLUR_REGIONS, len(boxes)))
        ]
        if boxes and smear_of(0).isotropy < NO_SMEAR_ISOTROPY:
            return deblurs[:2] + quick + deblurs[2:] + slow
        return quick + slow + deblurs

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

    def _on_crop(self, reader: Reader, gray: np.ndarray, box: tuple[int, ...]) -> list[Decoded]:
        x0, y0, x1, y1 = box
        crop = gray[y0:y1, x0:x1]
        return self._mapped(reader(crop), 1.0, x0, y0) if crop.size else []

    def _on_region(
        self, reader: Reader, gray: np.ndarray, box: tuple[int, ...], kind: str
    ) -> list[Decoded]:
        """One variant of an enlarged region, by one decoder."""
        x0, y0, x1, y1 = box
        crop = gray[y0:y1, x0:x1]
        if crop.size == 0:
            return []
        big, scale = _enlarged(crop)
        return self._mapped(reader(_variant(big, kind)), scale, x0, y0)

    def _on_deblurred(
        self, gray: np.ndarray, box: tuple[int, ...], smear: Smear, kernel: int
    ) -> list[Decoded]:
        """The region deconvolved by the `kernel`-th line kernel around its smear estimate."""
        x0, y0, x1, y1 = box
        crop = gray[y0:y1, x0:x1]
        if crop.size == 0 or smear.length < 1.5 or smear.isotropy >= NO_SMEAR_ISOTROPY:
            return []
        length, angle = hypotheses(smear)[kernel % DEBLUR_KERNELS]
        sharp, scale = wiener(crop, length, angle)
        found = self._mapped(read_zxing(sharp), scale, x0, y0)
        if not found:
            big = cv2.resize(sharp, None, fx=2.0, fy=2.0, interpolation=cv2.INTER_CUBIC)
            found = self._mapped(read_zxing(big), 2.0 * scale, x0, y0)
        return found


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
