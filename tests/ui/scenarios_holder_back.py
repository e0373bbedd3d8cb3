"""Back to a visitor entered before (kiosk.flows.holder_entry's keep_holder) through the real
app: a real-name bundle for two adults, the first visitor's ID card on the emulated reader, Back
from the second visitor, the first one shown masked with Keep, Keep, the second visitor again."""

from __future__ import annotations

import asyncio
from typing import Any

from appliance import screen_demo as play
from tests.ui.scenarios_kiosk import shots
from ui.driver import Driver


def _visitor(d: Driver) -> int:
    view = d.app.navigator.flow_view
    if view is None or view.flow.state.screen != "holder":
        return 0
    return int(view.flow.state.data.get("index", 0))


async def back_keeps_the_earlier_visitor(d: Driver) -> dict[str, Any]:
    control = play.Control()
    shot = shots(d)
    await play.at_start(d)
    await d.tap(await d.wait_for(wid="buy"))
    await d.tap(await d.wait_for(wid="product_BUNDLE", timeout=10))
    await d.wait_screen("choose_slot", timeout=10)
    await d.tap(await d.wait_for(wid="slot_" + str(await play.first_open_slot(d))))
    await d.tap(await d.wait_for(wid="count_BUNDLE-ADULT_2", timeout=10))
    await d.tap(await d.wait_for(wid="next"))
    await d.wait_screen("device_prompt", timeout=10)
    await control.place_card("zhang_wei")
    await d.until(lambda: _visitor(d) == 2, "the second visitor", 15)
    await d.tap(await d.wait_for(wid="back"))
    await d.until(lambda: d.find(wid="keep_holder") is not None, "the kept visitor", 10)
    await d.frames(3)
    read: dict[str, Any] = {"kept": await play.texts_of(d), "visitor": _visitor(d)}
    await shot("holder_kept")
    await d.tap(await d.wait_for(wid="lang_en"))
    await d.frames(3)
    read["kept_en"] = await play.texts_of(d)
    await d.tap(await d.wait_for(wid="lang_zh_CN"))
    await d.tap(await d.wait_for(wid="keep_holder"))
    await d.until(lambda: _visitor(d) == 2, "the second visitor again", 10)
    await d.wait_screen("device_prompt", timeout=10)
    read["again"] = await play.texts_of(d)
    await control.post("/idcard/lift")
    for _ in range(8):  # the tourist leaves: cancel (or back) until the start screen
        if d.app.navigator.current == "start":
            break
        await d.tap(d.find(wid="cancel") or await d.wait_for(wid="back", timeout=10))
        await asyncio.sleep(0.4)
    await play.at_start(d)
    return read
