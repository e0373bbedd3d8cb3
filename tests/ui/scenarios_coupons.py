"""Coupons, points, going back and the e-invoice through the real app (real backend process,
real emulators, touches on the real widgets), with screenshots."""

from __future__ import annotations

from typing import Any

from appliance import screen_demo as play
from appliance.scenarios.common import PAY_OK, pay_code
from tests.ui.keypad_typing import press_key, type_keys
from tests.ui.scenarios_kiosk import shots
from ui.driver import Driver


async def _type(d: Driver, text: str) -> None:
    await type_keys(d, text)


async def _flow_screen(d: Driver, screen: str, timeout: float = 15) -> None:
    await d.until(
        lambda: (
            d.app.navigator.flow_view is not None
            and d.app.navigator.flow_view.flow.state.screen == screen
        ),
        f"the flow's {screen}",
        timeout,
    )
    await d.frames(3)


async def _coupon(d: Driver, code: str) -> None:
    await d.tap(await d.wait_for(wid="coupon", timeout=10))
    await d.wait_screen("keypad_entry", timeout=10)
    await _type(d, code)
    await d.tap(await d.wait_for(wid="confirm"))
    await d.wait_screen("summary", timeout=10)
    await d.frames(4)


async def coupons_points_back_invoice(d: Driver) -> dict[str, Any]:
    control = play.Control()
    shot = shots(d)
    read: dict[str, Any] = {}
    await play.adults_to_summary(d, 2)
    await _flow_screen(d, "extras")
    read["quote"] = await play.texts_of(d)
    await shot("summary_quote")
    # a coupon refused, then one accepted (discount line by line)
    await _coupon(d, "EXPIRED5")
    await d.until(lambda: "已过期" in " ".join(d.texts()), "the refusal", 10)
    read["refused"] = await play.texts_of(d)
    await shot("coupon_refused")
    await _coupon(d, "WELCOME10")
    await d.until(lambda: "WELCOME10" in " ".join(d.texts()), "the coupon applied", 10)
    read["coupon"] = await play.texts_of(d)
    await shot("coupon_accepted")
    # the member's QR, then points
    await control.show_code("KM1:M2002", kind="qr", seconds=3)
    await d.until(lambda: d.find(wid="points") is not None, "the points button", 15)
    await d.tap(await d.wait_for(wid="points"))
    await d.wait_screen("choice", timeout=10)
    await shot("points_choice")
    smallest = d.app.navigator.current_screen.params["items"][1]["test_id"]  # [0]: no points
    await d.tap(await d.wait_for(wid=smallest))
    await d.wait_screen("summary", timeout=10)
    await d.until(lambda: "，抵扣 ¥" in " ".join(d.texts()), "the points line", 10)
    read["points"] = await play.texts_of(d)
    total = d.app.navigator.flow_view.flow.state.data["total_fen"]
    await shot("points_spent")
    taps = d.taps
    await d.tap(await d.wait_for(wid="confirm"))
    await d.wait_screen("device_prompt", timeout=15)
    read["pay"] = await play.texts_of(d)
    await shot("pay_before_back")
    # back, one step at a time, to the product choice; then forward again
    walked = []
    for screen in ("extras", "choose_tickets", "choose_slot", "choose_product"):
        await d.tap(await d.wait_for(wid="back"))
        await _flow_screen(d, screen)
        walked.append(d.app.navigator.current)
    await shot("back_at_product")
    await d.tap(await d.wait_for(wid="product_ADM", timeout=10))
    await d.wait_screen("choose_slot", timeout=10)
    await d.tap(await d.wait_for(wid="slot_" + str(await play.first_open_slot(d))))
    await d.wait_screen("ticket_counter", timeout=10)
    await d.tap(await d.wait_for(wid="next"))
    await d.wait_screen("summary", timeout=10)
    await d.tap(await d.wait_for(wid="confirm"))
    await d.wait_screen("device_prompt", timeout=15)
    again = d.app.navigator.flow_view.flow.state.data["total_fen"]
    read["pay_again"] = await play.texts_of(d)
    await control.show_code(pay_code(PAY_OK))  # its own one-time code
    await d.wait_for(wid="invoice", timeout=45)
    read["receipt_offered"] = d.find(wid="receipt") is not None
    await shot("done_with_invoice")
    if d.window.height > d.window.width:  # portrait only (time): the receipt slip, then on
        await d.tap(await d.wait_for(wid="receipt"))
        printed = ("收据已打印", "Your receipt is printed")
        await d.until(lambda: any(p in " ".join(d.texts()) for p in printed), "the receipt", 20)
        read["receipt"] = await play.texts_of(d)
        await shot("done_receipt_printed")
    # the e-invoice: a company, its tax number (a wrong one first), the phone
    await d.tap(await d.wait_for(wid="invoice"))
    await d.tap(await d.wait_for(wid="invoice_company", timeout=10))
    await d.wait_screen("keypad_entry", timeout=10)
    await _type(d, "YUNTAI TRAVEL")
    await d.tap(await d.wait_for(wid="confirm"))
    await _flow_screen(d, "invoice_tax_number")
    await _type(d, "91350100M000100Y44")
    await d.tap(await d.wait_for(wid="confirm"))
    await d.until(lambda: "统一社会信用代码" in " ".join(d.texts()), "the tax number refusal", 10)
    read["tax_refused"] = await play.texts_of(d)
    read["tax_kept"] = (await d.wait_for(wid="display")).text  # kept to fix, not typed again
    await shot("invoice_tax_refused")
    # the typo fixed as a person would: the wrong last character deleted, the right one typed
    # (the whole number deleted and typed again proved nothing more, for 36 taps)
    await press_key(d, "key_del")
    await _type(d, "3")
    await d.tap(await d.wait_for(wid="confirm"))
    await _flow_screen(d, "invoice_contact")
    await _type(d, "13800138000")
    await d.tap(await d.wait_for(wid="confirm"))
    await _flow_screen(d, "invoice_done", 20)
    read["invoice"] = await play.texts_of(d)
    await shot("invoice_done")
    await d.tap(await d.wait_for(text="完成" if "完成" in d.texts() else "Finish"))
    await play.at_start(d)
    return {"read": read, "walked": walked, "total": total, "total_again": again,
            "taps_confirm_to_pay": d.taps - taps}  # fmt: skip
