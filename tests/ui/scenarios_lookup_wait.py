"""A pickup lookup refused for a while (the backend's per-person limit, 429 Retry-After), through
the real app over the real backend: the card placed, the kiosk says to leave it there and waits;
the screen then offers only what the flow takes (cancel): no order-number button, no QR hint.
Read and shot in Chinese and English; then the tourist cancels."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from appliance import screen_demo as play
from tests.ui.scenarios_kiosk import shots
from ui.driver import Driver

CARD = "zhang_wei"


def _use_up_lookups(d: Driver, id_number: str) -> float:
    """Look the ID number up until the backend refuses it (as another kiosk would): its wait."""
    config = d.app.kiosk_config
    auth = {"Authorization": f"Bearer {config.kiosk_token}", "X-Kiosk-Id": config.kiosk_id}
    api = config.backend_url.rstrip("/") + "/api/v1"
    for _ in range(5):
        answer = httpx.get(f"{api}/pickup", params={"id_number": id_number}, headers=auth,
                           timeout=5)  # fmt: skip
        if answer.status_code == 429:
            return float(answer.headers["Retry-After"])
    raise AssertionError("the backend did not limit the lookups")


def _buttons(d: Driver) -> dict[str, dict[str, Any]]:
    """The device prompt's buttons as drawn: text, shown (not transparent), enabled."""
    out = {}
    for wid in ("cancel", "alternative", "alternative2"):
        w = d.find(wid=wid)
        if w is not None:
            out[wid] = {"text": str(w.text), "shown": w.opacity > 0 and w.width > 2,
                        "enabled": not w.disabled}  # fmt: skip
    return out


def _hint(d: Driver) -> str:
    return str(getattr(d.app.navigator.current_screen, "hint", ""))


async def pickup_lookup_wait(d: Driver) -> dict[str, Any]:
    from peripherals.idcard.emulator.cards import demo_card

    shot = shots(d)
    control = play.Control()
    read: dict[str, Any] = {}
    await play.at_start(d)
    await d.tap(await d.wait_for(wid="pickup"))
    await d.wait_screen("device_prompt", timeout=10)
    read["identify"] = {"buttons": _buttons(d), "hint": _hint(d)}
    read["wait"] = await asyncio.to_thread(_use_up_lookups, d, demo_card(CARD).id_number)
    await control.place_card(CARD)
    flow = d.app.navigator.flow_view.flow
    await d.until(
        lambda: [m.key for m in flow.state.messages] == ["error.pickup_lookup_wait_card"],
        "the wait said",
        15,
    )
    read["actions"] = list(flow.state.actions)
    for lang, word in (("zh", "留在阅读器上"), ("en", "Leave your ID card")):
        if lang == "en":
            await d.tap(await d.wait_for(wid="lang_en"))
        await d.until(lambda w=word: any(w in t for t in d.texts()), f"the wait in {lang}", 10)
        read[lang] = {"texts": await play.texts_of(d), "buttons": _buttons(d), "hint": _hint(d)}
        await shot("pickup_lookup_wait")
    await d.tap(await d.wait_for(wid="cancel"))
    await play.at_start(d)
    await control.post("/idcard/lift")
    return {"read": read, "screens": shot.taken}
