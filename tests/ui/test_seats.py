"""Seated departures through the real app (run under `flock /tmp/kiosk-ui.lock`): two seats
side by side on the summit shuttle, the seat map read and shot in Chinese and English, in
portrait and landscape, seats no smaller than the touch target, the printed ticket with the
seat number large."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.ui.conftest import SCREEN_SHOTS

pytestmark = [pytest.mark.ui]

MODULE = "tests.ui.scenarios_seats"


def joined(texts: list[str]) -> str:
    return " ".join(texts)


# both orientations: the 45-seat map has a layout of its own in each (every seat at least the
# touch target, all on screen); the journey after the map is walked in portrait only
@pytest.mark.parametrize("size", ["1080x1920", "1920x1080"])
def test_two_seats_side_by_side_on_the_shuttle_bus(run_ui, kiosk_rig, size):
    result = run_ui("seats_side_by_side", size=size, env=kiosk_rig, module=MODULE,
                    timeout=150)["result"]  # fmt: skip
    # every seat at least the touch target (15 mm at the configured dpi), the 45 seats on screen
    assert all(w >= result["touch"] and h >= result["touch"] for w, h in result["sizes"])
    assert result["fits"]
    zh, en = joined(result["read_zh"]), joined(result["read_en"])
    assert "选择座位" in zh and "一键选座" in zh and "靠窗" in zh
    first, second = result["pair"]
    assert f"1. 成人票: {first}" in zh and f"2. 成人票: {second}" in zh
    assert "Choose your seats" in en and "Best seats" in en and "Window" in en
    assert f"1. Adult: {first}" in en
    assert all(Path(p).exists() for p in result["shots"])
    if size == "1920x1080":
        # landscape: the seat map's own layout, read and measured above; the tourist left
        # before paying (the summary, payment and printing are the portrait run's)
        assert result["paid"] is False
        return
    summary = joined(result["summary"])
    assert f"座位 {first}" in summary and f"座位 {second}" in summary and "¥45" in summary
    assert "已出票 2 张" in joined(result["done"])
    tickets = sorted(
        Path(kiosk_rig["KIOSK_TICKETS"]).glob("*.png"), key=lambda p: p.stat().st_mtime
    )
    assert len(tickets) >= 2
    out = SCREEN_SHOTS / "seats" / "tickets"
    out.mkdir(parents=True, exist_ok=True)
    for ticket in tickets[-2:]:
        shutil.copy(ticket, out / f"{size}_{ticket.name}")
