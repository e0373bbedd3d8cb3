"""Driver scripts for the frame's accessibility controls: large text / high contrast and speech,
and their reset for the next visitor."""

from __future__ import annotations

import asyncio
import os
import shutil
from pathlib import Path
from typing import Any

from tests.ui.accessibility_samples import SAMPLES
from ui.driver import Driver


def shot(d: Driver, name: str) -> Path:
    width, height = d.window.size
    orientation = "landscape" if width > height else "portrait"
    return Path(os.environ["KIOSK_UI_SHOTS"]) / "access" / orientation / f"{name}.png"


def rendered_size(d: Driver, text: str) -> float:
    label = d.find(text=text)
    assert label is not None, text
    return float(label._label.options["font_size"])


async def large_text_everywhere(d: Driver) -> dict[str, Any]:
    """A: the control on the start screen and on a journey screen; text grows, greys go black."""
    await d.wait_screen("start")
    welcome = d.app.tr._("Welcome! What would you like to do?")
    before = rendered_size(d, welcome)
    await d.tap(await d.wait_for(wid="large_text"))
    assert d.app.large_text
    await d.frames(3)
    after = rendered_size(d, welcome)
    await d.screenshot(shot(d, f"start_large_{d.app.tr.lang}"))
    shown = {}
    for name in ("summary", "message", "device_prompt"):
        label, params = SAMPLES[name][0]
        d.app.navigator.show(name, params)
        await d.wait_screen(name)
        await d.frames(3)
        await d.screenshot(shot(d, f"{label}_large_{d.app.tr.lang}"))
        button = d.find(wid="large_text")
        shown[name] = button is not None and button.selected
    # greys are drawn black in this mode
    grey_now = None
    d.app.navigator.show("summary", SAMPLES["summary"][0][1])
    await d.wait_screen("summary")
    await d.frames(2)
    hint = d.find(text=d.app.tr._("Members: insert your member card or show your member QR code"))
    if hint is not None:
        grey_now = list(hint._label.options["color"])
    await d.tap(d.find(wid="large_text"))  # one tap turns it off again
    await d.frames(3)
    off = d.app.large_text
    return {
        "before": before,
        "after": after,
        "selected_on": shown,
        "hint_colour": grey_now,
        "off_again": not off,
    }


async def read_aloud_then_next_visitor(d: Driver) -> dict[str, Any]:
    """Speech: the control reads the screen, a new screen is read by itself, a tap stops it, a
    language switch reads it in that language; the next visitor gets the defaults back."""
    app = d.app
    await d.wait_screen("start")
    speech = app.speech
    await d.tap(await d.wait_for(wid="read_aloud"))
    assert speech.enabled and speech.last is not None
    first = speech.last
    spoken: list[dict[str, Any]] = [{"text": first.text, "voice": first.voice, "path": first.path}]
    await asyncio.sleep(0.6)  # some of it heard before the next screen cuts it short
    # an error screen: read by itself
    _label, params = SAMPLES["message"][0]
    app.navigator.show("message", params)
    await d.wait_screen("message")
    # the screen may be read in two steps (its title, then the message once laid out)
    await d.until(
        lambda: speech.last is not first and "该时段已售罄" in speech.last.text,
        "the error read aloud",
        timeout=8,
    )
    error = speech.last
    spoken.append({"text": error.text, "voice": error.voice, "path": error.path})
    await asyncio.sleep(0.5)
    was_speaking = speech.speaking
    await d.tap_at(5, 5)  # a tap anywhere stops it
    stopped = not speech.speaking
    # English: the same screen read again in English
    await d.tap(d.find(wid="lang_en"))
    await d.until(lambda: speech.last is not error, "read again in English", timeout=5)
    english = speech.last
    speech.speaker.wait(20)  # synthesised: keep a copy of the whole before a tap cuts it
    whole = Path(english.path).with_suffix(".whole.wav")
    shutil.copyfile(english.path, whole)
    spoken.append({"text": english.text, "voice": english.voice, "path": str(whole)})
    speech.louder()
    await d.tap(d.find(wid="large_text"))
    # the visitor walks away: the start screen, left untouched for the idle time
    app.navigator.idle_seconds = 1.0
    app.navigator.show("start")
    await d.wait_screen("start")
    await d.until(lambda: not app.large_text, "reset for the next visitor", timeout=8)
    return {
        "spoken": spoken,
        "was_speaking_before_tap": was_speaking,
        "stopped_by_tap": stopped,
        "after_reset": {
            "lang": app.tr.lang,
            "speech_on": app.speech_on,
            "enabled": speech.enabled,
            "volume": speech.volume,
            "large_text": app.large_text,
        },
    }
