"""Stream latency of the scanner on moving codes: first frame shown -> code reported, as JSON.

    python -m bench.scan_moving --json [--seed N] [--count N] [--fps 20] [--budget-ms 40]
        [--workers 1|2]

Each presentation is one code brought in by a hand (bench.corpus.moving_presentation): 10-20
frames of movement, the smear along the hand's path shrinking as the hand slows (1-2.5 module
widths at first), the code growing as it comes closer, its tilt and rotation drifting; then
held with a tremor (a third of presentations keep a smear of 0.5-1.2 modules throughout). The
other faults (glare, contrast, noise, JPEG) are drawn per presentation as in the corpus.

The live loop is simulated on a virtual clock, with the decoder the camera's decode thread
runs (FrameDecoder with the region memory, thorough_every=3, the frame budget, spread): frame
k is shown at k/fps; the decoder takes the newest frame whenever it is free, and a decode
takes its measured CPU time (time.thread_time; the figures do not depend on what else the
machine runs); frames that arrive during a decode are dropped, as the driver drops them. Before each
presentation the decoder decodes the empty scene once, not timed: the kiosk's decoder has been
watching it when the hand comes in, so the code's arrival is a change of the scene (until
issue 18's third pass each presentation began with a decoder that had seen nothing, which
counted a small code far off as a still scene: slow steps on every third frame only).
Latency = the end of the decode that reported the code - the first frame's time. A code not
read within `--hold` seconds is a miss (`missed`); one read later than 500 ms is listed in `late`
(its index, latency, module size at rest, tilt and medium). Only the frames the decoder takes
are drawn.
`--workers 2` models two decode threads on two cores (never more than the machine has), one
running the cheap steps on every frame and one the slow steps, each on its own clock; the
decode CPU figures are then those of both. (Measured: no gain over one, docs/bench-scan.md.)
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")

import argparse
import json
import platform
import sys
import time
from typing import Any

import cv2
import numpy as np

from bench.corpus import moving_presentation
from kiosk.devices import known_code
from peripherals.camera.decode import FrameDecoder
from peripherals.camera.emulator import CodeLook, compose, scene

cv2.setNumThreads(1)


def _present(
    looks: list[CodeLook],
    background: np.ndarray,
    decoders: list[FrameDecoder],
    period: float,
    decode_ms: list[float],
) -> tuple[float | None, int, list[str]]:
    """One presentation on the virtual clock: (when the code was reported or None, frames
    decoded, every text read). One decoder: it runs every step on the newest frame whenever
    it is free. Two: each on its own core (its own clock), the first running the cheap steps
    and the second the slow ones, each on the newest frame it has not decoded yet."""
    roles = [(True, True)] if len(decoders) == 1 else [(True, False), (False, True)]
    for decoder, (cheap, slow) in zip(decoders, roles, strict=True):
        # the kiosk's decoder has been watching the empty scene before the hand comes in (not
        # timed): its picture of the scene is that, as in the live loop
        decoder.decode(background, cheap=cheap, slow=slow)
    now = [0.0] * len(decoders)  # each worker's clock: when it is next free
    done = [-1] * len(decoders)  # the last frame each worker decoded
    read_at: float | None = None
    taken = 0
    texts_seen: list[str] = []
    while True:
        worker = min(range(len(now)), key=now.__getitem__)  # the next to start
        if now[worker] == float("inf") or (read_at is not None and now[worker] >= read_at):
            break  # a later decode cannot report earlier
        k = int(now[worker] / period + 1e-9)  # the newest frame shown by now
        if k >= len(looks):
            now[worker] = float("inf")
            continue
        if k == done[worker]:  # idle until the next frame arrives
            now[worker] = (k + 1) * period
            continue
        frame = compose(background, looks[k])
        cheap, slow = roles[worker]
        start = time.thread_time()
        texts = [d.text for d in decoders[worker].decode(frame, cheap=cheap, slow=slow)]
        took = time.thread_time() - start
        decode_ms.append(took * 1000.0)
        taken += 1
        done[worker] = k
        now[worker] += took
        texts_seen += texts
        if looks[0].text in texts and (read_at is None or now[worker] < read_at):
            read_at = now[worker]
    return read_at, taken, texts_seen


def run(
    seed: int,
    count: int,
    fps: float,
    budget_ms: float | None,
    hold: float,
    thorough_every: int = 3,
    workers: int = 1,
) -> dict[str, Any]:
    load_before = [round(x, 2) for x in os.getloadavg()]
    rng = np.random.default_rng(seed)
    period = 1.0 / fps
    latencies: list[float] = []
    missed: list[dict[str, Any]] = []
    late: list[dict[str, Any]] = []  # read, but over 500 ms after the first frame
    wrong = 0
    decode_ms: list[float] = []
    frames_taken: list[int] = []
    costs: dict[str, float] | None = None
    for index in range(count):
        looks = moving_presentation(rng, seed * 100_000 + index, hold_frames=int(hold * fps))
        background = scene(seed * 100_000 + index)
        decoders = [
            FrameDecoder(
                thorough_every=thorough_every,
                accept_code128=known_code,
                budget_ms=budget_ms,
                spread=True,
            )
            for _ in range(workers)
        ]
        if costs is not None:
            decoders[-1].ms_per_mpx = dict(costs)
        read_at, taken, texts_seen = _present(looks, background, decoders, period, decode_ms)
        costs = decoders[-1].ms_per_mpx
        frames_taken.append(taken)
        wrong += sum(1 for t in texts_seen if t != looks[0].text)
        if read_at is None:
            missed.append({"index": index, "text": looks[0].text[:24], "kind": looks[0].kind})
        else:
            latencies.append(read_at * 1000.0)
            if read_at > 0.5:
                late.append(
                    {
                        "index": index,
                        "ms": round(read_at * 1000.0, 1),
                        "module_px": looks[-1].module_px,
                        "tilt": round(looks[-1].angle, 1),
                        "medium": looks[0].medium,
                    }
                )
    read = len(latencies)

    def within(ms: float) -> float:
        return round(sum(1 for x in latencies if x <= ms) / count, 4)

    return {
        "presentations": count,
        "read": read,
        "wrong": wrong,
        "within_500ms": within(500.0),
        "within_1000ms": within(1000.0),
        "latency_p50_ms": round(float(np.median(latencies)), 1) if latencies else None,
        "latency_p95_ms": round(float(np.percentile(latencies, 95)), 1) if latencies else None,
        "latency_max_ms": round(max(latencies), 1) if latencies else None,
        "decode_cpu_p50_ms": round(float(np.median(decode_ms)), 2),
        "decode_cpu_p95_ms": round(float(np.percentile(decode_ms, 95)), 2),
        "decode_cpu_max_ms": round(max(decode_ms), 2),
        "frames_decoded_median": float(np.median(frames_taken)),
        "missed": missed,
        "late": late,
        "settings": {
            "seed": seed,
            "fps": fps,
            "budget_ms": budget_ms,
            "hold_s": hold,
            "thorough_every": thorough_every,
            "decode_workers": workers,
            "cores_used": workers,
        },
        "machine": {
            "cpu": platform.processor() or platform.machine(),
            "python": platform.python_version(),
            "opencv": cv2.__version__,
            "loadavg_before": load_before,
            "loadavg_after": [round(x, 2) for x in os.getloadavg()],
        },
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.scan_moving", description=__doc__)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--seed", type=int, default=18)
    parser.add_argument("--count", type=int, default=100)
    parser.add_argument("--fps", type=float, default=20.0)
    parser.add_argument("--budget-ms", type=float, default=40.0, help="0: no budget")
    parser.add_argument("--hold", type=float, default=2.0, help="seconds a code is shown")
    parser.add_argument(
        "--thorough-every", type=int, default=3, help="slow steps on every Nth empty frame"
    )
    parser.add_argument(
        "--workers",
        type=int,
        choices=(1, 2),
        default=1,
        help="decode workers, each on its own core (2: one for the cheap steps, one slow)",
    )
    args = parser.parse_args(argv)
    if args.workers > (os.cpu_count() or 1):
        parser.error(f"--workers {args.workers}: this machine has {os.cpu_count()} cores")
    budget = args.budget_ms if args.budget_ms > 0 else None
    result = run(
        args.seed, args.count, args.fps, budget, args.hold, args.thorough_every, args.workers
    )
    if args.json:
        print(json.dumps(result, indent=1))
    else:
        print(
            f"{result['read']}/{result['presentations']} read, {result['within_500ms']:.1%} "
            f"within 500 ms, p50 {result['latency_p50_ms']} ms, p95 {result['latency_p95_ms']} ms"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
