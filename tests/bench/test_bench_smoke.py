"""Smoke tests of bench.journey and bench.startup: each runs end to end with a tiny workload
(real backend process, emulators, the real `kiosk app` under Xvfb) and prints one JSON object
with the figures the docs quote. Not timing assertions: the figures only have to be there and
be sane (positive, the journeys done, the app exited cleanly)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run_bench(module: str, *args: str, timeout: float = 60) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-m", module, "--json", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)


@pytest.mark.timeout(90)
def test_journey_bench_reports_kiosk_time_per_journey(artifacts_dir: Path) -> None:
    report = run_bench(
        "bench.journey", "--repeat", "1", "--journeys", "purchase,pickup-id",
        "--out", str(artifacts_dir / "journey"),
    )  # fmt: skip
    (artifacts_dir / "journey.json").write_text(json.dumps(report, indent=2))
    assert report["machine"]["cores"] >= 1
    purchase, pickup = report["journeys"]["purchase"], report["journeys"]["pickup-id"]
    for entry in (purchase, pickup):
        assert entry["runs"] == 1 and entry["failed"] == []
        assert 0 < entry["kiosk_ms"]["median"] <= entry["wall_ms"]["median"]
        assert set(entry["kiosk_ms"]) == {"median", "p95", "min", "max"}
    assert purchase["camera_read_ms"]["median"] > 0
    # the card's 1.3 kB answer alone takes ~112 ms at 115200 baud
    assert pickup["idcard_read_ms"]["median"] >= 100
    assert pickup["card_to_first_byte_ms"]["median"] > pickup["idcard_read_ms"]["median"]
    assert set(report["targets"]) == {
        "purchase_kiosk_median_ms",
        "pickup_id_card_to_first_byte_median_ms",
    }


@pytest.mark.timeout(120)
def test_startup_bench_reports_first_frame_memory_and_soak(artifacts_dir: Path) -> None:
    report = run_bench(
        "bench.startup", "--runs", "1", "--settle", "1", "--soak", "4", "--warmup", "2",
        "--out", str(artifacts_dir / "startup"), timeout=100,
    )  # fmt: skip
    (artifacts_dir / "startup.json").write_text(json.dumps(report, indent=2))
    startup, soak = report["startup"], report["soak"]
    assert startup["exit_codes"] == [0, 0]
    assert 0 < startup["first_frame_ms"]["median"] < 60_000
    assert 50 < startup["rss_at_rest_mb"]["median"] < 4096
    kinds = startup["rss_kinds_at_rest_mb"]  # anonymous + file-backed + shared = the RSS
    assert abs(sum(kinds.values()) - startup["rss_at_rest_mb"]["median"]) < 10, kinds
    assert 0 <= startup["cpu_share_at_rest"]["median"] <= os.cpu_count()  # cores busy
    libraries = startup["libraries_at_rest_mb"]  # resident MB per mapped file, biggest first
    assert libraries and list(libraries.values()) == sorted(libraries.values(), reverse=True)
    assert Path(startup["screenshot"]).stat().st_size > 10_000  # the start screen, drawn
    assert soak["journeys"] == 4 and soak["failed"] == 0
    assert soak["rss_after_all_mb"] > 0 and "growth_mb" in soak
    assert set(report["targets"]) == {"first_frame_ms", "rss_at_rest_mb", "soak_growth_mb"}
