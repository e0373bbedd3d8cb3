"""`python -m bench.journey --json [--repeat N] [--journeys a,b]`: the kiosk's own time in each
scripted journey (appliance/scenarios/), against the bundled backend in its own process and
the emulators with no physical delay, except the ID card reader's serial line, paced at
`--idcard-baud` (115200) because the pickup-id target is stated at that speed.

Per journey, N measured runs after one warm-up, one kiosk process for all:
- kiosk_ms: the flows' busy time. A flow is busy from its start until it waits for the tourist,
  and from the moment the awaited action was delivered (a tap; a decoded code; a read ID card)
  until it waits again or ends. The tourist's own time (the script's holds, reading, tapping)
  and the devices' read latency are left out; both are reported apart.
- last_action_ms: from the tourist's last action being delivered to the flow's outcome
  (purchase: the payment code decoded -> paid, tickets printed, "done").
- camera_read_ms / idcard_read_ms: code shown -> decoded code delivered to the flow (frame
  interval at 20 fps + decode); card placed -> card delivered (watcher idle poll 0.05 s at
  115200 baud + SAM read).
- card_to_first_byte_ms (pickup-id): card placed -> first ticket byte at the printer emulator
  (status queries, DLE EOT, are not ticket bytes).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from bench.kiosk_rig import REPEATABLE, Rig, Timeline, machine, rig, stats_ms
from peripherals.idcard.watcher import idle_poll_for

DEFAULT_JOURNEYS = (
    "purchase",
    "pickup-id",
    "pickup-order",
    "addon-with-parent",
    "addon-without-parent",
    "member-points",
    "rebook",
    "refund",
)
TARGETS = {"purchase_kiosk_median_ms": 300.0, "pickup_id_card_to_first_byte_median_ms": 500.0}
# the ID card emulator's answer to a full read (text 256 + photo 1024 + frame) in bytes
IDCARD_READ_BYTES = 1295


def measure(timeline: Timeline, wall: float) -> dict[str, float]:
    busy, waiting = timeline.kiosk_seconds()
    events = timeline.events
    out = {"wall_ms": wall * 1000, "kiosk_ms": busy * 1000, "tourist_ms": waiting * 1000}
    ends = [t for t, kind, _ in events if kind == "run_end"]
    acts = [t for t, kind, _ in events if kind == "act" and ends and t <= ends[-1]]
    if ends and acts:
        out["last_action_ms"] = (ends[-1] - acts[-1]) * 1000
    camera, idcard = [], []
    for t, kind, _ in events:
        if kind in ("code_shown", "card_placed"):
            name = "scan" if kind == "code_shown" else "id_card"
            got = timeline.first("act", name, after=t)
            if got is not None:
                (camera if kind == "code_shown" else idcard).append((got - t) * 1000)
    if camera:
        out["camera_read_ms"] = sum(camera) / len(camera)
    if idcard:
        out["idcard_read_ms"] = sum(idcard) / len(idcard)
        placed = timeline.first("card_placed")
        first_byte = timeline.first("printer_bytes", after=placed or 0.0)
        if placed is not None and first_byte is not None:
            out["card_to_first_byte_ms"] = (first_byte - placed) * 1000
            delivered = timeline.first("act", "id_card", after=placed)
            if delivered is not None:
                out["card_delivered_to_first_byte_ms"] = (first_byte - delivered) * 1000
    return out


async def run_one(r: Rig, name: str) -> tuple[dict[str, Any], dict[str, float]]:
    await r.next_tourist()
    result = await REPEATABLE[name](r)
    ended = time.perf_counter()
    events = r.recorder.timeline.events  # begun after any set-up (an imported order)
    return result, measure(r.recorder.timeline, ended - events[0][0] if events else 0.0)


async def run(journeys: list[str], repeat: int, idcard_baud: int, out: Path) -> dict[str, Any]:
    report: dict[str, Any] = {
        "bench": "journey",
        "machine": machine(),
        "repeat": repeat,
        "idcard_baud": idcard_baud,
        "devices": "emulators in this process (printer TCP, camera MJPEG 20 fps, ID card pty); "
        "no printer pacing; backend: bundled, own process, demo seed",
        "journeys": {},
    }
    async with rig(out, idcard_baud=idcard_baud) as r:
        for name in journeys:
            samples: list[dict[str, float]] = []
            failures: list[str] = []
            for i in range(repeat + 1):  # run 0 warms up (imports, connections, caches)
                try:
                    result, figures = await run_one(r, name)
                except Exception as exc:  # a broken run is reported, the others still count
                    failures.append(f"{type(exc).__name__}: {exc}")
                    continue
                if i == 0:
                    continue
                if result.get("ok"):
                    samples.append(figures)
                else:
                    failures.append(str(result.get("result")))
            keys = sorted({k for s in samples for k in s})
            entry: dict[str, Any] = {"runs": len(samples), "failed": failures}
            entry.update({k: stats_ms([s[k] for s in samples if k in s]) for k in keys})
            report["journeys"][name] = entry
    report["targets"] = targets(report["journeys"])
    report["components"] = {
        "idcard_watcher_poll_s": 0.3,
        "idcard_watcher_idle_poll_s": idle_poll_for(SimpleNamespace(baudrate=115200), 0.3),
        "camera_fps": 20,
        "idcard_wire_ms_per_read": round(IDCARD_READ_BYTES * 10 / idcard_baud * 1000, 1)
        if idcard_baud
        else 0.0,
    }
    return report


def targets(journeys: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    purchase = journeys.get("purchase", {}).get("kiosk_ms")
    if purchase:
        limit = TARGETS["purchase_kiosk_median_ms"]
        out["purchase_kiosk_median_ms"] = _verdict(purchase["median"], limit)
    pickup = journeys.get("pickup-id", {}).get("card_to_first_byte_ms")
    if pickup:
        limit = TARGETS["pickup_id_card_to_first_byte_median_ms"]
        out["pickup_id_card_to_first_byte_median_ms"] = _verdict(pickup["median"], limit)
    return out


def _verdict(measured: float, limit: float) -> dict[str, Any]:
    return {"target": limit, "measured": measured, "met": measured < limit}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench.journey", description=__doc__.split("\n")[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--repeat", type=int, default=5, help="measured runs per journey")
    parser.add_argument(
        "--journeys",
        default=",".join(DEFAULT_JOURNEYS),
        help=f"comma-separated, of: {', '.join(REPEATABLE)}",
    )
    parser.add_argument("--idcard-baud", type=int, default=115200, help="0: no line pacing")
    parser.add_argument("--out", default="", help="folder for the backend DB, journal, tickets")
    args = parser.parse_args(argv)
    names = [n.strip() for n in args.journeys.split(",") if n.strip()]
    unknown = [n for n in names if n not in REPEATABLE]
    if unknown:
        parser.error(f"unknown journeys: {unknown}; known: {list(REPEATABLE)}")
    logging.basicConfig(level=logging.ERROR)
    out = Path(args.out or tempfile.mkdtemp(prefix="bench-journey-"))
    report = asyncio.run(run(names, max(1, args.repeat), args.idcard_baud, out))
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        for name, entry in report["journeys"].items():
            kiosk_ms = entry.get("kiosk_ms", {})
            print(
                f"{name:22s} kiosk median {kiosk_ms.get('median')} ms  p95 {kiosk_ms.get('p95')} ms"
                f"  ({entry['runs']} runs, {len(entry['failed'])} failed)"
            )
        for key, verdict in report["targets"].items():
            print(f"{key}: {verdict['measured']} ms (target < {verdict['target']}) "
                  f"{'met' if verdict['met'] else 'MISSED'}")  # fmt: skip
    failed = any(entry["failed"] for entry in report["journeys"].values())
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
