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
   800 px a side, which bounds the time of one try); first of those, each region enlarged ×3
   (up to 800 px) with an unsharp mask, by zxing-cpp (`sharp`: codes of ~2 px modules);
6. on a region smeared by a moving hand (peripherals.camera.deblur: the smear's direction from
   the structure tensor, its length from the spectrum), the region turned along the smear and
   each row deconvolved by a 1-D Wiener filter, for the kernels of deblur.PLAN in order (the
   estimate, then ±10° and ±20°, then shorter and longer), read by zxing-cpp raw and enlarged
   ×2. Where zxing-cpp finds a QR there that it cannot decode, the step that runs next reads it
   by its grid (`grid`, peripherals.camera.gridread: the corners fitted to the modules the
   standard fixes, each module called at its centre after a 2-D deconvolution). When the top
   region is smeared the first kernels on the two densest regions (DEBLUR_FIRST steps) are
   tried before every other slow step but the sharpened reads of those two regions (a few ms
   each), which go first;
7. while the scene moves (the live loop only: `spread`), each of the two densest regions read
   from this frame and up to three before it together (`fused`; peripherals.camera.fusion:
   the region followed back frame by frame by an affine registration, the frames averaged,
   enlarged and sharpened; not a region where nothing changed since the frame before, and
   such regions go after the others), for codes of under 2 px modules on a hand still moving:
   once the scene has moved for FUSED_FIRST_AFTER frames right after the sharpened reads,
   before that after the first deconvolutions (or zxing-cpp on each region raw).

Steps 1-3 are cheap and run on every frame; the slow ones (4-7) run within a frame-time
budget (`budget_ms`, 40 ms of the decode thread's CPU in the live loop): a slow step is
started only when its expected cost still fits, less a 2 ms margin. The expected cost is the
pixels the step works on times the 90th percentile of the last 40 costs per pixel of its kind
(a step's time follows its region's size); a step that does not fit is left for the next
frame and a smaller one after it may still run. The live loop spreads the slow steps over
frames (`spread=True`): the first `head` steps of the order (where most slow reads come
from) run on every frame, as a moving code is a new image each time, and the rest go on
where the last frame stopped. The slow steps run on every `thorough_every`th empty frame
only (the idle cost), but on every frame while the scene moves (a hand bringing a code in).

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
from typing import NamedTuple

import cv2
import numpy as np
import zxingcpp
from pyzbar import pyzbar

from peripherals.camera.deblur import MAX_SIDE, PLAN, AlongRows, SmearedRegion
from peripherals.camera.fusion import Link, Trail, fused_region
from peripherals.camera.gridread import Detection, detections, read_by_grid
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
# regions are ranked by edge density × √area × squareness (short side / long side) to this
# power: a striped background (railings, blinds, a shirt) outranked a smeared code of small
# modules in 39 of 160 hard moving frames with no squareness, in none with it
SQUARENESS_WEIGHT = 0.5
MAX_ENLARGED_SIDE = 800  # a region is enlarged ×2 at most up to this (bounds a step's time)
VARIANTS = ("raw", "equalised", "binary")
# a region is also read enlarged ×3 (less for a larger one, up to MAX_ENLARGED_SIDE) and
# sharpened: on a code of 2-2.5 px modules a smear of even half a module (1 px) or a little
# focus blur merges the modules, which ×2 alone does not part (docs/bench-scan.md "Small
# modules"); a region over SHARP_MAX_SIDE would be enlarged less than ×1.5: not tried
SHARP_MAX_SIDE = MAX_ENLARGED_SIDE / 1.5
SHARP_SIGMA = 2.0  # the unsharp mask's blur, px of a ×3 image (scaled with the factor)
SHARP_AMOUNT = 3.0  # how much of the detail is added back
DEBLUR_REGIONS = 2  # the densest regions that get deconvolved
DEBLUR_KERNELS = len(PLAN)  # kernels tried per smeared region (deblur.PLAN, in order)
DEBLUR_FIRST = 6  # deblur steps tried before the other slow ones when the top region is smeared
CHEAP_STEPS = ("roi", "half", "full")
# What a slow step costs, ms per million pixels it works on (one core; the 90th percentile of
# the measured cost over a least-squares line through 0, seed 18 corpus): a step's time
# follows the pixels it works on (the enlarged region; the deconvolved region shrunk to
# deblur.MAX_SIDE) with r 0.8-0.9. A start: the decoder keeps the 90th percentile of the last
# COST_WINDOW costs it saw per kind of step (`_learn`).
STEP_MS_PER_MPX = {
    "zbar": 48.0,
    "region:zxing:raw": 8.0,
    "region:zxing:equalised": 13.0,
    "region:zxing:binary": 24.0,
    "region:zxing:sharp": 13.0,
    "region:zxing:fused": 70.0,
    "region:zbar:raw": 40.0,
    "region:zbar:equalised": 52.0,
    "region:zbar:binary": 33.0,
    "deblur": 120.0,
    "grid": 200.0,
}
COST_WINDOW = 40
FUSED_FRAMES = 4  # a moving code's region read from this many successive frames together
# fused from two frames on (the chain of transforms grows by one a frame: fusion.NEW_LINKS);
# until the scene has moved for FUSED_FIRST_AFTER frames the fused reads go after the steps
# that read codes still coming in (the first deconvolutions, zxing-cpp on each region raw),
# then right after the sharpened reads (docs/bench-scan.md, "fourth pass")
FUSED_MIN_FRAMES = 2
FUSED_FIRST_AFTER = 3
# when spreading, the first slow steps of the order run on every frame: on the moving corpus
# the first seven (on a smeared region: the first 4 kernels and zxing-cpp on each region raw)
# are where 79 % of the slow reads come from (docs/bench-scan.md)
SPREAD_HEAD = 7
MIN_STEP_MPX = 0.02  # a step on a tiny region still costs its setup
BUDGET_MARGIN_MS = 3.0  # steps are packed up to the budget less this (a p95 within it)
# a scene "moved" when more than this share of a 1/8-size frame changed by > 20 grey levels
# (a hand bringing a phone in: 0.5-4 %; a code of 1.6 px modules on a small paper coming into
# an empty scene: 0.28 %; a still scene with sensor noise: 0 %), and the slow steps then run
# on every frame for the next MOVED_FRAMES frames
MOVED_SHARE = 0.001
MOVED_FRAMES = 10


# A decoder reads a greyscale image and returns (text, symbology, polygon) in its coordinates.
RawRead = tuple[str, str, tuple[Point, ...]]
Reader = Callable[[np.ndarray], list[RawRead]]


class SlowStep(NamedTuple):
    """One slow step: its name (what `last_step` reports), the try itself, and what the budget
    needs to know before starting it: its kind of cost and the pixels it works on."""

    name: str
    attempt: Callable[[], list[Decoded]]
    cost_key: str
    mpx: float


def _mpx(box: tuple[int, ...], scale: float = 1.0, side: float = 0.0) -> float:
    """Million pixels a step works on for a region: scaled, or shrunk to `side` at most."""
    x0, y0, x1, y1 = box
    w, h = (x1 - x0) * scale, (y1 - y0) * scale
    if side and max(w, h) > side:
        w, h = w * side / max(w, h), h * side / max(w, h)
    return max(MIN_STEP_MPX, w * h / 1e6)


def _enlarged_mpx(box: tuple[int, ...]) -> float:
    x0, y0, x1, y1 = box
    longer = max(1, x1 - x0, y1 - y0)
    return _mpx(box, max(1.0, min(2.0, MAX_ENLARGED_SIDE / longer)))


def _sharpenable(box: tuple[int, ...]) -> bool:
    """Whether a region is small enough to be read enlarged ×1.5 or more (`sharp`, `fused`)."""
    return max(box[2] - box[0], box[3] - box[1]) <= SHARP_MAX_SIDE


def _sharp_mpx(box: tuple[int, ...]) -> float:
    """Million pixels of a region enlarged as `sharp` and `fused` enlarge it."""
    return _mpx(box, _sharp_scale(max(box[2] - box[0], box[3] - box[1])))


def read_zxing(
    gray: np.ndarray,
    rotate: bool = True,
    downscale: bool = True,
    detected: list[Detection] | None = None,
) -> list[RawRead]:
    """zxing-cpp's reads; an image enlarged on purpose needs no `downscale`d tries, nor (on a
    deblurred region) the tries for a barcode turned by 90° (`rotate`): half the time. With a
    `detected` list, the QR symbols found but not decoded are added to it (gridread)."""
    gray = np.ascontiguousarray(gray)
    found = zxingcpp.read_barcodes(
        gray,
        formats=_ZX_FORMATS,
        try_invert=False,
        try_rotate=rotate,
        try_downscale=downscale,
        return_errors=detected is not None,
    )
    if detected is not None:
        detected += detections(found)
    out: list[RawRead] = []
    for result in found:
        if not result.valid or result.format not in _ZX_NAMES:
            continue  # zxing-cpp 3 may answer a Micro QR for the QR family: not a kiosk code
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
        squareness = min(w, h) / max(w, h)  # a QR is square; a striped background seldom
        scored.append((density * np.sqrt(w * h) * squareness**SQUARENESS_WEIGHT, (x, y, w, h)))
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


def _sharp_scale(longer: int) -> float:
    return min(3.0, MAX_ENLARGED_SIDE / max(1, longer))


def _sharpened(crop: np.ndarray) -> tuple[np.ndarray, float]:
    """A crop enlarged ×3 (or to MAX_ENLARGED_SIDE) with an unsharp mask (see SHARP_SIGMA)."""
    scale = _sharp_scale(max(crop.shape[:2]))
    big = cv2.resize(crop, None, fx=scale, fy=scale, interpolation=cv2.INTER_CUBIC)
    return _unsharp(big, scale), scale


def _unsharp(big: np.ndarray, scale: float) -> np.ndarray:
    """The unsharp mask of an image enlarged by `scale` (σ SHARP_SIGMA at ×3, scaled with
    it); a uint8 image stays uint8 (saturated), a float one float."""
    soft = cv2.GaussianBlur(big, (0, 0), SHARP_SIGMA * scale / 3.0)
    return cv2.addWeighted(big, 1.0 + SHARP_AMOUNT, soft, -SHARP_AMOUNT, 0.0)


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
        self.ms_per_mpx = dict(STEP_MS_PER_MPX)  # a high estimate per kind of step (_learn)
        self._costs_seen: dict[str, list[float]] = {}
        self.last_box: tuple[int, ...] | None = None
        self.last_step = ""
        self.over_budget = False  # the last frame left slow steps untried
        self._empty_frames = 0
        self._cursor = 0  # where the next frame goes on after the head (spread), from `head`
        self.head = SPREAD_HEAD
        self._held_back = False  # the step at the cursor did not fit on the last frame
        self._thumb: np.ndarray | None = None  # the last frame at 1/8 size (_scene_moved)
        self._change: np.ndarray | None = None  # where it changed since the frame before
        self._moved_frames_ago = MOVED_FRAMES
        # the frames decoded just before this one while the scene moves (spread only), with
        # the transforms between them: a code still moving is read from them together
        # (`_on_fused`); `_links` are those found onto the frame being decoded
        self._recent = Trail(FUSED_FRAMES - 1)
        self._links: list[Link] = []
        self._elsewhere_turn = 0  # which whole-frame step looks beyond the last hit's region
        # a step may leave one more to run right after it if it fails (`_on_deblurred`)
        self._follow_up: SlowStep | None = None

    def decode(self, frame: np.ndarray, cheap: bool = True, slow: bool = True) -> list[Decoded]:
        """The codes in `frame`. cheap/slow: which steps to run (a decode worker of its own
        may run the slow steps while another runs the cheap ones on every frame)."""
        start = self.clock()
        gray = frame if frame.ndim == 2 else cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
        self.over_budget = False
        self._links = []
        steps = iter(self._cheap_steps(gray) if cheap else ())
        for step, attempt in steps:
            found = attempt()
            if found:
                if step == "roi":  # the steps after it (the half-size frame made only now)
                    found = self._also_elsewhere(found, list(steps))
                return self._hit(step, found, gray)
        moving = self._scene_moved(gray) if slow and self.thorough_every > 1 else False
        if not (moving and self.spread):
            self._recent.clear()
        if slow and (moving or self._empty_frames % self.thorough_every == 0):
            found_step = self._slow(gray, start)
            if found_step is not None:
                return self._hit(found_step[0], found_step[1], gray)
        if moving and self.spread:
            self._recent.push(gray, self._links)
        self._empty_frames += 1
        self.last_step = ""
        self.last_box = None
        return []

    def _also_elsewhere(
        self, found: list[Decoded], others: list[tuple[str, Callable[[], list[Decoded]]]]
    ) -> list[Decoded]:
        """A code read where the last one was, and any other code in the frame: a ticket or
        an order QR still in view must not hide the payment code held up beside it (the region
        of the last hit reads the old code on every frame, and a stop there would never look
        further). One more whole-frame step per frame, in turn: half size, then full size."""
        if not others:
            return found
        self._elsewhere_turn += 1
        _, attempt = others[self._elsewhere_turn % len(others)]
        texts = {(d.text, d.symbology) for d in found}
        return found + [d for d in attempt() if (d.text, d.symbology) not in texts]

    def _scene_moved(self, gray: np.ndarray) -> bool:
        """Whether the scene moved in the last MOVED_FRAMES frames: a hand bringing a code in.
        The slow steps then run on every frame, not on every `thorough_every`th: a still,
        empty scene (the kiosk at rest) keeps the low idle cost."""
        thumb = cv2.resize(gray, None, fx=0.125, fy=0.125, interpolation=cv2.INTER_AREA)
        last, self._thumb = self._thumb, thumb
        changed = last is not None and last.shape == thumb.shape
        self._change = cv2.absdiff(thumb, last) > 20 if changed else None
        if self._change is not None and float(self._change.mean()) > MOVED_SHARE:
            self._moved_frames_ago = 0
        else:
            self._change = None
            self._moved_frames_ago += 1
        return self._moved_frames_ago < MOVED_FRAMES

    def _hit(self, step: str, found: list[Decoded], gray: np.ndarray) -> list[Decoded]:
        self.last_step = step
        self._recent.clear()
        if self.remember_region:
            self.last_box = _box_around(found, gray.shape)
        self._empty_frames = 0
        self._cursor = 0
        return found

    def _slow(self, gray: np.ndarray, start: float) -> tuple[str, list[Decoded]] | None:
        """The slow steps within the budget. When spreading, the first `head` steps (those that
        read most often) run on every frame, since a moving code is a new image each frame, and
        the rest go on from where the last frame stopped (the cursor)."""
        steps = self._slow_steps(gray)
        head = min(self.head, len(steps)) if self.spread else 0
        tail = len(steps) - head
        first = head + self._cursor % tail if self.spread and tail else 0
        order = list(range(head)) + list(range(first, len(steps))) + list(range(head, first))
        skipped: int | None = None  # the first step that did not fit: the next frame's start
        # the first step after the head runs even when it does not fit the margin if it was
        # held back on the last frame too (a step too large for what the cheap steps and the
        # head leave would never run otherwise), as long as it ends within the budget; without
        # spreading, the first step, as long as the budget is not spent
        forced = head if not self.spread or self._held_back else -1
        self._follow_up = None
        for index, position in enumerate(order):
            step = steps[position]
            if self.budget_ms is not None:
                spent = (self.clock() - start) * 1000.0
                # a step that would not fit is left for the next frame, but a smaller one
                # after it may still fit
                fits = spent + self.expected_ms(step) <= self.budget_ms - BUDGET_MARGIN_MS
                # the forced step may use the margin, not more, when spreading (the next
                # frame goes on anyway); alone, it may use what is left of the budget
                late = spent + self.expected_ms(step) if self.spread else spent
                if not fits and (index != forced or late >= self.budget_ms):
                    if skipped is None and position >= head:
                        skipped = position - head
                    self.over_budget = True
                    continue
            found = self._attempt(step)
            follow, self._follow_up = self._follow_up, None
            if not found and follow is not None:
                spent = (self.clock() - start) * 1000.0
                if self.budget_ms is None or (
                    spent + self.expected_ms(follow) <= self.budget_ms - BUDGET_MARGIN_MS
                ):
                    found, step = self._attempt(follow), follow
                else:
                    self.over_budget = True  # the next frame is a new image: not kept
            if found:
                return step.name, found
        self._cursor = skipped or 0
        self._held_back = self.spread and tail > 0 and skipped == first - head
        return None

    def _attempt(self, step: SlowStep) -> list[Decoded]:
        began = self.clock()
        found = step.attempt()
        self._learn(step, (self.clock() - began) * 1000.0)
        return found

    def expected_ms(self, step: SlowStep) -> float:
        """A high estimate of what `step` will take (ms of the clock), from its size."""
        return self.ms_per_mpx.get(step.cost_key, 200.0) * step.mpx

    def _learn(self, step: SlowStep, took_ms: float) -> None:
        """Keep each kind's cost per pixel at the 90th percentile of its last COST_WINDOW
        tries (once it has 10), so that a step is started only when it fits."""
        seen = self._costs_seen.setdefault(step.cost_key, [])
        seen.append(took_ms / step.mpx)
        del seen[:-COST_WINDOW]
        if len(seen) >= 10:
            self.ms_per_mpx[step.cost_key] = sorted(seen)[int(0.9 * (len(seen) - 1))]

    def _cheap_steps(self, gray: np.ndarray) -> Iterable[tuple[str, Callable[[], list[Decoded]]]]:
        if self.last_box is not None:
            x0, y0, x1, y1 = self.last_box
            yield "roi", lambda: self._mapped(read_zxing(gray[y0:y1, x0:x1]), 1.0, x0, y0)
        half = cv2.resize(gray, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)
        yield "half", lambda: self._mapped(read_zxing(half), 0.5, 0, 0)
        yield "full", lambda: self._mapped(read_zxing(gray), 1.0, 0, 0)

    def _slow_steps(self, gray: np.ndarray) -> list[SlowStep]:
        """The enhanced regions by zxing-cpp, then by pyzbar, and the deconvolved ones, in the
        order tried: the first kernels go first when the top region is smeared."""
        boxes, still = self._regions(gray)
        smeared: dict[int, SmearedRegion] = {}

        def smear_of(i: int) -> SmearedRegion:
            if i not in smeared:
                x0, y0, x1, y1 = boxes[i]
                smeared[i] = SmearedRegion(gray[y0:y1, x0:x1])
            return smeared[i]

        def deblur(i: int, k: int) -> Callable[[], list[Decoded]]:
            return lambda: self._on_deblurred(boxes[i], smear_of(i), k)

        zbar = [
            SlowStep("zbar", lambda box=box: self._on_crop(read_zbar, gray, box), "zbar", _mpx(box))
            for box in boxes
        ]

        def region(reader: Reader, kind: str) -> list[SlowStep]:
            key = f"region:{'zxing' if reader is read_zxing else 'zbar'}:{kind}"
            return [
                SlowStep(
                    "region",
                    lambda box=box: self._on_region(reader, gray, box, kind),
                    key,
                    _enlarged_mpx(box),
                )
                for box in boxes
            ]

        # zxing-cpp on every variant of every region first (~1 ms a try), pyzbar after (3-4 ms)
        sharp = [
            SlowStep(
                "sharp",
                lambda box=box: self._on_sharpened(gray, box),
                "region:zxing:sharp",
                _sharp_mpx(box),
            )
            for box in boxes
            if _sharpenable(box)
        ]
        raw, *others = VARIANTS
        quick = (
            sharp
            + region(read_zxing, raw)
            + [step for kind in others for step in region(read_zxing, kind)]
        )
        slow = zbar + [
            step for kind in ("raw", "binary", "equalised") for step in region(read_zbar, kind)
        ]
        deblurs = [
            SlowStep("deblur", deblur(i, k), "deblur", _mpx(boxes[i], side=MAX_SIDE))
            for k in range(DEBLUR_KERNELS)
            for i in range(min(DEBLUR_REGIONS, len(boxes)))
        ]
        fused = (
            [
                SlowStep(
                    "fused",
                    lambda box=box: self._on_fused(gray, box),
                    "region:zxing:fused",
                    self._fused_mpx(box),
                )
                for box in boxes[:DEBLUR_REGIONS]
                if _sharpenable(box) and box not in still
            ]
            if len(self._recent) >= FUSED_MIN_FRAMES - 1
            else []
        )
        if boxes and smear_of(0).smeared:
            # the two densest regions read sharpened first, then the first kernels:
            # four deconvolutions of a 380 px region (~9 ms each) filled the live loop's
            # budget, and a code of small modules still moving is read sharpened, not deblurred
            first = sharp[:DEBLUR_REGIONS]
            rest = [step for step in quick if step not in first]
            if len(self._recent) < FUSED_FIRST_AFTER:
                # a code still coming in: the long smears of its first frames read deconvolved
                return first + deblurs[:DEBLUR_FIRST] + fused + rest + deblurs[DEBLUR_FIRST:] + slow
            return first + fused + deblurs[:DEBLUR_FIRST] + rest + deblurs[DEBLUR_FIRST:] + slow
        if fused:  # still moving, no longer smeared: a code of small modules is read so too
            if len(self._recent) < FUSED_FIRST_AFTER:  # after zxing-cpp on each region raw
                n = len(sharp) + len(boxes)
                return quick[:n] + fused + quick[n:] + slow + deblurs
            first = sharp[:DEBLUR_REGIONS]
            rest = [step for step in quick if step not in first]
            return first + fused + rest + slow + deblurs
        return quick + slow + deblurs

    def _regions(self, gray: np.ndarray) -> tuple[list[tuple[int, ...]], set[tuple[int, ...]]]:
        """The candidate regions, and those of them where nothing changed since the frame
        before while the scene moved elsewhere (spread only; the thumbnails' difference of
        `_scene_moved`). These go last and are not fused: the densest region is often a still
        shape of the background, and fusing it (a registration a frame that finds no motion)
        spent the budget the code's own region needed (docs/bench-scan.md, "fourth pass")."""
        boxes = candidate_regions(gray)
        if self._change is None or not self.spread:
            return boxes, set()
        still = {box for box in boxes if not _changed_in(self._change, box)}
        return sorted(boxes, key=lambda box: box in still), still

    def _fused_mpx(self, box: tuple[int, ...]) -> float:
        """What `fused` costs, in million pixels of the region: a registration per link still
        to find (~60 ms per million pixels on one core), the average (~35) and the enlarged
        read (~5 per million enlarged pixels): fitted on the moving codes of seed 18 (p90
        within 1.3× of the fit; by the enlarged pixels alone its p90 was 1.9× its median)."""
        x0, y0, x1, y1 = box
        needed = self._recent.registrations_needed((x0, y0, x1, y1), self._links)
        native = (x1 - x0) * (y1 - y0) / 1e6
        return max(MIN_STEP_MPX, native * (needed + 0.55) + 0.08 * _sharp_mpx(box))

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

    def _on_sharpened(self, gray: np.ndarray, box: tuple[int, ...]) -> list[Decoded]:
        x0, y0, x1, y1 = box
        crop = gray[y0:y1, x0:x1]
        if crop.size == 0:
            return []
        big, scale = _sharpened(crop)
        return self._mapped(read_zxing(big, downscale=False), scale, x0, y0)

    def _on_fused(self, gray: np.ndarray, box: tuple[int, ...]) -> list[Decoded]:
        """The region read from this frame and the FUSED_FRAMES - 1 before it together: the
        code's region followed back frame by frame (fusion.Trail: the hand moves it a few px a
        frame, brings it closer and turns it, so each earlier frame is registered by an affine
        transform, not the same box shifted), each earlier frame warped onto this one's region,
        all averaged, enlarged like `sharp`, then the unsharp mask. The frames hold the same
        modules at other sub-pixel phases, with their own noise and JPEG blocks: on codes of
        1.6-1.9 px modules still moving, the average reads where no single frame does
        (docs/bench-scan.md, "fourth pass")."""
        x0, y0, x1, y1 = box
        if x1 <= x0 or y1 <= y0:
            return []
        earlier = self._recent.follow(gray, (x0, y0, x1, y1), self._links)
        if not earlier:
            return []
        scale = _sharp_scale(max(x1 - x0, y1 - y0))
        fused = fused_region(gray, (x0, y0, x1, y1), earlier, scale)
        big = np.clip(_unsharp(fused, scale), 0, 255).astype(np.uint8)
        return self._mapped(read_zxing(big, downscale=False), scale, x0, y0)

    def _on_deblurred(
        self, box: tuple[int, ...], region: SmearedRegion, kernel: int
    ) -> list[Decoded]:
        """The region deconvolved along its smear by the `kernel`-th kernel of deblur.PLAN,
        read by zxing-cpp as it is, then enlarged ×2. When zxing-cpp finds a QR there that it
        cannot decode, reading it by its grid is left to run next (`_on_grid`)."""
        restored = region.restored(kernel)
        if restored is None:
            return []
        sharp, rows = restored
        detected: list[Detection] = []
        found = self._mapped(
            _turned_back(read_zxing(sharp, detected=detected), rows, 1.0), 1.0, box[0], box[1]
        )
        scale = 1.0
        if not found:
            big = cv2.resize(sharp, None, fx=2.0, fy=2.0, interpolation=cv2.INTER_CUBIC)
            if not detected:
                scale = 2.0
            reads = read_zxing(
                big, rotate=False, downscale=False, detected=detected if scale == 2.0 else None
            )
            found = self._mapped(_turned_back(reads, rows, 2.0), 1.0, box[0], box[1])
        if not found and detected:
            symbol = detected[0]
            in_crop = Detection(symbol.version, rows.to_crop(symbol.corners / scale))
            self._follow_up = SlowStep(
                "grid",
                lambda: self._on_grid(box, region, kernel, in_crop),
                "grid",
                _mpx(box, side=MAX_SIDE),
            )
        return found

    def _on_grid(
        self, box: tuple[int, ...], region: SmearedRegion, kernel: int, symbol: Detection
    ) -> list[Decoded]:
        """A QR that zxing-cpp found in a deconvolved region but could not decode, read module
        by module on its fitted grid (peripherals.camera.gridread), deconvolved in 2-D by the
        kernel that showed it and by the estimated one."""
        kernels = [region.kernel(kernel), region.kernel(0)] if kernel else [region.kernel(0)]
        usable = [k for k in kernels if k is not None]
        if not usable:
            return []
        reads = read_by_grid(region.crop, symbol, usable)
        return self._mapped([(text, QR, polygon) for text, polygon in reads], 1.0, box[0], box[1])


def _changed_in(change: np.ndarray, box: tuple[int, ...]) -> bool:
    """Whether any of a region (frame coordinates) changed in `change` (1/8 size)."""
    x0, y0, x1, y1 = box
    return bool(change[y0 // 8 : -(-y1 // 8), x0 // 8 : -(-x1 // 8)].any())


def _turned_back(reads: list[RawRead], rows: AlongRows, scale: float) -> list[RawRead]:
    """Reads on a deblurred region (turned along its smear, enlarged by `scale`) with their
    polygons in the region's coordinates."""
    out: list[RawRead] = []
    for text, symbology, polygon in reads:
        back = rows.to_crop(np.array(polygon, np.float64) / scale)
        out.append((text, symbology, tuple((float(x), float(y)) for x, y in back)))
    return out


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
