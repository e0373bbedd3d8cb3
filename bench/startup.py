"""`python -m bench.startup --json`: how fast `kiosk app` shows its start screen, how much memory
it holds at rest, and whether the kiosk's brain grows over many journeys.

- first_frame_ms: from just before the `kiosk app` process is spawned to the first frame drawn
  (the window's `on_flip`) with the start screen current, under Xvfb (started here when
  DISPLAY is unset). The app runs in kiosk mode (full screen) with a config pointing at the
  bundled backend (own process) and the emulators (printer TCP, camera MJPEG, ID card pty),
  so whatever it opens at start is counted. The moment is taken inside the app by a driver
  script (`kiosk app --drive bench.startup:first_frame`, the app's own hook for scripts): it
  waits for the start screen, then for the next buffer flip, and writes the wall-clock time.
  The first launch on a fresh data_dir (font extracted, catalogs compiled) is reported apart.
- rss_at_rest_mb: VmRSS of the app process `--settle` seconds after its first frame, read
  before the bench's screenshot of that frame is taken; memory_at_rest_mb splits it by mapping
  (smaps: main heap, anonymous, Mesa software GL, X shared image, OpenCV/FFmpeg, ...),
  rss_kinds_at_rest_mb into anonymous, file-backed and shared memory (/proc/PID/status), and
  libraries_at_rest_mb by mapped file (the biggest 30).
- cpu_share_at_rest: the app's CPU time (all threads) over the second half of the settle time,
  per second of wall time (1.0 = one core busy): the camera looking at an empty scene, the
  window's clock.
- soak: `--soak` headless journeys (the scenarios of appliance/scenarios/, no UI) in this
  process, alternating a purchase (fresh payment code) and an order-QR pickup (freshly imported
  order); the scripted tourist lowers the phone as soon as the screen reacts to a code, and
  every code is fresh, so none waits to show one again. RSS after `--warmup` journeys against
  RSS after all of them (gc collected first). This process also hosts the emulators,
  whose list of printed tickets is emptied as it goes (it is the emulator's, not the kiosk's).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import logging
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

TARGETS = {"first_frame_ms": 2500.0, "rss_at_rest_mb": 200.0, "soak_growth_mb": 5.0}
SCREEN = "1080x1920"


# --- inside the app (run by `kiosk app --drive bench.startup:first_frame`) --------------------


async def first_frame(driver: Any) -> dict[str, Any]:
    """Wait for the start screen's first drawn frame; write its time to $BENCH_STARTUP_MARKER;
    stay up $BENCH_STARTUP_SETTLE seconds (the bench reads the RSS meanwhile), then end."""
    from kivy.core.window import Window

    flipped = asyncio.Event()
    Window.bind(on_flip=lambda *_: flipped.set())
    app = driver.app
    while getattr(getattr(app, "navigator", None), "current", "") != "start":
        await asyncio.sleep(0.002)
    flipped.clear()
    await asyncio.wait_for(flipped.wait(), 10)
    at = time.time()
    marker = os.environ.get("BENCH_STARTUP_MARKER", "")
    if marker:
        # written whole then renamed, so the bench never reads a half-written marker
        partial = Path(str(marker) + ".part")
        partial.write_text(json.dumps({"first_frame_at": at}))
        partial.replace(marker)
    # at rest first: the bench reads the RSS, then says so; only then the screenshot (reading
    # back a 1080x1920 frame and encoding a PNG grows the heap by ~20 MB that stays mapped)
    settle = float(os.environ.get("BENCH_STARTUP_SETTLE", "3"))
    measured = Path(marker + ".measured") if marker else None
    deadline = time.monotonic() + settle + 30
    await asyncio.sleep(settle)
    while measured is not None and not measured.exists() and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    at_rest = os.environ.get("BENCH_STARTUP_AT_REST", "")  # "module:function", a probe's hook
    if at_rest:
        import importlib

        module, _, function = at_rest.partition(":")
        await asyncio.to_thread(getattr(importlib.import_module(module), function), app)
    heap_report = os.environ.get("BENCH_STARTUP_HEAP_REPORT", "")
    if heap_report:
        Path(heap_report).write_text(json.dumps(heap_at_rest(), indent=1))
    shot = os.environ.get("BENCH_STARTUP_SCREENSHOT", "")
    if shot:
        await driver.screenshot(shot)
    return {"first_frame_at": at, "window": list(Window.size)}


def heap_at_rest(top: int = 60) -> dict[str, Any]:
    """What the app holds at rest (`--heap-report`): Python objects by the line that made them
    (tracemalloc, when the app was started with PYTHONTRACEMALLOC), and the modules imported,
    by top-level package, with the size of their compiled code (.pyc) as a rough measure."""
    import tracemalloc

    report: dict[str, Any] = {}
    if tracemalloc.is_tracing():
        gc.collect()
        snapshot = tracemalloc.take_snapshot()
        total = sum(stat.size for stat in snapshot.statistics("filename"))
        report["traced_mb"] = round(total / 2**20, 2)
        for key in ("filename", "lineno"):
            report[f"by_{key}"] = [
                [str(stat.traceback[0]), round(stat.size / 1024), stat.count]
                for stat in snapshot.statistics(key)[:top]
            ]
        # the project's own line that led to each allocation (an import, a build call): the
        # innermost frame in the project's folders, "elsewhere" when there is none
        root = str(Path(__file__).resolve().parents[1]) + os.sep
        ours = tuple(
            root + folder + os.sep for folder in ("ui", "kiosk", "peripherals", "appliance")
        )
        by_line: dict[str, int] = {}
        for stat in snapshot.statistics("traceback"):
            where = next(
                (f"{f.filename[len(root) :]}:{f.lineno}" for f in reversed(stat.traceback)
                 if f.filename.startswith(ours)),
                "elsewhere",
            )  # fmt: skip
            by_line[where] = by_line.get(where, 0) + stat.size
        report["by_project_line"] = [
            [where, round(size / 1024)]
            for where, size in sorted(by_line.items(), key=lambda item: -item[1])[:top]
        ]
    report["textures"] = textures_at_rest()
    report["biggest_mappings"] = biggest_mappings()
    packages: dict[str, list[float]] = {}
    for name, module in list(sys.modules.items()):
        if module is None:
            continue
        cached = getattr(getattr(module, "__spec__", None), "cached", None) or ""
        try:
            size = os.path.getsize(cached) if cached else 0
        except OSError:
            size = 0
        entry = packages.setdefault(name.split(".")[0], [0, 0.0])
        entry[0] += 1
        entry[1] += size / 1024
    report["modules"] = len(sys.modules)
    report["packages_pyc_kb"] = sorted(
        ([name, count, round(kb)] for name, (count, kb) in packages.items()),
        key=lambda row: -row[2],
    )
    return report


def biggest_mappings(top: int = 25) -> list[list[Any]]:
    """This process's mappings with the most resident memory: [name, size MB, resident MB]."""
    rows: list[list[Any]] = []
    with open("/proc/self/smaps") as smaps:
        for line in smaps:
            if line[0] in "0123456789abcdef" and "-" in line.split(" ", 1)[0]:
                fields = line.split()
                start, end = (int(v, 16) for v in fields[0].split("-"))
                name = fields[5].rsplit("/", 1)[-1] if len(fields) > 5 else "[anon]"
                rows.append([name, round((end - start) / 2**20, 2), 0.0])
            elif line.startswith("Rss:") and rows:
                rows[-1][2] = round(int(line.split()[1]) / 1024, 2)
    return sorted(rows, key=lambda row: -row[2])[:top]


def textures_at_rest(top: int = 12) -> dict[str, Any]:
    """The GL textures alive (a Kivy Texture each, region views left out): their count, their
    size as RGBA (what llvmpipe holds for each), the biggest with the widget showing them."""
    from kivy.graphics.texture import Texture, TextureRegion

    found = [
        obj
        for obj in gc.get_objects()
        if isinstance(obj, Texture) and not isinstance(obj, TextureRegion)
    ]
    sizes = sorted(((t.width * t.height * 4, f"{t.width}x{t.height}") for t in found), reverse=True)
    return {
        "count": len(found),
        "rgba_mb": round(sum(size for size, _ in sizes) / 2**20, 2),
        "biggest": [[shape, round(size / 2**20, 2)] for size, shape in sizes[:top]],
    }


# --- the bench -------------------------------------------------------------------------------


@contextmanager
def display() -> Iterator[str]:
    """$DISPLAY, or an Xvfb started here (portrait 1080x1920, 24 bit) on a free display."""
    if os.environ.get("DISPLAY"):
        yield os.environ["DISPLAY"]
        return
    number = next(n for n in range(91, 200) if not Path(f"/tmp/.X11-unix/X{n}").exists())
    w, h = SCREEN.split("x")
    xvfb = subprocess.Popen(
        ["Xvfb", f":{number}", "-screen", "0", f"{w}x{h}x24", "-nolisten", "tcp"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while not Path(f"/tmp/.X11-unix/X{number}").exists():
            if time.monotonic() > deadline or xvfb.poll() is not None:
                raise RuntimeError("Xvfb did not start")
            time.sleep(0.05)
        yield f":{number}"
    finally:
        xvfb.terminate()
        try:
            xvfb.wait(5)
        except subprocess.TimeoutExpired:
            xvfb.kill()


def write_config(path: Path, backend_url: str, devices: dict[str, str], data_dir: Path) -> None:
    lines = [
        'kiosk_id = "kiosk-01"',
        'kiosk_token = "demo-kiosk-token"',
        f'backend_url = "{backend_url}"',
        'language = "zh_CN"',
        f'data_dir = "{data_dir}"',
        "[devices]",
        *(f'{name} = "{value}"' for name, value in devices.items()),
    ]
    path.write_text("\n".join(lines) + "\n")


def launch_once(
    config: Path, out: Path, display_name: str, settle: float, heap_report: bool = False
) -> dict[str, Any]:
    """One `kiosk app` launch: first-frame time, RSS at rest, exit code; with `heap_report`,
    traced by tracemalloc (which costs memory itself) and its report written to out."""
    marker, result_file = out / "first-frame.json", out / "drive-out.json"
    measured = Path(str(marker) + ".measured")
    for f in (marker, result_file, measured):
        f.unlink(missing_ok=True)
    env = dict(os.environ, DISPLAY=display_name, BENCH_STARTUP_MARKER=str(marker))
    env.update(BENCH_STARTUP_SETTLE=str(settle), BENCH_STARTUP_SCREENSHOT=str(out / "start.png"))
    if heap_report:
        env.update(PYTHONTRACEMALLOC="16", BENCH_STARTUP_HEAP_REPORT=str(out / "heap-at-rest.json"))
    command = [sys.executable, "-m", "appliance.cli", "app", "--config", str(config),
               "--drive", "bench.startup:first_frame", "--drive-out", str(result_file)]  # fmt: skip
    spawned = time.time()
    proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    figures: dict[str, Any] = {}
    try:
        deadline = time.monotonic() + (600 if heap_report else 60)  # tracing is slow
        while not marker.exists():
            if proc.poll() is not None or time.monotonic() > deadline:
                if proc.poll() is None:
                    proc.kill()  # then its stderr ends
                raise RuntimeError(f"no first frame: {proc.stderr.read().decode()[-2000:]}")  # type: ignore[union-attr]
            time.sleep(0.01)
        first = json.loads(marker.read_text())["first_frame_at"]
        figures["first_frame_ms"] = round((first - spawned) * 1000, 1)
        rest_at = first + settle - 0.3
        # the app's CPU at rest: over the second half of the settle time (the camera's scene
        # is still and empty then; the start screen is drawn)
        cpu_from = first + settle / 2
        while time.time() < cpu_from:
            time.sleep(0.05)
        cpu_before, wall_before = cpu_seconds(proc.pid), time.time()
        while time.time() < rest_at:
            time.sleep(0.05)
        figures["cpu_share_at_rest"] = round(
            (cpu_seconds(proc.pid) - cpu_before) / max(0.1, time.time() - wall_before), 3
        )
        figures["rss_at_rest_mb"] = round(rss_mb(proc.pid), 1)
        figures["memory_mb"] = memory_breakdown(proc.pid)
        figures["libraries_mb"] = libraries_resident(proc.pid)
        figures["rss_kinds_mb"] = rss_kinds(proc.pid)
        figures["threads"] = len(os.listdir(f"/proc/{proc.pid}/task"))
        measured.write_text("1")
        figures["exit_code"] = proc.wait(timeout=600 if heap_report else 30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(5)
    return figures


# where the resident memory is, by mapping (from /proc/PID/smaps); the rest is "other"
MAPPING_GROUPS = {
    "heap": ("[heap]",),  # the main malloc arena: Python objects > 512 B and C allocations
    "anon": ("[anon]",),  # pymalloc arenas, other threads' malloc arenas, big blocks, stacks
    "software_gl": ("libLLVM", "swrast_dri", "kms_swrast", "libgallium"),  # Mesa llvmpipe
    "x_shm": ("SYSV",),  # MIT-SHM image the window is drawn into
    "opencv_ffmpeg": (
        "cv2.abi3",
        "libav",
        "libsw",
        "libopenblas",
        "libgfortran",
        "zxingcpp",
        "libzbar",
    ),
    "python": ("libpython",),
}


def memory_breakdown(pid: int) -> dict[str, float]:
    """Resident MB per group of mappings (see MAPPING_GROUPS), from /proc/PID/smaps."""
    totals = dict.fromkeys([*MAPPING_GROUPS, "other_libs"], 0.0)
    group = "other_libs"
    with open(f"/proc/{pid}/smaps") as smaps:
        for line in smaps:
            if line[0] in "0123456789abcdef" and "-" in line.split(" ", 1)[0]:
                fields = line.split()
                name = fields[5] if len(fields) > 5 else "[anon]"
                name = name.rsplit("/", 1)[-1]
                group = next((g for g, keys in MAPPING_GROUPS.items()
                              if any(name.startswith(k) for k in keys)), "other_libs")  # fmt: skip
            elif line.startswith("Rss:"):
                totals[group] += int(line.split()[1]) / 1024
    return {name: round(mb, 1) for name, mb in totals.items()}


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) the process has used so far, all its threads."""
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def libraries_resident(pid: int, top: int = 30) -> dict[str, float]:
    """Resident MB per mapped file (all its mappings: code, read-only data, relocated data),
    the `top` biggest: which library holds what of the file-backed part of the RSS."""
    per_file: dict[str, float] = {}
    name = ""
    with open(f"/proc/{pid}/smaps") as smaps:
        for line in smaps:
            if line[0] in "0123456789abcdef" and "-" in line.split(" ", 1)[0]:
                fields = line.split()
                name = fields[5].rsplit("/", 1)[-1] if len(fields) > 5 and "/" in fields[5] else ""
            elif name and line.startswith("Rss:"):
                per_file[name] = per_file.get(name, 0.0) + int(line.split()[1]) / 1024
    biggest = sorted(per_file.items(), key=lambda item: -item[1])[:top]
    return {file: round(mb, 2) for file, mb in biggest}


def rss_kinds(pid: int) -> dict[str, float]:
    """VmRSS split as the kernel counts it (/proc/PID/status): `anon` (the heap, Python objects,
    buffers: only freeing gives it back), `file` (code and data of mapped files: clean pages,
    shared with other processes using the same libraries, which the kernel may drop and read
    again under pressure), `shmem` (the MIT-SHM image shared with the X server)."""
    kinds = {"RssAnon:": "anon", "RssFile:": "file", "RssShmem:": "shmem"}
    out: dict[str, float] = {}
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            key = line.split()[0] if line.strip() else ""
            if key in kinds:
                out[kinds[key]] = round(int(line.split()[1]) / 1024, 1)
    return out


def rss_mb(pid: int | str = "self") -> float:
    from bench.kiosk_rig import rss_mb as read

    return read(pid)


def startup(
    runs: int,
    settle: float,
    out: Path,
    with_devices: bool = True,
    camera_via: str = "mjpeg",
    heap_report: bool = False,
) -> dict[str, Any]:
    """camera_via "mjpeg": emu:// (MjpegSource, no FFmpeg, the default); "ffmpeg": the same
    stream as http://.../stream.mjpg through OpenCV's FFMPEG backend (to measure the saving)."""
    from appliance.backend import backend_process
    from appliance.tourist import Emulators

    out.mkdir(parents=True, exist_ok=True)
    for stale in out.glob("backend*"):  # each run from a fresh backend database and its keys
        stale.unlink()
    with ExitStack() as stack:
        display_name = stack.enter_context(display())
        emulators = Emulators.start(out / "tickets")
        stack.callback(emulators.stop)
        url = stack.enter_context(backend_process(out / "backend.db"))
        devices = {
            "printer": f"tcp://{emulators.printer.host}:{emulators.printer.port}",
            "camera": f"emu://127.0.0.1:{emulators.camera.port}"
            if camera_via == "mjpeg"
            else f"http://127.0.0.1:{emulators.camera.port}/stream.mjpg",
            "idcard": emulators.idcard.port,
        }
        if not with_devices:
            devices = {name: "" for name in devices} | {"smartcard": ""}
        data_dir = out / "kiosk"
        shutil.rmtree(data_dir, ignore_errors=True)
        config = out / "kiosk.toml"
        write_config(config, url, devices, data_dir)
        launches = [launch_once(config, out, display_name, settle) for _ in range(runs + 1)]
        if heap_report:  # one more launch, traced: not counted in the figures above
            launch_once(config, out, display_name, settle, heap_report=True)
    cold, warm = launches[0], launches[1:]
    first = [w["first_frame_ms"] for w in warm]
    rss = [w["rss_at_rest_mb"] for w in warm]
    return {
        "display": "Xvfb " + SCREEN + "x24 (software GL)",
        "config": "backend (bundled, own process) + "
        + (f"printer, camera ({camera_via}), ID card emulators" if with_devices else "no devices"),
        "first_launch_ms": cold["first_frame_ms"],
        "first_frame_ms": {
            "median": round(statistics.median(first), 1),
            "max": max(first),
            "runs": first,
        },
        "rss_at_rest_mb": {"median": round(statistics.median(rss), 1), "max": max(rss)},
        "memory_at_rest_mb": warm[len(warm) // 2]["memory_mb"],
        "rss_kinds_at_rest_mb": warm[len(warm) // 2]["rss_kinds_mb"],
        "threads_at_rest": warm[len(warm) // 2]["threads"],
        "cpu_share_at_rest": {
            "median": statistics.median(w["cpu_share_at_rest"] for w in warm),
            "runs": [w["cpu_share_at_rest"] for w in warm],
        },
        "libraries_at_rest_mb": warm[len(warm) // 2]["libraries_mb"],
        "exit_codes": [launch["exit_code"] for launch in launches],
        "screenshot": str(out / "start.png"),
        **({"heap_report": str(out / "heap-at-rest.json")} if heap_report else {}),
    }


async def soak(journeys: int, warmup: int, out: Path) -> dict[str, Any]:
    from bench.kiosk_rig import REPEATABLE, pay_code, rig

    async with rig(out, idcard_baud=0) as r:
        samples: list[tuple[int, float]] = []
        failed = 0
        started = time.perf_counter()
        base_rss = 0.0
        for i in range(1, journeys + 1):
            r.k.options["pay_code"] = pay_code(i)
            name = "purchase" if i % 2 else "pickup-order"
            result = await REPEATABLE[name](r)
            failed += not result.get("ok")
            r.emulators.printer.tickets.clear()
            if i in (warmup, journeys) or i % 20 == 0:
                gc.collect()
                samples.append((i, round(rss_mb(), 2)))
                if i == warmup:
                    base_rss = samples[-1][1]
        elapsed = time.perf_counter() - started
    end_rss = samples[-1][1]
    return {
        "journeys": journeys,
        "warmup": warmup,
        "failed": failed,
        "mix": "purchase (2 tickets) and pickup by order QR (3 tickets), alternating",
        "rss_after_warmup_mb": base_rss,
        "rss_after_all_mb": end_rss,
        "growth_mb": round(end_rss - base_rss, 2),
        "rss_every_20": samples,
        "seconds": round(elapsed, 1),
    }


def verdicts(report: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if "startup" in report:
        for key in ("first_frame_ms", "rss_at_rest_mb"):
            measured = report["startup"][key]["median"]
            out[key] = {"target": TARGETS[key], "measured": measured,
                        "met": measured < TARGETS[key]}  # fmt: skip
    if "soak" in report:
        measured = report["soak"]["growth_mb"]
        out["soak_growth_mb"] = {"target": TARGETS["soak_growth_mb"], "measured": measured,
                                 "met": measured < TARGETS["soak_growth_mb"]}  # fmt: skip
    return out


def main(argv: list[str] | None = None) -> int:
    from bench.kiosk_rig import machine

    parser = argparse.ArgumentParser(prog="bench.startup", description=__doc__.split("\n")[0])
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    parser.add_argument("--runs", type=int, default=3, help="warm launches (after a first one)")
    parser.add_argument("--settle", type=float, default=5.0, help="seconds to rest before RSS")
    parser.add_argument("--soak", type=int, default=200, help="headless journeys; 0: skip")
    parser.add_argument("--warmup", type=int, default=20, help="journeys before the baseline")
    parser.add_argument("--no-app", action="store_true", help="skip the app launches")
    parser.add_argument("--no-devices", action="store_true", help="launch with no devices")
    parser.add_argument(
        "--camera-via", choices=("mjpeg", "ffmpeg"), default="mjpeg", help="how the camera opens"
    )
    parser.add_argument(
        "--heap-report",
        action="store_true",
        help="one more launch under tracemalloc: what Python holds at rest (not in the figures)",
    )
    parser.add_argument("--out", default="", help="working folder")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.ERROR)
    out = Path(args.out or tempfile.mkdtemp(prefix="bench-startup-"))
    report: dict[str, Any] = {"bench": "startup", "machine": machine()}
    if not args.no_app:
        report["startup"] = startup(
            max(1, args.runs),
            args.settle,
            out / "app",
            with_devices=not args.no_devices,
            camera_via=args.camera_via,
            heap_report=args.heap_report,
        )
    if args.soak > 0:
        warmup = max(1, min(args.warmup, args.soak))
        report["soak"] = asyncio.run(soak(args.soak, warmup, out / "soak"))
    report["targets"] = verdicts(report)
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        for key, verdict in report["targets"].items():
            print(f"{key}: {verdict['measured']} (target < {verdict['target']}) "
                  f"{'met' if verdict['met'] else 'MISSED'}")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
