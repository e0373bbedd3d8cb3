"""Staff mode's "connect to backend" on the real screen: the corner, the staff card through
pcscd + vpcd, the PIN, the menu's "Connect to backend", the console's QR shown to the camera
emulator (KIOSK_TEST_PROVISION_QR), the confirm screen (credential masked) in zh and en, then
"Connect and save" back to the diagnostics saying it is connected."""

from __future__ import annotations

import asyncio
import os
from typing import Any

from appliance import screen_demo as play
from tests.ui.scenarios import check_screen
from tests.ui.scenarios_staff import _flow_screen, _hold_corner, _pin_screen, _type
from ui.driver import Driver


async def _to_confirm(d: Driver, control: play.Control, payload: str) -> list[str]:
    await d.tap(await d.wait_for(wid="staff_provision", timeout=10))
    await d.until(lambda: _flow_screen(d) == ("staff", "provision_scan"), "the QR prompt", 10)
    await d.wait_screen("device_prompt", timeout=5)
    await control.show_code(payload, kind="qr", seconds=3)
    await d.until(lambda: _flow_screen(d) == ("staff", "provision_confirm"), "the confirm", 15)
    await d.wait_screen("message", timeout=5)
    await control.post("/camera/clear")
    return await play.texts_of(d)


async def provision_confirm(d: Driver) -> dict[str, Any]:
    control = play.Control()
    payload = os.environ["KIOSK_TEST_PROVISION_QR"]
    read: dict[str, Any] = {}
    await play.at_start(d)
    await _hold_corner(d)
    await _pin_screen(d, control, "S001")
    await _type(d, "246810")
    await d.tap(await d.wait_for(wid="confirm"))
    await d.wait_screen("diagnostics", timeout=15)
    read["confirm_zh_CN"] = await _to_confirm(d, control, payload)
    await check_screen(d, "staff_provision_confirm")
    await d.tap(await d.wait_for(wid="action_menu"))  # back to the menu, nothing saved
    await d.wait_screen("diagnostics", timeout=10)
    d.app.switch_language("en")
    await asyncio.sleep(2.0)  # the same QR reads again only after it was out of sight
    read["confirm_en"] = await _to_confirm(d, control, payload)
    await check_screen(d, "staff_provision_confirm")
    await d.tap(await d.wait_for(wid="action_confirm"))
    await d.until(lambda: _flow_screen(d) == ("staff", "staff_menu"), "the menu again", 20)
    await d.wait_screen("diagnostics", timeout=10)
    read["after_en"] = await play.texts_of(d)
    await check_screen(d, "staff_provisioned")
    await d.tap(await d.wait_for(wid="staff_logout"))
    await d.wait_screen("start", timeout=15)
    await control.post("/smartcard/remove")
    d.app.switch_language("zh_CN")
    return {"read": read}
