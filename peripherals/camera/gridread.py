"""Reading a smeared QR module by module, once its grid is found: for codes a moving hand smeared
by about two modules, where a deconvolved image still shows the finder patterns to zxing-cpp but
too many of its modules come out wrong for Reed-Solomon.

zxing-cpp samples each module at one point of its own binarized image: on a deconvolved smear
(ringing, and modules that a two-module box all but erases) that point is often wrong. Here:

1. zxing-cpp's *detection* is kept even when its decoding fails (`detections`): the symbol's
   four corners and its version (so the module count), in the deconvolved region's pixels.
2. The region is deconvolved again in 2-D (a Wiener filter with the same line kernel; `wiener`)
   on a crop just around the code, at two noise-to-signal ratios.
3. The corners are fitted (`fit_corners`): each corner moved by ¼-1 px while the modules whose
   value the standard fixes (finder patterns, their separators, the timing patterns, the
   alignment patterns, the dark module; `function_modules`) correlate better with what the
   image holds at their centres. The detector's corners are off by up to a module on a smear.
4. Each module is called dark or light at its centre against the midpoint of the fixed dark and
   light modules' levels (`called_dark`), and the module matrix, drawn clean (`read_matrix`),
   is read by zxing-cpp, which corrects what Reed-Solomon can. A wrong matrix fails its checksum,
   so this adds no wrong reads: QR reads stay trusted as before.

bench.scan_bound shows what this could reach with the true grid and the true blur; on the
seed-18 corpus the true grid with the kernels the decoder estimates itself reads about as much
as the true kernel, so the grid is what matters. docs/bench-scan.md has the figures.
"""

from __future__ import annotations

from typing import NamedTuple

import cv2
import numpy as np
import zxingcpp

__all__ = [
    "Deconvolver",
    "Detection",
    "called_dark",
    "detections",
    "fit_corners",
    "function_modules",
    "module_centres",
    "read_by_grid",
    "read_matrix",
    "sampled",
    "wiener",
]

MAX_VERSION = 10  # kiosk codes are versions 1-9; a larger "detection" is a misread of noise
FINDER = 7  # modules a side of a finder pattern
# alignment pattern centres per version (ISO/IEC 18004 annex E), versions 2-10
ALIGNMENT = {
    2: (6, 18),
    3: (6, 22),
    4: (6, 26),
    5: (6, 30),
    6: (6, 34),
    7: (6, 22, 38),
    8: (6, 24, 42),
    9: (6, 26, 46),
    10: (6, 28, 50),
}
SNRS = (0.003, 0.01)  # Wiener noise-to-signal ratios tried (grey levels 0-255)
FIT_STEPS = (1.0, 0.5, 0.25)  # px: the corner moves tried, coarse to fine
FIT_ROUNDS = 6  # passes over the corners per step size, at most
RENDER_PX = 4  # px per module of the clean matrix given to zxing-cpp
QUIET = 4  # modules of quiet zone around it
MARGIN_MODULES = 4.0  # the crop deconvolved reaches this far beyond the symbol, and the kernel


class Detection(NamedTuple):
    """A QR that zxing-cpp found but could not decode: its version and its corners (top-left,
    top-right, bottom-right, bottom-left: the symbol's outer edges) in the image's pixels."""

    version: int
    corners: np.ndarray  # 4×2 float


def detections(found: list[zxingcpp.Barcode]) -> list[Detection]:
    """The QR symbols among zxing-cpp's results (read with return_errors) that failed to
    decode, with a plausible version (Micro QR and rMQR guesses are left out)."""
    out: list[Detection] = []
    for result in found:
        if result.valid or result.format != zxingcpp.BarcodeFormat.QRCode:
            continue
        extra = result.extra if isinstance(result.extra, dict) else {}
        version = str(extra.get("Version", ""))
        if not version.isdigit() or not 1 <= int(version) <= MAX_VERSION:
            continue
        pos = result.position
        corners = [
            (p.x, p.y) for p in (pos.top_left, pos.top_right, pos.bottom_right, pos.bottom_left)
        ]
        out.append(Detection(int(version), np.array(corners, np.float64)))
    return out


def function_modules(version: int) -> tuple[np.ndarray, np.ndarray]:
    """(modules whose value the standard fixes, which of those are dark) for a version; the
    format and version information are left out (they depend on the code)."""
    n = 17 + 4 * version
    known = np.zeros((n, n), bool)
    dark = np.zeros((n, n), bool)
    finder = np.ones((FINDER, FINDER), bool)
    finder[1:-1, 1:-1] = False
    finder[2:-2, 2:-2] = True
    for row, col in ((0, 0), (0, n - FINDER), (n - FINDER, 0)):
        known[row : row + FINDER, col : col + FINDER] = True
        dark[row : row + FINDER, col : col + FINDER] = finder
    # the light separators around the finder patterns
    known[0:8, 7] = known[7, 0:8] = True
    known[0:8, n - 8] = known[7, n - 8 :] = True
    known[n - 8, 0:8] = known[n - 8 :, 7] = True
    # the timing patterns: alternating, dark on even indices
    span = np.arange(8, n - 8)
    known[6, span] = known[span, 6] = True
    dark[6, span] = dark[span, 6] = span % 2 == 0
    known[4 * version + 9, 8] = dark[4 * version + 9, 8] = True  # the dark module
    centres = ALIGNMENT.get(version, ())
    pattern = np.ones((5, 5), bool)
    pattern[1:-1, 1:-1] = False
    pattern[2, 2] = True
    for row in centres:
        for col in centres:
            if (row, col) in ((6, 6), (6, centres[-1]), (centres[-1], 6)):
                continue  # where a finder pattern is
            known[row - 2 : row + 3, col - 2 : col + 3] = True
            dark[row - 2 : row + 3, col - 2 : col + 3] = pattern
    return known, dark


def module_centres(corners: np.ndarray, n: int) -> np.ndarray:
    """Each module's centre (n×n×2, x and y) for a symbol of n modules with these corners."""
    square = np.float32([[0, 0], [n, 0], [n, n], [0, n]])
    matrix = cv2.getPerspectiveTransform(square, np.float32(corners))
    steps = np.arange(n) + 0.5
    grid = np.stack(np.meshgrid(steps, steps), axis=-1).reshape(-1, 1, 2)
    return cv2.perspectiveTransform(grid, matrix).reshape(n, n, 2)


def sampled(image: np.ndarray, centres: np.ndarray) -> np.ndarray:
    """The image's value at each centre (bilinear), float32."""
    return cv2.remap(
        image.astype(np.float32, copy=False),
        centres[..., 0].astype(np.float32),
        centres[..., 1].astype(np.float32),
        cv2.INTER_LINEAR,
        borderMode=cv2.BORDER_REPLICATE,
    )


def _agreements(
    image: np.ndarray, trials: np.ndarray, n: int, points: np.ndarray, sign: np.ndarray
) -> np.ndarray:
    """How well the image agrees with the fixed modules for each set of corners in `trials`
    (T×4×2): the correlation of the values at their centres (`points`, 3×K homogeneous, in
    module units) with `sign` (+1 light, -1 dark), all trials in one remap."""
    square = np.float32([[0, 0], [n, 0], [n, n], [0, n]])
    matrices = np.stack([cv2.getPerspectiveTransform(square, np.float32(t)) for t in trials])
    xyw = matrices @ points  # T×3×K
    xs = (xyw[:, 0] / xyw[:, 2]).astype(np.float32)
    ys = (xyw[:, 1] / xyw[:, 2]).astype(np.float32)
    values = cv2.remap(image, xs, ys, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    centred = values - values.mean(axis=1, keepdims=True)
    spread = centred.std(axis=1)
    return (centred @ sign) / (len(sign) * np.maximum(spread, 1e-6))


def fit_corners(image: np.ndarray, corners: np.ndarray, version: int) -> np.ndarray:
    """The corners moved (each on its own, or all together) while the fixed modules agree
    better with the image: light where they are light, dark where dark. Each round tries every
    move of the current step and keeps the best."""
    known, dark = function_modules(version)
    rows, cols = np.nonzero(known)
    points = np.stack([cols + 0.5, rows + 0.5, np.ones(rows.size)])  # 3×K
    sign = np.where(dark[rows, cols], -1.0, 1.0)
    image = image.astype(np.float32, copy=False)
    n = known.shape[0]
    best = np.array(corners, np.float64)
    score = float(_agreements(image, best[None], n, points, sign)[0])
    for step in FIT_STEPS:
        moves = np.zeros((20, 4, 2))
        for m, (i, axis) in enumerate([(i, axis) for i in range(4) for axis in range(2)]):
            moves[2 * m, i, axis], moves[2 * m + 1, i, axis] = step, -step
        moves[16, :, 0], moves[17, :, 0], moves[18, :, 1], moves[19, :, 1] = (
            step,
            -step,
            step,
            -step,
        )
        for _ in range(FIT_ROUNDS):
            trials = best[None] + moves
            scores = _agreements(image, trials, n, points, sign)
            top = int(np.argmax(scores))
            if scores[top] <= score:
                break
            best, score = trials[top], float(scores[top])
    return best


def called_dark(values: np.ndarray, version: int | None = None) -> np.ndarray:
    """Each module dark or light, against the midpoint of the fixed modules' two levels (the
    finder patterns alone when no version is given)."""
    n = values.shape[0]
    if version is None:
        known = np.zeros((n, n), bool)
        dark = np.zeros((n, n), bool)
        finder_known, finder_dark = function_modules(1)
        for row, col in ((0, 0), (0, n - FINDER), (n - FINDER, 0)):
            known[row : row + FINDER, col : col + FINDER] = finder_known[:FINDER, :FINDER]
            dark[row : row + FINDER, col : col + FINDER] = finder_dark[:FINDER, :FINDER]
    else:
        known, dark = function_modules(version)
    level = (np.median(values[known & dark]) + np.median(values[known & ~dark])) / 2.0
    return values < level


def read_matrix(dark: np.ndarray) -> list[zxingcpp.Barcode]:
    """zxing-cpp's valid QR reads of a module matrix drawn clean."""
    image = np.pad(np.where(dark, 0, 255).astype(np.uint8), QUIET, constant_values=255)
    image = cv2.resize(image, None, fx=RENDER_PX, fy=RENDER_PX, interpolation=cv2.INTER_NEAREST)
    return zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode, try_rotate=False)


class Deconvolver:
    """One greyscale image ready to be deconvolved by any kernel at any noise-to-signal ratio:
    its edges padded against wrap-around, its spectrum taken once."""

    def __init__(self, gray: np.ndarray, reach: int) -> None:
        self.pad = reach + 8
        self.shape = gray.shape
        h, w = (side + 2 * self.pad for side in gray.shape)
        size = (cv2.getOptimalDFTSize(h), cv2.getOptimalDFTSize(w))
        image = np.pad(
            gray.astype(np.float32),
            ((self.pad, size[0] - h + self.pad), (self.pad, size[1] - w + self.pad)),
            mode="edge",
        )
        self.size = image.shape
        self.spectrum = np.fft.rfft2(image)
        self._otf: tuple[np.ndarray, np.ndarray] | None = None  # the last kernel's

    def restored(self, kernel: np.ndarray, snr: float) -> np.ndarray:
        """The image deconvolved by `kernel` (its side within `reach`) by a Wiener filter."""
        if self._otf is None or self._otf[0] is not kernel:
            psf = np.zeros(self.size, np.float32)
            kh, kw = kernel.shape
            psf[:kh, :kw] = kernel
            self._otf = (kernel, np.fft.rfft2(np.roll(psf, (-(kh // 2), -(kw // 2)), axis=(0, 1))))
        otf = self._otf[1]
        out = np.fft.irfft2(self.spectrum * np.conj(otf) / (np.abs(otf) ** 2 + snr), s=self.size)
        p, (h, w) = self.pad, self.shape
        return out[p : p + h, p : p + w].astype(np.float32)


def wiener(gray: np.ndarray, kernel: np.ndarray, snr: float) -> np.ndarray:
    """`gray` deconvolved by `kernel` (float32), its edges padded against wrap-around."""
    return Deconvolver(gray, max(kernel.shape)).restored(kernel, snr)


def read_by_grid(
    gray: np.ndarray, detection: Detection, kernels: list[np.ndarray]
) -> list[tuple[str, tuple[tuple[float, float], ...]]]:
    """The QR of `detection` (corners in `gray`'s pixels) read module by module after a 2-D
    deconvolution by each kernel in turn (see the module): (text, corners) of what reads."""
    n = 17 + 4 * detection.version
    corners = detection.corners
    side = float(np.linalg.norm(corners[1] - corners[0]) + np.linalg.norm(corners[3] - corners[0]))
    reach = max(max(k.shape) for k in kernels) + MARGIN_MODULES * side / (2 * n) + 4
    x0 = max(0, int(corners[:, 0].min() - reach))
    y0 = max(0, int(corners[:, 1].min() - reach))
    x1 = min(gray.shape[1], int(corners[:, 0].max() + reach) + 1)
    y1 = min(gray.shape[0], int(corners[:, 1].max() + reach) + 1)
    crop = gray[y0:y1, x0:x1]
    if crop.size == 0:
        return []
    local = corners - np.array([x0, y0], np.float64)
    deconvolver = Deconvolver(crop, max(max(k.shape) for k in kernels))
    for kernel in kernels:
        fitted: np.ndarray | None = None
        for snr in SNRS:
            restored = deconvolver.restored(kernel, snr)
            if fitted is None:  # the fit on the first restoration serves the others
                fitted = fit_corners(restored, local, detection.version)
            called = called_dark(sampled(restored, module_centres(fitted, n)), detection.version)
            reads = read_matrix(called)
            if reads:
                polygon = tuple((float(x) + x0, float(y) + y0) for x, y in fitted)
                return [(r.text, polygon) for r in reads]
    return []
