"""Kiosk mode takes the whole screen, whatever its size and orientation: the real app, not
--windowed, on an X screen of its own, photographed from the X server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from tests.ui.conftest import ROOT, SCREEN_SHOTS, start_xvfb

pytestmark = [pytest.mark.ui]


@pytest.fixture(params=["1920x1080", "1080x1920"])
def bare_screen(request: pytest.FixtureRequest) -> Iterator[tuple[str, tuple[int, int]]]:
    """A bare X server (no window manager, like a kiosk session) of the given size."""
    width, height = (int(v) for v in request.param.split("x"))
    with start_xvfb(request.param) as display:
        yield display, (width, height)


def test_kiosk_mode_fills_a_screen_of_another_size(bare_screen, tmp_path: Path):
    display, (width, height) = bare_screen
    out = tmp_path / "outcome.json"
    env = {**os.environ, "DISPLAY": display, "KIOSK_DATA_DIR": str(tmp_path / "data"),
           "KIOSK_UI_SHOTS": str(SCREEN_SHOTS)}  # fmt: skip
    env.pop("KIOSK_CONFIG", None)
    # --size says portrait; the screen decides
    script = "tests.ui.scenarios_display:fills_the_screen"
    args = [sys.executable, "-m", "ui.main", "--screens-only", "--size", "1080x1920",
            "--drive", script, "--drive-out", str(out)]  # fmt: skip
    proc = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert out.exists(), proc.stderr[-3000:]
    outcome = json.loads(out.read_text())
    assert outcome["ok"], outcome.get("traceback")
    result = outcome["result"]
    assert result["window"] == [width, height]
    assert result["landscape"] is (width > height)
    left, _bottom, right, _top = result["buy"]
    # the Buy button sits in the screen's own layout: landscape puts it in the right half
    if width > height:
        assert left > width / 3 and right > 1000 and right <= width
    else:
        assert right - left > width / 2
    shot = Image.open(result["screenshot"]).convert("RGB")
    assert shot.size == (width, height)
    # nothing of the screen is left black: each quarter is mostly the app's drawing
    for box in quarters(width, height):
        assert black_share(shot.crop(box)) < 0.05, f"black area at {box}"


def quarters(width: int, height: int) -> list[tuple[int, int, int, int]]:
    w, h = width // 2, height // 2
    return [(0, 0, w, h), (w, 0, width, h), (0, h, w, height), (w, h, width, height)]


def black_share(image: Image.Image) -> float:
    small = image.resize((image.width // 8, image.height // 8))
    pixels = list(small.getdata())
    return sum(1 for p in pixels if max(p) < 12) / len(pixels)
