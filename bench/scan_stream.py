"""Scanner latency over the emulator's MJPEG-over-HTTP stream against the in-process source.

    python -m bench.scan_stream [--rounds N] --json

For each round a payment code appears in front of the emulated camera; the figure is the time
from show_code() to the scanner's report (frame period, transport, decode). Also the CPU the
scanner spends per second of wall time on an empty scene (the kiosk's idle cost).
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse
import json
import sys
import threading
import time
from typing import Any

import cv2
import numpy as np

from kiosk.devices import known_code
from peripherals.camera import CameraScanner
from peripherals.camera.emulator import CameraEmulator

cv2.setNumThreads(1)


def _latencies(emulator: CameraEmulator, source: Any, rounds: int) -> dict[str, Any]:
    seen = threading.Event()
    scanner = CameraScanner(source, repeat_after=0.3, accept_code128=known_code)
    scanner.start(lambda _text: seen.set())
    time.sleep(1.0)
    idle_cpu_start, idle_wall_start = time.process_time(), time.perf_counter()
    time.sleep(3.0)
    idle_cpu = (time.process_time() - idle_cpu_start) / (time.perf_counter() - idle_wall_start)
    times: list[float] = []
    for index in range(rounds):
        seen.clear()
        started = time.perf_counter()
        emulator.show_code(f"1{index % 6}{index:016d}", kind="payment", angle=25, glare=True)
        if seen.wait(5.0):
            times.append((time.perf_counter() - started) * 1000.0)
        emulator.clear()
        time.sleep(0.6)
    scanner.stop()
    return {
        "rounds": rounds,
        "read": len(times),
        "median_ms": round(float(np.median(times)), 1) if times else None,
        "max_ms": round(max(times), 1) if times else None,
        "idle_cpu_share": round(idle_cpu, 3),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.scan_stream", description=__doc__)
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--fps", type=float, default=20.0)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    emulator = CameraEmulator(fps=args.fps).start()
    try:
        result = {
            "fps": args.fps,
            "mjpeg_http": _latencies(emulator, emulator.url, args.rounds),
            "in_process": _latencies(emulator, emulator, args.rounds),
        }
    finally:
        emulator.stop()
    print(json.dumps(result, indent=1 if args.json else None))
    return 0


if __name__ == "__main__":
    sys.exit(main())
