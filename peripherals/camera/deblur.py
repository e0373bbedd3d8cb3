"""Undoing a hand's motion smear on a crop: estimate the smear, then a Wiener deconvolution.

A phone moved during the exposure smears the code along a line: every point becomes a segment
of `length` px in direction `angle`. That is a convolution with a line kernel, and knowing the
kernel a Wiener filter undoes most of it (the zeros of the kernel's spectrum stay lost, which
the QR's error correction absorbs).

- Direction: the gradient's structure tensor. A QR's edges run along its two module axes about
  equally, so unsmeared its tensor is near isotropic; a smear flattens the gradient along its
  direction, so the eigenvector of the smaller eigenvalue is the smear's direction and the
  eigenvalue ratio (`isotropy`, 1 = none) says how strong it is.
- Length: along that direction the derivative of a smeared edge is a box `length` px wide, so
  the autocorrelation of the directional derivative falls to its minimum at a lag of `length`
  (Yitzhaky and Kopeika's method).

Both are rough (median error ~10° and ~2 px on the scanner corpus), so a reader tries a few
kernels around the estimate (`hypotheses`), spread over successive frames in the live loop.
Cost on a 300×300 crop: ~2 ms to estimate, ~3 ms a deconvolution (one core).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

__all__ = ["Smear", "estimate_smear", "hypotheses", "line_kernel", "wiener"]

MAX_SIDE = 384  # crops are shrunk to this before estimating and deconvolving
NO_SMEAR_ISOTROPY = 0.85  # above this the crop is not smeared enough to deconvolve


@dataclass(frozen=True)
class Smear:
    angle: float  # degrees, 0-180, in the crop's (unscaled) coordinates
    length: float  # px, in the crop's (unscaled) coordinates
    isotropy: float  # small/large eigenvalue of the structure tensor: 1 = no direction


def line_kernel(length: float, angle: float) -> np.ndarray:
    """A normalised line of `length` px along `angle` degrees, each point splatted bilinearly."""
    size = max(3, (math.ceil(length) | 1) + 2)
    kernel = np.zeros((size, size), np.float32)
    c = (size - 1) / 2.0
    dx, dy = math.cos(math.radians(angle)), math.sin(math.radians(angle))
    for t in np.linspace(-length / 2, length / 2, max(2, int(length * 4))):
        x, y = c + t * dx, c + t * dy
        x0, y0 = math.floor(x), math.floor(y)
        fx, fy = x - x0, y - y0
        for xx, yy, w in (
            (x0, y0, (1 - fx) * (1 - fy)),
            (x0 + 1, y0, fx * (1 - fy)),
            (x0, y0 + 1, (1 - fx) * fy),
            (x0 + 1, y0 + 1, fx * fy),
        ):
            if 0 <= xx < size and 0 <= yy < size:
                kernel[yy, xx] += w
    return kernel / kernel.sum()


def _shrink(crop: np.ndarray) -> tuple[np.ndarray, float]:
    side = max(crop.shape[:2])
    if side <= MAX_SIDE:
        return crop, 1.0
    scale = MAX_SIDE / side
    return cv2.resize(crop, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA), scale


def estimate_smear(crop: np.ndarray, max_length: int = 24) -> Smear:
    """The smear's direction, length and strength on a greyscale crop (see the module)."""
    small, scale = _shrink(crop)
    g = small.astype(np.float32)
    gx = cv2.Sobel(g, cv2.CV_32F, 1, 0, ksize=3)
    gy = cv2.Sobel(g, cv2.CV_32F, 0, 1, ksize=3)
    jxx, jyy, jxy = float((gx * gx).sum()), float((gy * gy).sum()), float((gx * gy).sum())
    half_trace = (jxx + jyy) / 2.0
    root = math.sqrt(max(0.0, half_trace * half_trace - (jxx * jyy - jxy * jxy)))
    isotropy = (half_trace - root) / (half_trace + root) if half_trace > 0 else 1.0
    angle = (math.degrees(0.5 * math.atan2(2 * jxy, jxx - jyy)) + 90.0) % 180.0
    h, w = g.shape
    rot = cv2.warpAffine(g, cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0), (w, h))
    m = int(min(h, w) * 0.35)
    core = rot[h // 2 - m : h // 2 + m, w // 2 - m : w // 2 + m]
    d = np.diff(core, axis=1)
    d -= d.mean()
    lags = range(1, min(max_length, d.shape[1] - 1))
    if not lags or d.size == 0:
        return Smear(angle, 0.0, 1.0)
    ac = [float((d[:, :-k] * d[:, k:]).sum()) for k in lags]
    length = (int(np.argmin(ac)) + 1) / scale
    return Smear(angle, length, isotropy)


def hypotheses(smear: Smear) -> list[tuple[float, float]]:
    """(length, angle) kernels to try, the estimate first, then its neighbours."""
    a, n = smear.angle, smear.length
    return [(n, a), (n * 0.75, a), (n, a + 15), (n, a - 15), (n * 1.3, a), (n * 0.75, a + 15)]


def wiener(
    crop: np.ndarray, length: float, angle: float, snr: float = 0.01
) -> tuple[np.ndarray, float]:
    """`crop` deconvolved by a line kernel (a Wiener filter with constant noise-to-signal
    `snr`), shrunk to at most MAX_SIDE px as `estimate_smear` does: (uint8 image, its scale)."""
    small, scale = _shrink(crop)
    kernel = line_kernel(max(1.0, length * scale), angle)
    pad = kernel.shape[0] * 2
    img = cv2.copyMakeBorder(small.astype(np.float32), pad, pad, pad, pad, cv2.BORDER_REPLICATE)
    rows, cols = cv2.getOptimalDFTSize(img.shape[0]), cv2.getOptimalDFTSize(img.shape[1])
    grow = (rows - img.shape[0], cols - img.shape[1])
    img = cv2.copyMakeBorder(img, 0, grow[0], 0, grow[1], cv2.BORDER_REFLECT)
    psf = np.zeros((rows, cols), np.float32)
    kh, kw = kernel.shape
    psf[:kh, :kw] = kernel
    psf = np.roll(psf, (-(kh // 2), -(kw // 2)), axis=(0, 1))
    spectrum = cv2.dft(img, flags=cv2.DFT_COMPLEX_OUTPUT)
    otf = cv2.dft(psf, flags=cv2.DFT_COMPLEX_OUTPUT)
    power = otf[..., 0] ** 2 + otf[..., 1] ** 2 + snr
    filt = np.dstack((otf[..., 0] / power, -otf[..., 1] / power))  # conj(H) / (|H|² + snr)
    restored = cv2.mulSpectrums(spectrum, filt, 0)
    out = cv2.idft(restored, flags=cv2.DFT_SCALE | cv2.DFT_REAL_OUTPUT)
    h, w = small.shape[:2]
    return np.clip(out[pad : pad + h, pad : pad + w], 0, 255).astype(np.uint8), scale
