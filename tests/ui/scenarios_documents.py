"""Real-name documents on the real screens: a passport typed on its own keypad (a wrong number
first, refused naming the passport), the name on the A-Z keypad, the summary with both masked,
the payment prompt; and the document keypads drawn in both languages and orientations."""

from __future__ import annotations

import asyncio
import os
import secrets
from pathlib import Path
from typing import Any

from appliance import screen_demo as play
from tests.ui.keypad_typing import press_key, type_keys
from ui.driver import Driver


def shots(d: Driver, folder: str) -> play.Shots:
    width, height = d.window.size
    orientation = "landscape" if width > height else "portrait"
    return play.Shots(d, Path(os.environ["KIOSK_UI_SHOTS"]) / folder / orientation)


async def _type(d: Driver, keys: str) -> None:
    await type_keys(d, keys)


async def _both_languages(d: Driver, shot: play.Shots, name: str) -> dict[str, list[str]]:
    """What the screen says in zh and in en, a screenshot of each; back to zh."""
    read = {"zh": await play.texts_of(d)}
    await shot(name)
    await d.tap(await d.wait_for(wid="lang_en"))
    await d.frames(3)
    read["en"] = await play.texts_of(d)
    await shot(name)
    await d.tap(await d.wait_for(wid="lang_zh_CN"))
    await d.frames(3)
    return read


def _flow_screen(d: Driver) -> str:
    view = d.app.navigator.flow_view
    return str(view.flow.state.screen) if view is not None else ""


async def passport_typed_on_screen(d: Driver) -> dict[str, Any]:
    """A bundle (real-name) for one adult with a passport: holder screen, Other documents,
    Passport, E12 (too short) + SMITH JOHN -> refused naming the passport, the keypad again;
    the right number, the summary, confirm, the payment prompt."""
    shot = shots(d, "passport")
    number = f"E{secrets.randbelow(10**8):08d}"  # a fresh one: one ticket per document
    price = await play.to_bundle_holder(d, "BUNDLE-ADULT")
    read: dict[str, Any] = {"holder": await play.texts_of(d)}
    await shot("holder_other_documents")
    await d.tap(await d.wait_for(wid="alternative"))
    await d.wait_screen("choice", timeout=10)
    read["choice"] = await _both_languages(d, shot, "document_choice")
    await d.tap(await d.wait_for(wid="doc_passport"))
    await d.wait_for(wid="key_A", timeout=10)
    # a wrong number first: too short for a passport
    await _type(d, "E12")
    read["passport_keypad"] = await _both_languages(d, shot, "passport_keypad")
    await d.tap(await d.wait_for(wid="confirm"))
    await d.until(lambda: d.find(wid="key_space"), "the name keypad", 10)
    await _type(d, "SMITH JOHN")
    read["name"] = await play.texts_of(d)
    await shot("holder_name_keypad")
    await d.tap(await d.wait_for(wid="confirm"))
    # the flow refuses it on the kiosk: the passport keypad again, the number kept, the error
    await d.until(
        lambda: (
            d.app.navigator.current == "keypad_entry"
            and d.find(wid="key_0")
            and not d.find(wid="key_space")
        ),
        "the passport keypad again",
        10,
    )
    await d.frames(3)
    read["refused"] = await _both_languages(d, shot, "passport_refused")
    for _ in range(3):
        await press_key(d, "key_del")
    await _type(d, number)
    read["typed"] = await play.texts_of(d)
    await shot("passport_keypad_typed")
    await d.tap(await d.wait_for(wid="confirm"))  # the name is kept: no second name keypad
    await d.wait_screen("summary", timeout=15)
    await d.wait_for(wid="confirm", timeout=10)
    read["summary"] = await _both_languages(d, shot, "passport_summary")
    holders = list(d.app.navigator.flow_view.flow.cart.holders)
    await d.tap(await d.wait_for(wid="confirm"))
    await d.until(lambda: _flow_screen(d) == "pay", "the payment prompt", 20)
    await d.wait_screen("device_prompt", timeout=15)
    read["pay"] = await play.texts_of(d)
    await shot("passport_pay")
    await play.leave(d)  # the tourist gives up
    return {"read": read, "holders": holders, "number": number, "price": price}


DOCUMENT_KEYPADS = {
    "passport": "E1234567",
    "hk_macau_permit": "H1234",
    "taiwan_permit": "1234",
    "foreign_permanent": "USA1100",
    "holder_name": "SMITH JOHN",
}


async def document_keypads(d: Driver) -> dict[str, Any]:
    """Each document's keypad drawn (screens only), in zh and en, with what its keys allow."""
    shot = shots(d, "document_keypads")
    out: dict[str, Any] = {}
    for kind, value in DOCUMENT_KEYPADS.items():
        d.app.navigator.show("keypad_entry", {"kind": kind, "value": value, "step": 1})
        await d.wait_screen("keypad_entry")
        await d.frames(3)
        keys = {
            str(w.test_id)[4:]: not w.disabled
            for w in d.widgets()
            if str(getattr(w, "test_id", "")).startswith("key_")
        }
        out[kind] = {"keys": keys, "read": await _both_languages(d, shot, f"keypad_{kind}")}
        await asyncio.sleep(0.1)
    return out


async def staff_allows_on_screen(d: Driver) -> dict[str, Any]:
    """An adult without a document: Other documents, No document: staff allow, the staff card
    (handed to the flow as the smart card reader would), a wrong PIN, the supervisor's PIN;
    the summary says 无证件·工作人员放行. The tourist leaves before paying."""
    from kiosk.flows.base import SMART_CARD
    from peripherals.smartcard.protocol import SmartCardData

    shot = shots(d, "staff_allows")
    supervisor = SmartCardData(uid="04B5000101", kind="staff", staff_id="S001", role="supervisor")
    await play.to_bundle_holder(d, "BUNDLE-ADULT")
    await d.tap(await d.wait_for(wid="alternative"))
    await d.tap(await d.wait_for(wid="staff_allows", timeout=10))
    await d.until(lambda: _flow_screen(d) == "holder_staff_card", "the staff card screen", 10)
    await d.wait_screen("device_prompt", timeout=10)
    read: dict[str, Any] = {"card": await _both_languages(d, shot, "staff_card")}
    d.app.navigator.flow_view.flow.act(SMART_CARD, card=supervisor)
    await d.until(lambda: _flow_screen(d) == "holder_staff_pin", "the PIN keypad", 10)
    await d.wait_screen("keypad_entry", timeout=10)
    read["pin"] = await play.texts_of(d)
    await _type(d, "000000")
    await d.tap(await d.wait_for(wid="confirm"))
    flow = d.app.navigator.flow_view.flow
    await d.until(lambda: flow.state.messages[0].key == "staff.wrong_pin", "wrong PIN", 10)
    await d.frames(4)
    read["wrong_pin"] = await _both_languages(d, shot, "staff_wrong_pin")
    await _type(d, "246810")
    await d.tap(await d.wait_for(wid="confirm"))
    await d.wait_screen("summary", timeout=15)
    await d.wait_for(wid="confirm", timeout=10)
    read["summary"] = await _both_languages(d, shot, "staff_allowed_summary")
    holders = [{k: bool(v) if k == "staff_grant" else v for k, v in h.items()}
               for h in flow.cart.holders]  # fmt: skip
    for _ in range(8):  # the tourist leaves before paying
        if d.app.navigator.current == "start":
            break
        button = d.find(wid="cancel") or await d.wait_for(wid="back", timeout=10)
        await d.tap(button)
        await asyncio.sleep(0.4)
    await play.at_start(d)
    return {"read": read, "holders": holders}
