"""Back to a visitor entered before: shown masked with Keep, in Chinese and English, and Keep
goes on to the next visitor (tests/ui/scenarios_holder_back.py)."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.ui]


def test_back_shows_the_earlier_visitor_masked_and_keep_goes_on(run_ui, kiosk_rig):
    read = run_ui(
        "back_keeps_the_earlier_visitor",
        env=kiosk_rig,
        module="tests.ui.scenarios_holder_back",
        timeout=120,
    )["result"]
    kept, kept_en = " ".join(read["kept"]), " ".join(read["kept_en"])
    assert read["visitor"] == 1
    # the first visitor as entered: the document named, name and number masked, never in clear
    assert "居民身份证" in kept and "张*" in kept and "2375" in kept
    assert "110101199003072375" not in kept and "张伟" not in kept
    assert "保留这位游客" in kept and "第 1 位游客（共 2 位）" in kept
    assert "Keep this visitor" in kept_en and "Visitor 1 of 2" in kept_en
    # Keep: the second visitor's card is asked for again
    assert "第 2 位游客（共 2 位）" in " ".join(read["again"])
