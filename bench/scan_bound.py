"""What a missed frame still holds: the scanner's misses read again by a reader that is told
the code's true grid and the true blur. A ceiling for any single-frame reader of a corpus.

    python -m bench.scan_bound --images DIR --json

The corpus must be one of bench.scan's (its looks.json says how each frame was drawn). First
the kiosk's pipeline runs over it as `python -m bench.scan` runs it (one core, the live loop's
frame-time budget). Then every missed frame that holds a QR is read again with two things no
scanner has:

- the true blur: the focus blur's Gaussian and the hand's line, as the emulator drew them; the
  frame is deconvolved by it (a Wiener filter, at three noise-to-signal ratios);
- the true grid: where each module's centre lies in the frame
  (peripherals.camera.emulator.qr_modules), so nothing has to be found or sampled blind.

Each module is then called dark or light against the levels of the three finder patterns' own
modules, and the module matrix, drawn clean, is read by zxing-cpp (peripherals.camera.gridread's
steps, the decoder's own `grid` step without the fitting) (which corrects what
Reed-Solomon can). A miss this reader cannot read has lost too much for the code's error
correction once blurred: `ceiling_rate` is what a perfect blur estimate and a perfect
localisation together would reach with this kind of restoration. It is not a figure the kiosk
could reach: a reader has to estimate both from the frame itself.

As a check on the truth itself, the same sampling on the frame drawn without any fault must
read every code (`clean_reads`).
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse
import json
import math
import sys
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from bench.scan import run as run_pipeline
from peripherals.camera.deblur import line_kernel
from peripherals.camera.emulator import CodeLook, compose, qr_modules, scene
from peripherals.camera.gridread import called_dark, read_matrix, sampled, wiener

cv2.setNumThreads(1)

SNRS = (0.003, 0.01, 0.03)  # Wiener noise-to-signal ratios tried (grey levels 0-255)


def true_kernel(look: CodeLook) -> np.ndarray:
    """The point spread the emulator applied: its Gaussian focus blur and its motion line."""
    kernel = line_kernel(look.motion, look.motion_angle) if look.motion > 0 else np.ones((1, 1))
    kernel = kernel.astype(np.float32)
    if look.blur > 0:
        reach = math.ceil(3 * look.blur)
        gauss = cv2.getGaussianKernel(2 * reach + 1, look.blur)
        kernel = cv2.filter2D(
            np.pad(kernel, reach), -1, (gauss @ gauss.T).astype(np.float32),
            borderType=cv2.BORDER_CONSTANT,
        )  # fmt: skip
    return kernel / kernel.sum()


def texts_read(dark: np.ndarray) -> list[str]:
    """What zxing-cpp reads from a module matrix drawn clean."""
    return [result.text for result in read_matrix(dark)]


def ceiling_read(frame: np.ndarray, look: CodeLook) -> dict[str, Any] | None:
    """One frame read with the true blur and the true grid (see the module), or None when it
    holds no QR."""
    truth = qr_modules(look, frame.shape[1], frame.shape[0])
    if truth is None:
        return None
    centres, dark = truth
    kernel = true_kernel(look)
    reach = max(kernel.shape) + 4 * look.module_px + 8
    x0 = max(0, int(centres[..., 0].min() - reach))
    y0 = max(0, int(centres[..., 1].min() - reach))
    x1 = min(frame.shape[1], int(centres[..., 0].max() + reach) + 1)
    y1 = min(frame.shape[0], int(centres[..., 1].max() + reach) + 1)
    gray = cv2.cvtColor(frame[y0:y1, x0:x1], cv2.COLOR_BGR2GRAY)
    local = centres - np.array([x0, y0], np.float64)
    best_errors, texts = dark.size, []
    for snr in SNRS:
        called = called_dark(sampled(wiener(gray, kernel, snr), local))
        best_errors = min(best_errors, int((called != dark).sum()))
        texts += texts_read(called)
    return {
        "read": look.text in texts,
        "wrong": sorted({t for t in texts if t != look.text}),
        "modules": int(dark.shape[0]),
        "module_errors": best_errors,
    }


def clean_read(look: CodeLook, background: np.ndarray) -> bool:
    """The truth checked: the same sampling on the frame drawn with no fault reads the code."""
    clean = CodeLook(
        **{**look.__dict__, "blur": 0.0, "motion": 0.0, "noise": 0.0, "jpeg_quality": 0,
           "glare": False, "contrast": 1.0}
    )  # fmt: skip
    frame = compose(background, clean)
    truth = qr_modules(clean, frame.shape[1], frame.shape[0])
    assert truth is not None
    gray = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
    return look.text in texts_read(called_dark(sampled(gray, truth[0])))


def run(folder: Path) -> dict[str, Any]:
    pipeline = run_pipeline(folder, compare=False, show_misses=True)
    manifest: dict[str, str | None] = json.loads((folder / "manifest.json").read_text())
    looks: dict[str, dict[str, Any]] = json.loads((folder / "looks.json").read_text())
    rows: list[dict[str, Any]] = []
    no_qr = clean_ok = 0
    for name in pipeline["misses"]:
        text = manifest[name]
        fields = dict(looks[name], center=tuple(looks[name]["center"]))
        look = CodeLook(text=text, **fields)
        frame = cv2.imread(str(folder / name), cv2.IMREAD_COLOR)
        result = ceiling_read(frame, look)
        if result is None:
            no_qr += 1
            continue
        clean_ok += clean_read(look, scene(look.seed))
        rows.append(
            {
                "frame": name,
                "module_px": look.module_px,
                "smear_modules": round(look.motion / look.module_px, 2),
                "blur_px": round(look.blur, 2),
                "noise": round(look.noise, 1),
                "jpeg_quality": look.jpeg_quality,
                **result,
            }
        )
    ceiling = sum(r["read"] for r in rows)
    with_code = pipeline["with_code"]
    return {
        "with_code": with_code,
        "pipeline_decoded": pipeline["decoded"],
        "pipeline_rate": pipeline["rate"],
        "pipeline_budget_ms": pipeline["budget_ms"],
        "misses": len(pipeline["misses"]),
        "misses_without_qr": no_qr,
        "misses_read_with_truth": ceiling,
        "ceiling_rate": round((pipeline["decoded"] + ceiling) / with_code, 4) if with_code else 0,
        "wrong_with_truth": sum(bool(r["wrong"]) for r in rows),
        "clean_reads": f"{clean_ok}/{len(rows)}",
        "frames": rows,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.scan_bound", description=__doc__)
    parser.add_argument("--images", type=Path, required=True, help="a bench.scan corpus folder")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    if not (args.images / "looks.json").exists():
        parser.error(
            f"{args.images} has no looks.json: make it with python -m bench.scan --make-corpus"
        )
    result = run(args.images)
    if args.json:
        print(json.dumps(result, indent=1))
    else:
        print(
            f"pipeline {result['pipeline_decoded']}/{result['with_code']}; "
            f"{result['misses_read_with_truth']} of {result['misses']} misses read with the true "
            f"grid and blur: ceiling {result['ceiling_rate']:.1%}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
