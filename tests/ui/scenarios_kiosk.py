"""Journeys played through the real app over the real backend and emulators (one app process
plays several journeys). The moves are ui.demo_script's; these add what the tourist reads."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any

import httpx

from appliance import screen_demo as play
from appliance.scenarios.common import PAY_OK, pay_code
from tests.ui.keypad_typing import type_keys
from ui.driver import Driver
from ui.presenters.texts import yuan


def shots(d: Driver) -> play.Shots:
    width, height = d.window.size
    orientation = "landscape" if width > height else "portrait"
    return play.Shots(d, Path(os.environ["KIOSK_UI_SHOTS"]) / "kiosk" / orientation)


async def purchase_pickup_addon(d: Driver) -> dict[str, Any]:
    control = play.Control()
    shot = shots(d)
    bought = await play.purchase(d, control, shot, pay_code(PAY_OK))
    picked = await play.pickup_by_id(d, control, shot)
    addon = await play.addon(d, control, shot)
    await play.at_start(d)
    return {"purchase": bought, "pickup": picked, "addon": addon, "screens": shot.taken}


async def purchase_in_english(d: Driver) -> dict[str, Any]:
    await play.at_start(d)
    await d.tap(await d.wait_for(wid="lang_en"))
    return {"purchase": await play.purchase(d, play.Control(), shots(d), pay_code(PAY_OK))}


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
    # "buy both": one order, admission first, then the add-on's time on the same day
    await d.wait_screen("choose_slot", timeout=10)
    admission_slot = await play.texts_of(d)
    await shot("addon_both_admission_slot")
    await d.tap(await d.wait_for(wid="slot_" + str(await play.first_open_slot(d))))
    await d.tap(await d.wait_for(wid="count_ADM-ADULT_1", timeout=10))
    await d.tap(await d.wait_for(wid="next"))
    await d.wait_screen("choose_slot", timeout=10)
    addon_slot = await play.texts_of(d)
    await shot("addon_both_addon_slot")
    return {
        "read": read,
        "cable_disabled": bool(cable and cable.disabled),
        "admission_slot": admission_slot,
        "addon_slot": addon_slot,
    }


# the journeys beyond buying: one app process plays them in turn ------------------------------
async def _buy_until_pay(
    d: Driver, control: play.Control, adults: int, day: int = 0
) -> dict[str, Any]:
    """Buy `adults` admission tickets for the first open slot `day` days ahead, up to the
    payment prompt."""
    await play.at_start(d)
    await d.tap(await d.wait_for(wid="buy"))
    await d.tap(await d.wait_for(wid="product_ADM", timeout=10))
    await d.wait_screen("choose_slot", timeout=10)
    if day:
        dates = d.app.navigator.current_screen.params.get("dates", [])
        await d.tap(await d.wait_for(wid=f"date_{day}"))
        await d.until(
            lambda: d.app.navigator.current_screen.params.get("date") == dates[day],
            f"the slots {day} day(s) ahead",
        )
    index = await play.first_open_slot(d)
    slot = d.app.navigator.current_screen.params["slots"][index]
    await d.tap(await d.wait_for(wid=f"slot_{index}"))
    await d.tap(await d.wait_for(wid=f"count_ADM-ADULT_{adults}", timeout=10))
    await d.tap(await d.wait_for(wid="next"))
    await d.tap(await d.wait_for(wid="confirm", timeout=10))
    await d.wait_screen("device_prompt", timeout=15)
    # the amount the tourist owes: the slot's own price (weekend, early/late slot)
    total = f"¥{yuan(adults * int(slot['prices']['ADM-ADULT']))}"
    return {**d.app.navigator.flow_view.flow.state.data, "expected_total": total}


async def _finish(d: Driver, shot: play.Shots, name: str) -> list[str]:
    await d.wait_for(wid="finish", timeout=40)
    read = await play.texts_of(d)
    await shot(name)
    await d.tap(await d.wait_for(wid="finish"))
    return read


async def membership_by_qr(d: Driver, control: play.Control, shot: play.Shots) -> dict:
    await play.at_start(d)
    await d.tap(await d.wait_for(wid="membership"))
    await d.wait_screen("device_prompt", timeout=10)
    read = {"identify": await play.texts_of(d)}
    await shot("member_identify")
    await control.show_code("KM1:M2002", kind="qr", seconds=3)
    await d.wait_screen("summary", timeout=15)
    await d.wait_for(wid="finish", timeout=10)
    read["member"] = await play.texts_of(d)
    await shot("member")
    await d.tap(await d.wait_for(wid="finish"))
    return read


async def native_qr_payment(d: Driver, control: play.Control, shot: play.Shots) -> dict:
    bought = await _buy_until_pay(d, control, 1)
    alternative = await d.wait_for(wid="alternative")
    await d.tap(alternative)
    await d.wait_screen("native_qr", timeout=15)
    await asyncio.sleep(1.2)  # the countdown moves
    read = {"qr": await play.texts_of(d), "expected_total": bought["expected_total"]}
    screen = d.app.navigator.current_screen
    read["seconds_left"] = float(screen.params.get("seconds_left", 0))
    read["has_qr"] = d.find(wid="qr") is not None
    await shot("native_qr")
    data = dict(d.app.navigator.flow_view.flow.state.data)
    config = d.app.kiosk_config
    backend = config.backend_url.rstrip("/")
    auth = {"Authorization": f"Bearer {config.kiosk_token}", "X-Kiosk-Id": config.kiosk_id}
    url = f"{backend}/api/v1/simulator/orders/{data['order_id']}/payments/{data['payment_id']}/scan"
    reply = await asyncio.to_thread(httpx.post, url, headers=auth, timeout=5.0)
    read["scan_status"] = reply.status_code
    await d.wait_screen("progress", timeout=20)
    read["printing"] = await play.texts_of(d)
    read["done"] = await _finish(d, shot, "native_qr_done")
    return read


async def paper_out_then_refill(d: Driver, control: play.Control, shot: play.Shots) -> dict:
    await control.post("/printer/paper", {"mm": 140})  # one ticket's worth
    await _buy_until_pay(d, control, 2, day=1)  # tomorrow: refundable afterwards
    # a payment code of its own: real codes are one-time, and the same text again within the
    # scanner's repeat window (~1.5 s) would be one presentation, read once
    await control.show_code(pay_code(PAY_OK))
    await d.until(lambda: d.app.navigator.current == "message", "the paper-out message", 40)
    read = {"stopped": await play.texts_of(d)}
    await shot("paper_out")
    await d.tap(await d.wait_for(wid="lang_en"))
    read["stopped_en"] = await play.texts_of(d)
    await d.tap(await d.wait_for(wid="lang_zh_CN"))
    await control.post("/printer/paper", {"refill": True})  # staff bring a new roll
    read["done"] = await _finish(d, shot, "paper_out_resumed")
    return read


async def refund_a_ticket(d: Driver, control: play.Control, shot: play.Shots) -> dict:
    printed = await control.get("/printer/tickets")
    ticket = next(q for t in reversed(printed) for q in t["qr"] if q.startswith("KT1."))
    await play.at_start(d)
    await d.tap(await d.wait_for(wid="change_refund"))
    await d.tap(await d.wait_for(wid="refund", timeout=10))
    await d.wait_screen("device_prompt", timeout=10)
    await control.show_code(ticket, kind="qr", seconds=3)
    await d.wait_screen("choice", timeout=15)
    read = {"choose": await play.texts_of(d)}
    await shot("refund_choose")
    first = await d.until(
        lambda: next((w for w in d.widgets() if str(getattr(w, "test_id", "")).startswith(
            "ticket_") and not w.disabled), None), "a ticket to refund", 10)  # fmt: skip
    await d.tap(first)
    await d.tap(await d.wait_for(wid="next"))
    await d.wait_screen("summary", timeout=15)
    await d.wait_for(wid="confirm", timeout=10)
    read["confirm"] = await play.texts_of(d)
    await shot("refund_confirm")
    await d.tap(await d.wait_for(wid="confirm"))
    read["done"] = await _finish(d, shot, "refund_done")
    return read


async def more_journeys(d: Driver) -> dict[str, Any]:
    control = play.Control()
    shot = shots(d)
    result: dict[str, Any] = {}
    for name, journey in (
        ("member", membership_by_qr),
        ("native_qr", native_qr_payment),
        ("paper_out", paper_out_then_refill),
        ("refund", refund_a_ticket),
    ):
        result[name] = await journey(d, control, shot)
    await play.at_start(d)
    return result


# a child without a document: name on the A-Z keypad, then the buyer's phone -----------------
async def _child_without_id(d: Driver, name: str, phone: str) -> dict[str, list[str]]:
    await d.tap(await d.wait_for(wid="child_no_id", timeout=10))
    await d.wait_for(wid="key_A", timeout=10)
    await type_keys(d, name)
    read = {"name": await play.texts_of(d)}
    await d.tap(await d.wait_for(wid="confirm"))
    await d.wait_for(wid="key_1", timeout=10)
    await type_keys(d, phone)
    read["phone"] = await play.texts_of(d)
    await d.tap(await d.wait_for(wid="confirm"))
    return read


async def child_without_id(d: Driver) -> dict[str, Any]:
    """A bundle (real-name) for one child without ID: a short phone first (the flow says why),
    then CHEN CHEN and 13800138000, the summary, confirm, the payment prompt."""
    shot = shots(d)
    price = await play.to_bundle_holder(d, "BUNDLE-CHILD")
    read: dict[str, Any] = {"holder": await play.texts_of(d), "price": price}
    await shot("holder_child_button")
    read["wrong"] = await _child_without_id(d, "CHEN CHEN", "1380")
    await d.until(
        lambda: d.app.navigator.current == "device_prompt" and d.find(wid="child_no_id"),
        "the holder screen again",
        10,
    )
    await d.frames(3)
    read["refused"] = await play.texts_of(d)
    await shot("holder_child_refused")
    await d.tap(await d.wait_for(wid="child_no_id"))
    await d.wait_for(wid="key_A", timeout=10)
    await shot("child_name_keypad")
    await d.tap(await d.wait_for(wid="back"))  # changed their mind: back to the holder screen
    await d.wait_screen("device_prompt", timeout=10)
    read["typed"] = await _child_without_id(d, "CHEN CHEN", "13800138000")
    await d.wait_screen("summary", timeout=15)
    await d.wait_for(wid="confirm", timeout=10)
    read["summary"] = await play.texts_of(d)
    await shot("child_summary")
    holders = list(d.app.navigator.flow_view.flow.cart.holders)
    # a child bundle ticket for a child without ID: held, and the payment prompt shows
    await d.tap(await d.wait_for(wid="confirm"))
    await d.wait_screen("device_prompt", timeout=15)
    read["pay"] = await play.texts_of(d)
    await shot("child_bundle_pay")
    await d.tap(await d.wait_for(wid="lang_en"))
    await d.frames(3)
    read["pay_en"] = await play.texts_of(d)
    await d.tap(await d.wait_for(wid="lang_zh_CN"))
    await play.leave(d)  # the tourist gives up
    return {"read": read, "holders": holders}


async def idle_on_the_change_or_refund_choice(d: Driver) -> dict[str, Any]:
    """The change-or-refund choice left alone until the idle countdown runs out: back on the
    start screen, whose buttons still work (the home flow stays attached)."""
    await play.at_start(d)
    await d.tap(await d.wait_for(wid="change_refund"))
    await d.wait_screen("choice", timeout=10)
    chose = await play.texts_of(d)
    await d.wait_screen("start", timeout=20)  # idle, "still there?", then the start screen
    await d.tap(await d.wait_for(wid="buy"))
    await d.wait_screen("choice", timeout=10)  # the purchase journey's product choice
    await d.wait_for(wid="product_ADM", timeout=10)
    return {"chose": chose, "after_idle": await play.texts_of(d)}
