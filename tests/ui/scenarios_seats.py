"""Seated departures through the real app: the shuttle bus button on the start screen,
tomorrow's first departure, two adults, two seats side by side tapped on the seat map (read and
shot in Chinese, then in English), the summary naming the seats, payment, printing (portrait;
in landscape the tourist leaves after the seat map)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from appliance import screen_demo as play
from appliance.scenarios.common import PAY_OK, pay_code
from ui.driver import Driver


def side_by_side_free(params: dict[str, Any]) -> tuple[str, str]:
    """A window and an aisle seat of one row (A and B: not across the aisle), both free."""
    free = {s["seat"] for s in params.get("seats", []) if s["state"] == "free"}
    row = next(r for r in range(3, 11) if {f"{r}A", f"{r}B"} <= free)
    return f"{row}A", f"{row}B"


def seat_map_params(d: Driver) -> dict[str, Any]:
    return dict(d.app.navigator.current_screen.params)


async def seats_side_by_side(d: Driver) -> dict[str, Any]:
    width, height = d.window.size
    folder = Path(os.environ["KIOSK_UI_SHOTS"]) / "seats" / (
        "landscape" if width > height else "portrait")  # fmt: skip
    shot = play.Shots(d, folder)
    control = play.Control()
    await play.at_start(d)
    await shot("start")
    await d.tap(await d.wait_for(wid="seats"))
    await d.wait_screen("choose_slot", timeout=10)
    await d.tap(await d.wait_for(wid="date_1"))  # tomorrow: open whatever the hour
    await d.until(
        lambda: seat_map_params(d).get("date") == seat_map_params(d).get("dates", ["", ""])[1],
        "tomorrow's departures",
    )
    await d.tap(await d.wait_for(wid="slot_" + str(await play.first_open_slot(d))))
    await d.wait_screen("ticket_counter", timeout=10)
    await d.tap(await d.wait_for(wid="count_SHUTTLE-ADULT_2"))
    await d.tap(await d.wait_for(wid="next"))
    await d.wait_screen("seat_map", timeout=10)
    await d.wait_for(wid="seat_1A")
    pair = side_by_side_free(seat_map_params(d))
    seats = [await d.wait_for(wid=f"seat_{s}") for s in pair]
    sizes = [tuple(s.size) for s in seats]
    await d.frames(2)
    on_screen = all(
        s.to_window(*s.pos)[0] >= 0 and s.to_window(s.right, s.top)[0] <= width
        and s.to_window(*s.pos)[1] >= 0 and s.to_window(s.right, s.top)[1] <= height
        for s in (d.find(wid="seat_1A"), d.find(wid="seat_11E"))
        if s is not None
    )  # fmt: skip
    await shot("seat_map")
    for seat in pair:
        await d.tap(await d.wait_for(wid=f"seat_{seat}"))
        await d.until(lambda s=seat: any(s in t for t in d.texts() if "1." in t or "2." in t),
                      f"seat {seat} taken for a traveller")  # fmt: skip
    read_zh = await play.texts_of(d)
    await shot("seat_map_two_seats")
    await d.tap(await d.wait_for(wid="lang_en"))
    await d.until(lambda: "Best seats" in d.texts(), "the seat map in English")
    read_en = await play.texts_of(d)
    await shot("seat_map_two_seats")
    await d.tap(await d.wait_for(wid="lang_zh_CN"))
    await d.until(lambda: "一键选座" in d.texts(), "the seat map in Chinese again")
    result = {
        "pair": pair,
        "sizes": sizes,
        "touch": float(d.app.touch),
        "fits": on_screen,
        "read_zh": read_zh,
        "read_en": read_en,
        "shots": [str(folder / name) for name in shot.taken],
    }
    if width > height:
        # landscape: the seat map is what differs (its own layout); the summary, payment and
        # printing after it are the portrait run's, so the tourist leaves here
        await play.leave(d)
        return {**result, "paid": False}
    await d.tap(await d.wait_for(wid="next"))
    await d.wait_screen("summary", timeout=10)
    summary = await play.texts_of(d)
    await shot("summary")
    await d.tap(await d.wait_for(wid="confirm"))
    await d.wait_screen("device_prompt", timeout=15)
    await control.show_code(pay_code(PAY_OK))  # its own one-time code
    await d.wait_screen("summary", timeout=40)
    await d.wait_for(wid="finish", timeout=30)
    done = await play.texts_of(d)
    await shot("done")
    await d.tap(await d.wait_for(wid="finish"))
    return {**result, "summary": summary, "done": done, "paid": True,
            "shots": [str(folder / name) for name in shot.taken]}  # fmt: skip


async def _leave(d: Driver) -> None:
    """Back, back... cancel: to the start screen without buying."""
    await play.leave(d)
