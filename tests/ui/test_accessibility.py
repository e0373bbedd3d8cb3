"""The accessibility check over every registered screen, both orientations, every language
(tests/ui/accessibility_check.py); its report goes to artifacts/accessibility/."""

from __future__ import annotations

import pytest

from tests.fixtures.common import ARTIFACTS
from tests.ui.accessibility_check import summarise, write_report
from ui.screens import SCREENS

pytestmark = [pytest.mark.ui]


def test_every_screen_meets_text_touch_contrast_and_reach_rules(run_ui):
    outcome = run_ui(
        "check_all", size="1080x1920", module="tests.ui.accessibility_check", timeout=240
    )["result"]
    summary = summarise(outcome)
    report = write_report(summary, ARTIFACTS / "accessibility")
    checked = {row["registered_as"] for row in outcome["rows"]}
    assert checked == set(SCREENS), f"screens not checked: {set(SCREENS) - checked}"
    orientations = {row["orientation"] for row in outcome["rows"]}
    assert orientations == {"portrait", "landscape"}
    assert not summary["failures"], f"see {report}:\n" + "\n".join(summary["failures"])
