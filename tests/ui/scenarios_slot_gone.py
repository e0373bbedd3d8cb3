"""The entry time sold out between the summary and "Confirm and pay", through the real app
over the real backend: the tourist is back on the entry times, told why and what to do next
(read and shot in Chinese and English), the cart kept; another entry time, the summary again,
pay, print (portrait; in landscape the tourist leaves after the entry times).

The last tickets "go elsewhere" through the backend's ops API (the slot's capacity set to what
is sold); the capacity is given back at the end, so the rig's other journeys find it as before.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from appliance import screen_demo as play
from appliance.scenarios.common import PAY_OK, pay_code
from backend_stub.process import DEMO_OPS_TOKEN
from tests.ui.scenarios_kiosk import shots
from ui.driver import Driver


def _backend(d: Driver) -> tuple[str, dict[str, str]]:
    config = d.app.kiosk_config
    auth = {"Authorization": f"Bearer {config.kiosk_token}", "X-Kiosk-Id": config.kiosk_id}
    return config.backend_url.rstrip("/") + "/api/v1", auth


def _set_capacity(d: Driver, slot_id: str, day: str, capacity: int | None) -> int:
    """Set the slot's capacity (None: to what is sold, i.e. sold out); its capacity before."""
    api, auth = _backend(d)
    listed = httpx.get(f"{api}/slots", params={"product_id": "ADM", "date": day},
                       headers=auth, timeout=5).json()  # fmt: skip
    now = next(s for s in listed if s["id"] == slot_id)
    sold = now["capacity"] - now["remaining"]
    body = {"capacity": sold if capacity is None else capacity}
    httpx.put(f"{api}/ops/slots/{slot_id}", json=body,
              headers={"Authorization": f"Bearer {DEMO_OPS_TOKEN}"},
              timeout=5).raise_for_status()  # fmt: skip
    return int(now["capacity"])


def _flow_state(d: Driver) -> Any:
    view = d.app.navigator.flow_view
    return view.flow.state if view is not None else None


async def slot_gone_before_confirm(d: Driver) -> dict[str, Any]:
    width, height = d.window.size
    shot = shots(d)
    control = play.Control()
    read: dict[str, Any] = {}
    await play.adults_to_summary(d, 2)
    await d.until(lambda: _flow_state(d).screen == "extras", "the summary", 10)
    flow = d.app.navigator.flow_view.flow
    gone = {"id": flow.cart.slot.id, "date": flow.cart.date, "label": flow.cart.slot.label}
    capacity = await asyncio.to_thread(_set_capacity, d, gone["id"], gone["date"], None)
    try:
        # the tourist confirms: the order is refused (sold out), the entry times come back
        await d.tap(await d.wait_for(wid="confirm"))
        await d.until(
            lambda: _flow_state(d).screen == "choose_slot" and len(_flow_state(d).messages) > 1,
            "the entry times again, saying why",
            15,
        )
        await d.wait_screen("choose_slot", timeout=10)
        await d.until(lambda: _shown(d, "reason"), "the reason on screen", 10)
        screen = d.app.navigator.current_screen
        index = next(i for i, s in enumerate(screen.params["slots"]) if s["id"] == gone["id"])
        read["gone_button"] = {
            "text": d.find(wid=f"slot_{index}").text,
            "disabled": bool(d.find(wid=f"slot_{index}").disabled),
        }
        read["messages"] = [m.key for m in _flow_state(d).messages]
        read["gone_zh"] = await play.texts_of(d)
        read.update(_said(d, "zh"))
        read["layout_zh"] = _layout(d)
        await shot("slot_gone")
        await d.tap(await d.wait_for(wid="lang_en"))
        await d.until(lambda: "Not enough" in _shown(d, "reason"), "the reason in English")
        read["gone_en"] = await play.texts_of(d)
        read.update(_said(d, "en"))
        read["layout_en"] = _layout(d)
        await shot("slot_gone")
        await d.tap(await d.wait_for(wid="lang_zh_CN"))
        await d.until(lambda: "选择日期和时段" in d.texts(), "the entry times in Chinese again")
        read["cart_while_choosing"] = dict(flow.cart.counts)
        if width > height:
            # landscape: the entry times' own layout (four columns); the rest is portrait's
            await play.leave(d)
            return {"read": read, "gone": gone, "paid": False, "screens": shot.taken}
        # another entry time: the summary again, the same two tickets, at that time's price
        index = await play.first_open_slot(d)
        chosen = d.app.navigator.current_screen.params["slots"][index]
        await d.tap(await d.wait_for(wid=f"slot_{index}"))
        await d.until(lambda: _flow_state(d).screen == "review", "the summary again", 15)
        await d.wait_screen("summary", timeout=10)
        await d.wait_for(wid="confirm", timeout=10)
        read["again"] = await play.texts_of(d)
        # the flow's review takes only the confirm: no button there that would do nothing
        read["again_buttons"] = [w for w in ("coupon", "points", "add_phone") if d.find(wid=w)]
        await shot("slot_gone_summary_again")
        await d.tap(await d.wait_for(wid="confirm"))
        await d.wait_screen("device_prompt", timeout=15)
        read["pay"] = await play.texts_of(d)
        await control.show_code(pay_code(PAY_OK))
        await d.wait_screen("summary", timeout=40)
        await d.wait_for(wid="finish", timeout=30)
        read["done"] = await play.texts_of(d)
        await shot("slot_gone_done")
        outcome = {"order_id": flow.state.data.get("order_id"), "slot": chosen}
        await d.tap(await d.wait_for(wid="finish"))
        return {"read": read, "gone": gone, "paid": True, "chosen": outcome,
                "screens": shot.taken}  # fmt: skip
    finally:
        await asyncio.to_thread(_set_capacity, d, gone["id"], gone["date"], capacity)


def _shown(d: Driver, wid: str) -> str:
    """The text of the label `wid` when it shows (a label with no text is hidden), else ""."""
    label = d.find(wid=wid)
    return str(label.text) if label is not None else ""


def _said(d: Driver, lang: str) -> dict[str, str]:
    """The reason, the prompt and the note as the entry times' screen draws them."""
    return {f"{wid}_{lang}": _shown(d, wid) for wid in ("reason", "prompt", "note")}


def _layout(d: Driver) -> dict[str, Any]:
    """Where the prompt, the note and the first date button sit (window coordinates), and the
    text each label draws against the room it has: a text wider or taller than its label is
    clipped or overlaps its neighbour."""
    out: dict[str, Any] = {"labels": []}
    for label in d.labels():
        tw, th = label.texture_size
        out["labels"].append(
            {"text": label.text, "fits": tw <= label.width + 1 and th <= label.height + 1,
             "top": label.to_window(label.x, label.top)[1],
             "bottom": label.to_window(label.x, label.y)[1]}
        )  # fmt: skip
    return out
