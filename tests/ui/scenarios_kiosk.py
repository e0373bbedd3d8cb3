"""Journeys played through the real app over the real backend and emulators (one app process
plays several journeys). The moves are ui.demo_script's; these add what the tourist reads."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from ui import demo_script as play
from ui.driver import Driver


def shots(d: Driver) -> play.Shots:
    width, height = d.window.size
    orientation = "landscape" if width > height else "portrait"
    return play.Shots(d, Path(os.environ["KIOSK_UI_SHOTS"]) / "kiosk" / orientation)


async def purchase_pickup_addon(d: Driver) -> dict[str, Any]:
    control = play.Control()
    shot = shots(d)
    bought = await play.purchase(d, control, shot)
    picked = await play.pickup_by_id(d, control, shot)
    addon = await play.addon(d, control, shot)
    await play.at_start(d)
    return {"purchase": bought, "pickup": picked, "addon": addon, "screens": shot.taken}


async def purchase_in_english(d: Driver) -> dict[str, Any]:
    await play.at_start(d)
    await d.tap(await d.wait_for(wid="lang_en"))
    return {"purchase": await play.purchase(d, play.Control(), shots(d))}


async def addon_refused_without_admission(d: Driver) -> dict[str, Any]:
    control = play.Control()
    shot = shots(d)
    await play.at_start(d)
    await d.tap(await d.wait_for(wid="addons"))
    await d.wait_screen("device_prompt", timeout=10)
    await control.place_card("li_na")
    button = await d.wait_for(wid="buy_admission", timeout=15)
    read = await play.texts_of(d)
    cable = d.find(wid="addon_CABLE")
    await shot("addon_refused")
    await d.tap(button)
    await d.wait_screen("choice", timeout=10)
    await d.wait_for(wid="product_BUNDLE", timeout=10)
    return {"read": read, "cable_disabled": bool(cable and cable.disabled)}
