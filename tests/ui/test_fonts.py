"""The CJK font subset (ui/font_subset.py, ui/fonts.py): the start screen draws with the
subset's faces, and a text with a character outside the subset is drawn by the full face
(its glyphs, not missing-glyph boxes). One app launch; the scenario below runs inside it."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

import pytest

from kiosk.config import KioskConfig
from ui import font_subset
from ui.driver import Driver

pytestmark = [pytest.mark.ui]

RARE = "龘喆"  # outside GB2312 and the catalogues
RARE_NAME = "张喆 龘龘 Zhang"
COMMON_NAME = "云台山风景区 购票 Tickets"


def texture_pixels(text: str, font_name: str, bold: bool = False) -> bytes:
    from kivy.core.text import Label as CoreLabel

    label = CoreLabel(text=text, font_name=font_name, font_size=40, bold=bold)
    label.refresh()
    return bytes(label.texture.pixels)


async def fonts_in_use(d: Driver) -> dict[str, Any]:
    from kivy.core.text import DEFAULT_FONT, LabelBase

    from ui.fonts import FULL_FONT

    await d.wait_screen("start")
    await d.frames(2)
    on_screen = {w.text: w._label.options["font_name_r"] for w in d.labels() if w.text.strip()}
    subset_regular, subset_bold = (
        LabelBase._fonts[DEFAULT_FONT][0],
        LabelBase._fonts[DEFAULT_FONT][2],
    )
    full_regular = LabelBase._fonts[FULL_FONT][0]
    drawn: dict[str, Any] = {}
    for name, text in (("rare", RARE_NAME), ("common", COMMON_NAME)):
        for bold in (False, True):
            from kivy.core.text import Label as CoreLabel

            label = CoreLabel(text=text, font_size=40, bold=bold)
            label.refresh()
            drawn[f"{name}_{'bold' if bold else 'regular'}"] = {
                "font": label.options["font_name_r"],
                "equals_full": bytes(label.texture.pixels) == texture_pixels(text, FULL_FONT, bold),
            }
    # the subset file itself (a copy: the picker knows the subset's path), drawing the rare
    # text: must differ (boxes), or this test proves nothing
    copy = Path(tempfile.mkdtemp()) / "subset-copy.otf"
    shutil.copyfile(subset_regular, copy)
    drawn["subset_alone_equals_full"] = texture_pixels(RARE_NAME, str(copy)) == (
        texture_pixels(RARE_NAME, FULL_FONT)
    )
    return {
        "on_screen": on_screen,
        "subset": [subset_regular, subset_bold],
        "full": full_regular,
        "drawn": drawn,
    }


@pytest.fixture(scope="module")
def subset_built() -> Path:
    """A subset in the user's font cache (built here once per machine if there is none)."""
    origin = Path(KioskConfig().font_path)
    if not origin.exists():
        pytest.skip(f"{origin} not installed")
    cache = font_subset.shared_cache()
    origins = [origin, font_subset.bold_of(origin) or origin]
    if not all(font_subset.newest_subset(o, cache) for o in origins):
        font_subset.build_all(origins, cache)
    subset = font_subset.newest_subset(origin, cache)
    assert subset is not None
    return subset


def test_start_screen_uses_the_subset_and_a_rare_name_the_full_face(run_ui, subset_built):
    cover = font_subset.cover_path(subset_built).read_bytes()
    assert not font_subset.covers(cover, RARE[0]) and not font_subset.covers(cover, RARE[1])
    assert font_subset.covers(cover, COMMON_NAME)

    result = run_ui("fonts_in_use", module="tests.ui.test_fonts")["result"]

    assert all("-kiosk-" in Path(s).name for s in result["subset"]), result["subset"]
    not_subset = {t: f for t, f in result["on_screen"].items() if f not in result["subset"]}
    assert len(result["on_screen"]) >= 5 and not not_subset, not_subset
    drawn = result["drawn"]
    for weight in ("regular", "bold"):
        rare, common = drawn[f"rare_{weight}"], drawn[f"common_{weight}"]
        assert "-kiosk-" not in Path(rare["font"]).name, rare
        assert rare["equals_full"], f"{RARE_NAME!r} ({weight}) differs from the full face"
        assert common["font"] in result["subset"], common
        assert common["equals_full"], f"{COMMON_NAME!r} ({weight}): subset glyphs differ"
    assert not drawn["subset_alone_equals_full"], "the subset alone drew the rare name"
