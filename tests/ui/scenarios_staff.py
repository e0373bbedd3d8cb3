"""Maintenance through the real app: the hidden corner held 5 s, the staff card inserted in the
smart card emulator (pcscd + vpcd, through the control endpoint), the PIN typed on the keypad,
diagnostics read, a test ticket printed at the printer emulator, exit back to the start screen."""

from __future__ import annotations

import asyncio
from typing import Any

from appliance import screen_demo as play
from tests.ui.keypad_typing import type_keys
from tests.ui.scenarios_kiosk import shots
from ui.driver import Driver


def _flow_screen(d: Driver) -> tuple[str, str]:
    flow = getattr(d.app.navigator.flow_view, "flow", None)
    return (flow.name, flow.state.screen) if flow is not None else ("", "")


def _message_keys(d: Driver) -> list[str]:
    return [m.key for m in d.app.navigator.flow_view.flow.state.messages]


async def _hold_corner(d: Driver, seconds: float | None = None) -> float:
    """Hold the hidden corner until the staff card prompt shows; `seconds` shortens the hold
    (after the first round has held the real 5 s)."""
    loop = asyncio.get_running_loop()
    corner = await d.wait_for(wid="staff_corner")
    if seconds is not None:
        corner.hold_seconds = seconds
    start = loop.time()
    touch = await d.press(corner)
    await d.until(lambda: _flow_screen(d) == ("staff", "staff_card"), "the staff card prompt", 8)
    held = loop.time() - start
    await d.release(touch)
    return held


async def _type(d: Driver, digits: str) -> None:
    await type_keys(d, digits)


async def _pin_screen(d: Driver, control: play.Control, card: str) -> None:
    await d.wait_screen("device_prompt", timeout=10)
    await control.post("/smartcard/remove")
    await asyncio.sleep(0.5)  # the reader's watcher sees the slot empty before the card
    await control.post("/smartcard/insert", {"card": card})
    await d.until(lambda: _flow_screen(d) == ("staff", "staff_pin"), "the PIN keypad", 15)
    await d.wait_screen("keypad_entry", timeout=5)


async def staff_maintenance(d: Driver) -> dict[str, Any]:
    control = play.Control()
    shot = shots(d)
    read: dict[str, Any] = {}
    for lang in ("zh_CN", "en"):
        await play.at_start(d)
        await d.tap(await d.wait_for(wid=f"lang_{lang}"))
        # the 5-second hold once (Chinese); the English round holds the corner a shorter time
        # (the hold does not depend on the language; tests/ui/test_screens.py times it too)
        read[f"held_{lang}"] = await _hold_corner(d, None if lang == "zh_CN" else 1.0)
        read[f"card_{lang}"] = await play.texts_of(d)
        await shot("staff_card")
        await _pin_screen(d, control, "S001")
        # a wrong PIN first: a clear message, the keypad stays for another try
        await _type(d, "111111")
        read[f"masked_{lang}"] = (await d.wait_for(wid="display")).text
        await shot("staff_pin")
        await d.tap(await d.wait_for(wid="confirm"))
        await d.until(
            lambda: (d.app.navigator.current_screen.error or "").strip(), "the wrong-PIN text", 10
        )
        read[f"wrong_{lang}"] = await play.texts_of(d)
        await shot("staff_wrong_pin")
        await _type(d, "246810")
        await d.tap(await d.wait_for(wid="confirm"))
        await d.wait_screen("diagnostics", timeout=15)
        await d.wait_for(wid="paper_level", timeout=5)
        read[f"menu_{lang}"] = await play.texts_of(d)
        await shot("staff_diagnostics")
        before = len(await control.get("/printer/tickets"))
        await d.tap(await d.wait_for(wid="staff_test_print"))
        read[f"test_print_{lang}"] = await _printed_after(control, before)
        await d.until(lambda: "staff.test_printed" in _message_keys(d), "the test print", 15)
        read[f"printed_{lang}"] = await play.texts_of(d)
        await shot("staff_test_printed")
        await d.tap(await d.wait_for(wid="staff_logout"))
        await d.wait_screen("start", timeout=15)
        read[f"exit_{lang}"] = _flow_screen(d)
        await control.post("/smartcard/remove")
    await d.tap(await d.wait_for(wid="lang_zh_CN"))
    return {"read": read, "screens": shot.taken}


async def _printed_after(control: play.Control, before: int, timeout: float = 20) -> list[Any]:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        tickets = await control.get("/printer/tickets")
        if len(tickets) > before:
            return list(tickets[before:])
        await asyncio.sleep(0.2)
    raise TimeoutError("no test ticket at the printer emulator")
