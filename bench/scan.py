"""Scanner benchmark: the kiosk's decoding pipeline over a folder of frames, as JSON.

    python -m bench.scan --make-corpus DIR [--seed N] [--count N] [--motion-share F]
    python -m bench.scan --images DIR --json [--compare] [--misses]

DIR holds manifest.json: file name -> the text the frame holds, or null for no code.
Measured on one core: OpenCV and OpenMP are held to one thread before anything is imported.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse
import json
import platform
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from kiosk.devices import known_code
from peripherals.camera.decode import FrameDecoder, read_zbar, read_zxing

cv2.setNumThreads(1)

BUDGET_MS = 40.0  # the live loop's frame-time budget (peripherals.camera.driver)

# A decoder under test: BGR frame -> the texts it read
Decoder = Callable[[np.ndarray], list[str]]


def pipeline_decoder(
    steps: Counter[str] | None = None, budget_ms: float | None = BUDGET_MS
) -> Decoder:
    """The kiosk's own pipeline, fresh for every frame (frames of a corpus are unrelated), with
    the kiosk's own rule for which Code 128 reads to trust (kiosk.devices.known_code) and the
    live loop's frame-time budget (a single frame gets no later frames to go on in)."""

    # one decoder for its running means of step costs (what the budget goes by); it keeps no
    # memory of the frame before: no region (remember_region=False), no spreading
    decoder = FrameDecoder(remember_region=False, accept_code128=known_code, budget_ms=budget_ms)

    def decode(frame: np.ndarray) -> list[str]:
        found = decoder.decode(frame)
        if steps is not None:
            steps[decoder.last_step or "none"] += 1
            steps["(over budget)"] += int(decoder.over_budget)
        return [d.text for d in found]

    return decode


def plain_pyzbar(frame: np.ndarray) -> list[str]:
    return [text for text, _, _ in read_zbar(cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY))]


def plain_zxing(frame: np.ndarray) -> list[str]:
    return [text for text, _, _ in read_zxing(cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY))]


_QR_DETECTOR = cv2.QRCodeDetector()


def plain_opencv(frame: np.ndarray) -> list[str]:
    text, _, _ = _QR_DETECTOR.detectAndDecode(frame)
    return [text] if text else []


def load_corpus(folder: Path) -> list[tuple[str, np.ndarray, str | None]]:
    manifest: dict[str, str | None] = json.loads((folder / "manifest.json").read_text())
    frames = []
    for name in sorted(manifest):
        image = cv2.imread(str(folder / name), cv2.IMREAD_COLOR)
        if image is None:
            raise SystemExit(f"bench.scan: cannot read {folder / name}")
        frames.append((name, image, manifest[name]))
    return frames


def measure(
    decoder: Decoder,
    frames: list[tuple[str, np.ndarray, str | None]],
    budget_ms: float | None = None,
) -> dict[str, Any]:
    """Decode rate, wrong reads, false positives and time per frame (decoding only); with a
    budget, how many frames' decodes took more CPU than it."""
    decoded = wrong = false_positives = 0
    times: list[float] = []
    cpu: list[float] = []
    misses: list[str] = []
    for name, image, expected in frames:
        start, start_cpu = time.perf_counter(), time.thread_time()
        texts = decoder(image)
        times.append((time.perf_counter() - start) * 1000.0)
        cpu.append((time.thread_time() - start_cpu) * 1000.0)
        if expected is None:
            false_positives += len(texts)
            continue
        if expected in texts:
            decoded += 1
        else:
            misses.append(name)
        wrong += sum(1 for text in texts if text != expected)
    with_code = sum(1 for _, _, expected in frames if expected is not None)
    result: dict[str, Any] = {
        "total": len(frames),
        "with_code": with_code,
        "decoded": decoded,
        "rate": round(decoded / with_code, 4) if with_code else None,
        "wrong": wrong,
        "false_positives": false_positives,
        "median_ms": round(float(np.median(times)), 2),
        "p95_ms": round(float(np.percentile(times, 95)), 2),
        "max_ms": round(float(np.max(times)), 2),
        "cpu_median_ms": round(float(np.median(cpu)), 2),
        "cpu_p95_ms": round(float(np.percentile(cpu, 95)), 2),
        "cpu_max_ms": round(float(np.max(cpu)), 2),
        "misses": misses,
    }
    if budget_ms:
        result["cpu_over_budget"] = sum(1 for ms in cpu if ms > budget_ms)
    return result


def run(
    folder: Path, compare: bool, show_misses: bool, budget_ms: float | None = BUDGET_MS
) -> dict[str, Any]:
    load_before = [round(x, 2) for x in os.getloadavg()]
    frames = load_corpus(folder)
    steps: Counter[str] = Counter()
    result = measure(pipeline_decoder(steps, budget_ms), frames, budget_ms)
    result["budget_ms"] = budget_ms
    result["step_hits"] = dict(steps)
    if compare:
        result["compare"] = {
            "pyzbar": measure(plain_pyzbar, frames),
            "zxing_cpp": measure(plain_zxing, frames),
            "opencv_qrcodedetector": measure(plain_opencv, frames),
        }
    if not show_misses:
        result.pop("misses")
        for figures in result.get("compare", {}).values():
            figures.pop("misses")
    result["machine"] = {
        "cpu": platform.processor() or platform.machine(),
        "cores_used": 1,
        "python": platform.python_version(),
        "opencv": cv2.__version__,
        "loadavg_before": load_before,
        "loadavg_after": [round(x, 2) for x in os.getloadavg()],
    }
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.scan", description=__doc__)
    parser.add_argument("--images", type=Path, help="a folder with frames and manifest.json")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--compare", action="store_true", help="also plain pyzbar/zxing/OpenCV")
    parser.add_argument("--misses", action="store_true", help="list the frames not decoded")
    parser.add_argument("--make-corpus", type=Path, metavar="DIR", help="write a corpus to DIR")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--count", type=int, default=300)
    parser.add_argument(
        "--budget-ms", type=float, default=BUDGET_MS, help="frame-time budget (0: none)"
    )
    parser.add_argument(
        "--motion-share", type=float, default=0.0, help="share of code frames with hand motion"
    )
    args = parser.parse_args(argv)
    if args.make_corpus:
        from bench.corpus import make_corpus

        manifest = make_corpus(
            args.make_corpus, seed=args.seed, count=args.count, motion_share=args.motion_share
        )
        blank = sum(1 for text in manifest.values() if text is None)
        print(
            json.dumps({"folder": str(args.make_corpus), "frames": len(manifest), "no_code": blank})
        )
        if not args.images:
            return 0
    if not args.images:
        parser.error("give --images DIR or --make-corpus DIR")
    budget = args.budget_ms if args.budget_ms > 0 else None
    result = run(args.images, args.compare, args.misses, budget)
    if args.json:
        print(json.dumps(result, indent=1))
    else:
        print(
            f"{result['decoded']}/{result['with_code']} decoded, {result['wrong']} wrong, "
            f"{result['false_positives']} false positives, median {result['median_ms']} ms, "
            f"p95 {result['p95_ms']} ms"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
