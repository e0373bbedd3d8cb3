"""Scripts the UI tests play inside the real app (`kiosk app --drive tests.ui.scenarios:NAME`).

Each is `async def name(d: Driver) -> JSON-able`; an AssertionError fails the test with this
traceback. They tap real widgets with touch events and save screenshots under artifacts/ui/.
"""

from __future__ import annotations

import asyncio
import os
import re
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw, ImageFont

from tests.ui.keypad_typing import press_key, type_keys
from ui.driver import Driver
from ui.i18n import LOCALE_DIR, language_name, parse_po
from ui.seam import FlowView, Scene

CJK = re.compile(r"[\u3000-\u9fff\uff00-\uffef]")
START_ZH = ["购票", "取票", "加购", "会员", "改签/退票"]
START_EN = ["Buy tickets", "Pick up tickets", "Add-ons", "Member", "Change or refund"]


def shot_path(d: Driver, name: str) -> Path:
    width, height = d.window.size
    orientation = "landscape" if width > height else "portrait"
    lang = d.app.tr.lang
    return Path(os.environ["KIOSK_UI_SHOTS"]) / orientation / f"{name}_{lang}.png"


def missing_glyphs(d: Driver) -> dict[str, list[str]]:
    """Characters on screen the app's font has no glyph for (they would draw as boxes)."""
    font = ImageFont.truetype(d.app.font_path, 40)

    def glyph(ch: str) -> bytes:
        image = Image.new("L", (64, 64))
        ImageDraw.Draw(image).text((8, 4), ch, font=font, fill=255)
        return image.tobytes()

    notdef = glyph("\U0010fffd")
    missing: dict[str, list[str]] = {}
    for text in d.texts():
        bad = [ch for ch in set(text) if not ch.isspace() and glyph(ch) == notdef]
        if bad:
            missing[text] = bad
    return missing


def zh_catalog() -> dict[str, str]:
    return parse_po((LOCALE_DIR / "zh_CN/LC_MESSAGES/kiosk.po").read_text(encoding="utf-8"))


def untranslated(d: Driver) -> list[str]:
    """Texts on screen that are not in the current language (the message panel's deliberate
    line in the other language aside)."""
    texts = [w.text for w in d.labels() if getattr(w, "test_id", "") != "other_language"]
    if d.app.tr.lang.startswith("zh"):
        english_sources = {k for k, v in zh_catalog().items() if k and v}
        return [t for t in texts if t in english_sources]
    names = {language_name(lang) for lang in d.app.tr.languages}  # the switch: each in its own
    return [t for t in texts if CJK.search(t) and t not in names]


async def check_screen(d: Driver, name: str) -> None:
    await d.screenshot(shot_path(d, name))
    assert not missing_glyphs(d), f"{name}: missing glyphs {missing_glyphs(d)}"
    assert not untranslated(d), f"{name}: untranslated texts {untranslated(d)}"


# --- start screen and language ----------------------------------------------------------------
async def start_in_both_languages(d: Driver) -> dict[str, Any]:
    await d.wait_screen("start")
    d.app.remaining_today = 1234
    await d.wait_for(text="今日余票：1234 张")
    zh_texts = d.texts()
    # the big buttons' labels start at the same x (the icons take the same width)
    label_x = {
        wid: next(w for w in d.find(wid=wid).children if hasattr(w, "text")).x
        for wid in ("buy", "pickup", "addons", "membership", "change_refund")
    }
    for text in [*START_ZH, "云台山风景区"]:
        assert text in zh_texts, f"{text!r} not on the zh start screen: {zh_texts}"
    await check_screen(d, "start")
    await d.tap("English")
    assert d.app.tr.lang == "en", "tap() returned before the button's on_release ran"
    await d.wait_for(text="Buy tickets")
    en_texts = d.texts()
    for text in [*START_EN, "Yuntai Mountain Scenic Area", "Tickets left today: 1234"]:
        assert text in en_texts, f"{text!r} not on the en start screen: {en_texts}"
    await check_screen(d, "start")
    d.app.remaining_today = 0
    await d.wait_for(text="Sold out for today")
    await d.tap("中文")
    await d.wait_for(text="今日门票已售罄")
    return {"zh": zh_texts, "en": en_texts, "taps": d.taps, "label_x": label_x}


# --- idle ---------------------------------------------------------------------------------------
async def idle_countdown_returns_to_start(d: Driver) -> dict[str, Any]:
    resets: list[float] = []
    d.app.navigator.bind(on_idle_reset=lambda *_: resets.append(d.app.navigator.idle_for()))
    await d.wait_screen("start")
    await d.tap("购票")  # no journey wired in this build: a message screen, not the start
    await d.wait_screen("message")
    # first time: answer "still there?" by touching, and stay where we were
    await d.wait_for(text="您还在吗？", timeout=6)
    await d.screenshot(shot_path(d, "still_there"))
    await d.tap_at(d.window.width / 2, d.window.height * 0.1)
    await d.until(lambda: not d.app.navigator.still_there_showing, "the overlay to go away")
    assert d.app.navigator.current == "message", "touching during the countdown left the screen"
    assert not resets
    # second time: let it run out
    await d.wait_for(text="您还在吗？", timeout=6)
    await d.wait_screen("start", timeout=8)
    assert len(resets) == 1, resets
    assert d.find(text="您还在吗？") is None
    return {"idle_seconds_at_reset": resets[0]}


# --- keypad, through the seam ----------------------------------------------------------------
class TypedNumberFlow:
    """The smallest thing with a flow's shape: publishes a state, takes the submitted value."""

    def __init__(self, kind: str) -> None:
        self.state: dict[str, Any] = {"screen": "enter", "kind": kind}
        self.submitted: list[str] = []
        self._listeners: list[Any] = []

    def subscribe(self, listener: Any) -> Any:
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def submit(self, value: str) -> None:
        self.submitted.append(value)
        self.state = {"screen": "done", "value": value}
        for listener in self._listeners:
            listener(self.state)


class TypedNumberPresenter:
    def scene(self, state: dict[str, Any]) -> Scene:
        if state["screen"] == "enter":
            return Scene("keypad_entry", {"kind": state["kind"], "step": 1})
        return Scene(
            "message",
            {
                "kind": "success",
                "title_zh": "已收到",
                "title_en": "Received",
                "body": state["value"],
            },
        )

    def forward(self, flow: TypedNumberFlow, intent: str, data: dict[str, Any]) -> None:
        if intent != "submit":
            raise NotImplementedError(intent)
        flow.submit(data["value"])


async def keypad_types_id_with_x(d: Driver) -> dict[str, Any]:
    await d.wait_screen("start")
    flow = TypedNumberFlow("id")
    d.app.journeys["purchase"] = lambda: FlowView(flow, TypedNumberPresenter())
    await d.tap("购票")
    await d.wait_screen("keypad_entry")
    await type_keys(d, "11010519491231002")
    for wid in ("key_5", "key_del", "key_X", "key_9"):  # the 19th is refused: 18 at most
        await press_key(d, wid)
    display = (await d.wait_for(wid="display")).text
    assert display == "110105 19491231 002X", display
    await check_screen(d, "keypad_id")
    await d.tap(await d.wait_for(wid="confirm"))
    await d.wait_screen("message")
    assert flow.submitted == ["11010519491231002X"], flow.submitted
    assert d.find(text="已收到") is not None
    return {"display": display, "submitted": flow.submitted}


async def keypad_phone_has_no_x(d: Driver) -> dict[str, Any]:
    await d.wait_screen("start")
    d.app.navigator.show("keypad_entry", {"kind": "phone"})
    await d.wait_screen("keypad_entry")
    x_key = d.find(wid="key_X")
    assert x_key is None, "the X key shows on the phone keypad"
    await type_keys(d, "138001380009")  # one digit too many
    display = (await d.wait_for(wid="display")).text
    assert display == "138 0013 8000", display
    return {"display": display}


# --- staff corner -----------------------------------------------------------------------------
async def staff_corner_long_press(d: Driver) -> dict[str, Any]:
    fired: list[float] = []
    loop = asyncio.get_running_loop()
    d.app.bind(on_staff_request=lambda *_: fired.append(loop.time()))
    await d.wait_screen("start")
    corner = await d.wait_for(wid="staff_corner")
    touch = await d.press(corner)
    await asyncio.sleep(1.5)
    await d.release(touch)
    await asyncio.sleep(4.0)
    assert not fired, "a short press opened staff mode"
    start = loop.time()
    touch = await d.press(corner)
    await d.until(lambda: fired, "on_staff_request", timeout=7)
    held = fired[0] - start
    await d.release(touch)
    assert 4.8 <= held <= 6.0, held
    assert len(fired) == 1
    return {"held_seconds": held}


# --- errors ---------------------------------------------------------------------------------
async def unexpected_error_returns_to_start(d: Driver) -> dict[str, Any]:
    from kivy.clock import Clock

    await d.wait_screen("start")
    await d.tap("English")
    await d.tap("Buy tickets")
    await d.wait_screen("message")

    def broken(_dt: float) -> None:
        raise ZeroDivisionError("a bug in a screen callback")

    Clock.schedule_once(broken, 0)
    await d.wait_screen("start")
    banner = await d.wait_for(
        text="Sorry, something went wrong. Please start again; your order and payment are safe."
    )
    assert d.find(text="抱歉，刚才出了点问题。请重新开始，您的订单和付款都是安全的。") is not None
    await d.screenshot(shot_path(d, "start_after_error"))
    # and the app still works: a tap still opens a screen
    await d.tap("Buy tickets")
    await d.wait_screen("message")
    return {"banner": banner.text, "errors_seen": d.app.errors_seen}


# --- every screen, both languages -------------------------------------------------------------
GALLERY: list[tuple[str, str, dict[str, Any]]] = [
    ("start", "start", {}),
    ("keypad_phone", "keypad_entry", {"kind": "phone", "step": 1, "value": "1380013"}),
    ("keypad_order", "keypad_entry", {"kind": "order", "value": "2024061800123"}),
    ("device_idcard", "device_prompt", {"kind": "idcard", "step": 1}),
    (
        "device_paycode",
        "device_prompt",
        {"kind": "paycode", "amount": "240.00", "seconds_left": 24, "seconds_total": 30},
    ),
    ("device_membercard", "device_prompt", {"kind": "membercard"}),
    ("progress", "progress", {"done": 1, "total": 4}),
    (
        "error_sold_out",
        "message",
        {
            "kind": "error",
            "code": "slot_sold_out",
            "title_zh": "该时段已售罄",
            "title_en": "This time slot is sold out",
            "body_zh": "请选择其他时段，14:00 和 15:00 仍有余票。",
            "body_en": "Please choose another slot; 14:00 and 15:00 still have tickets.",
            "actions": [
                {"intent": "other_slots", "label_zh": "选择其他时段", "label_en": "Other slots"},
                {"intent": "home", "label": "Back to start"},
            ],
        },
    ),
]


async def gallery(d: Driver) -> dict[str, Any]:
    from kivy.graphics.texture import Texture

    await d.wait_screen("start")
    d.app.remaining_today = 1234
    seen = []
    for lang in ("zh_CN", "en"):  # the third language: tests/ui/test_third_language.py
        d.app.switch_language(lang)
        for shot, screen, params in GALLERY:
            d.app.navigator.show(screen, params)
            await d.wait_screen(screen)
            if shot == "device_paycode":  # a stand-in camera frame for the live preview
                texture = Texture.create(size=(64, 48))
                texture.blit_buffer(bytes([90, 110, 120]) * 64 * 48, colorfmt="rgb")
                d.app.navigator.current_screen.set_preview(texture)
                await d.frames(2)
            await check_screen(d, shot)
            seen.append(f"{shot}_{lang}")
        await d.tap("返回首页" if lang.startswith("zh") else "Back to start")
        await d.wait_screen("start")
    return {"screens": seen}
