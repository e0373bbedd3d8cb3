"""The start screen offers only what the kiosk can finish, played in the real app (issue 11):
without a printer the purchase and pickup buttons are greyed with the reason; without a backend
the kiosk is out of service. Tried as a new user would: switched on, then looked at."""

from __future__ import annotations

from typing import Any

from tests.ui.scenarios import check_screen
from ui.driver import Driver

JOURNEYS = ("buy", "pickup", "addons", "membership", "change_refund")


def buttons(d: Driver) -> dict[str, bool]:
    """Each journey button on screen: True when it can be tapped."""
    found = {wid: d.find(wid=wid) for wid in JOURNEYS}
    return {wid: not w.disabled for wid, w in found.items() if w is not None}


async def start_without_printer(d: Driver) -> dict[str, Any]:
    screens: list[str] = []
    d.app.navigator.bind(on_screen=lambda _nav, name: screens.append(name))
    await d.wait_for(text="打印机故障，暂不能购票取票", timeout=30)
    await d.wait_screen("start")
    zh = {"texts": d.texts(), "buttons": buttons(d)}
    await check_screen(d, "start_no_printer")
    shown_before_tap = len(screens)
    await d.tap(d.find(wid="buy"))  # greyed: nothing opens, then or while English is read
    await d.tap(await d.wait_for(wid="lang_en"))
    await d.wait_for(text="Printer fault: tickets can't be printed now")
    en = {"texts": d.texts(), "buttons": buttons(d)}
    await check_screen(d, "start_no_printer")
    opened = screens[shown_before_tap:]
    on_screen_after_tap = opened[0] if opened else d.app.navigator.current
    return {"zh": zh, "en": en, "after_tap": on_screen_after_tap, "screens": screens}


async def start_without_backend_or_printer(d: Driver) -> dict[str, Any]:
    screens: list[str] = []
    d.app.navigator.bind(on_screen=lambda _nav, name: screens.append(name))
    await d.wait_for(text="暂停服务", timeout=30)
    await d.frames(10)
    zh = d.texts()
    await check_screen(d, "out_of_service")  # its screenshot: out_of_service_zh_CN.png
    await d.tap(await d.wait_for(wid="lang_en"))
    await d.wait_for(text="Out of service")
    en = d.texts()
    await check_screen(d, "out_of_service")
    return {"zh": zh, "en": en, "screens": screens, "buttons": buttons(d)}
