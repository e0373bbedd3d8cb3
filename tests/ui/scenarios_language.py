"""Driver scripts about languages: the third language on every registered screen."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from tests.ui.accessibility_check import samples
from tests.ui.scenarios import missing_glyphs
from ui.driver import Driver
from ui.i18n import LOCALE_DIR, parse_po


def english_sources() -> set[str]:
    """English texts that have a Japanese translation: seeing one on a Japanese screen means
    a text was not translated."""
    ja = parse_po((LOCALE_DIR / "ja/LC_MESSAGES/kiosk.po").read_text(encoding="utf-8"))
    return {k for k, v in ja.items() if k and v and v != k and "." not in k.split(" ")[0]}


async def every_screen_in_japanese(d: Driver) -> dict[str, Any]:
    await d.wait_screen("start")
    d.app.remaining_today = 1234
    switch = [b.text for b in reversed(d.find(wid="lang_ja").parent.children)]
    await d.tap("日本語")  # the language switch's third button
    assert d.app.tr.lang == "ja"
    english = english_sources()
    folder = Path(os.environ["KIOSK_UI_SHOTS"]) / "third_language"
    screens: set[str] = set()
    untranslated: dict[str, list[str]] = {}
    glyphs: dict[str, Any] = {}
    for shot, screen, params, _representative in samples():
        d.app.navigator.show(screen, params)
        await d.wait_screen(screen)
        await d.frames(2)
        await d.screenshot(folder / f"{shot}_ja.png")
        screens.add(screen)
        bad = [t for t in d.texts() if t in english]
        if bad:
            untranslated[shot] = bad
        missing = missing_glyphs(d)
        if missing:
            glyphs[shot] = missing
    return {
        "screens": sorted(screens),
        "switch": switch,
        "untranslated": untranslated,
        "missing_glyphs": glyphs,
    }
