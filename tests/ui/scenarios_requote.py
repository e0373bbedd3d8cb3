"""The summary re-quoting a cart that changed under a coupon, through the real app over the
real backend: one adult with WELCOME10 (¥10 off orders of ¥100+), Back, a senior (¥60)
instead: the summary says the coupon no longer applies and what to do next, and shows the
senior's full price (read and shot in Chinese and English); the tourist then leaves."""

from __future__ import annotations

from typing import Any

from appliance import screen_demo as play
from tests.ui.keypad_typing import type_keys
from tests.ui.scenarios_kiosk import shots
from ui.driver import Driver


def _flow(d: Driver) -> Any:
    return d.app.navigator.flow_view.flow


async def coupon_dropped_after_back(d: Driver) -> dict[str, Any]:
    shot = shots(d)
    read: dict[str, Any] = {}
    await play.adults_to_summary(d, 1)
    await d.tap(await d.wait_for(wid="coupon", timeout=10))
    await d.wait_screen("keypad_entry", timeout=10)
    await type_keys(d, "WELCOME10")
    await d.tap(await d.wait_for(wid="confirm"))
    await d.until(lambda: _flow(d).state.data.get("coupon_code") == "WELCOME10", "the coupon", 10)
    await d.wait_screen("summary", timeout=10)
    # Back to the tickets: a senior instead of the adult
    await d.tap(await d.wait_for(wid="back"))
    await d.wait_screen("ticket_counter", timeout=10)
    await d.tap(await d.wait_for(wid="count_ADM-ADULT_0"))
    await d.tap(await d.wait_for(wid="count_ADM-SENIOR_1"))
    await d.until(lambda: _flow(d).state.data.get("counts", {}).get("ADM-SENIOR") == 1, "1 senior")
    await d.tap(await d.wait_for(wid="next"))
    await d.until(lambda: _flow(d).state.screen == "extras", "the summary again", 10)
    await d.wait_screen("summary", timeout=10)
    read["messages"] = [m.key for m in _flow(d).state.messages]
    read["total_fen"] = _flow(d).state.data["total_fen"]
    read["zh"] = await play.texts_of(d)
    await shot("summary_coupon_dropped")
    await d.tap(await d.wait_for(wid="lang_en"))
    await d.until(lambda: "Check your order" in d.texts(), "the summary in English")
    read["en"] = await play.texts_of(d)
    await shot("summary_coupon_dropped")
    await d.tap(await d.wait_for(wid="lang_zh_CN"))
    await play.leave(d)
    return {"read": read, "screens": shot.taken}
