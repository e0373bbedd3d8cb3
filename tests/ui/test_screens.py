"""The kiosk screen, started for real under X, tapped with touch events by a driver script."""

from __future__ import annotations

from pathlib import Path

import pytest

pytestmark = [pytest.mark.ui]

FAST_IDLE = {"KIOSK_TIMEOUTS_IDLE_SECONDS": "1.5", "KIOSK_TIMEOUTS_STILL_THERE_SECONDS": "2"}


def test_start_screen_speaks_chinese_then_english(run_ui):
    outcome = run_ui("start_in_both_languages")
    assert "购票" in outcome["result"]["zh"]
    assert "Buy tickets" in outcome["result"]["en"]
    assert outcome["taps"] == 2
    # portrait: every journey button's label starts at the same x
    assert len(set(outcome["result"]["label_x"].values())) == 1, outcome["result"]["label_x"]


# portrait only: what the gallery checks (no missing glyph, nothing left untranslated) is in the
# texts, which are the same in both orientations; every screen drawn in landscape, in every
# language, is walked and measured by the accessibility check (tests/ui/test_accessibility.py)
def test_every_screen_renders_in_both_languages_portrait(run_ui):
    screens = run_ui("gallery", size="1080x1920")["result"]["screens"]
    assert len(screens) == 16


def test_idle_countdown_asks_then_returns_to_start(run_ui):
    outcome = run_ui("idle_countdown_returns_to_start", env=FAST_IDLE)
    # the reset comes after idle (1.5 s) plus the countdown (2 s), not before
    assert outcome["result"]["idle_seconds_at_reset"] >= 3.5


def test_keypad_types_an_id_number_with_x_and_the_journey_gets_it(run_ui):
    outcome = run_ui("keypad_types_id_with_x")
    assert outcome["result"]["submitted"] == ["11010519491231002X"]


def test_phone_keypad_has_no_x_and_stops_at_eleven_digits(run_ui):
    assert run_ui("keypad_phone_has_no_x")["result"]["display"] == "138 0013 8000"


def test_staff_corner_fires_only_after_a_five_second_press(run_ui):
    held = run_ui("staff_corner_long_press")["result"]["held_seconds"]
    assert 4.8 <= held <= 6.0


def test_unexpected_error_is_logged_and_the_kiosk_starts_over(run_ui):
    outcome = run_ui("unexpected_error_returns_to_start")
    assert outcome["result"]["errors_seen"] == 1
    logs = "".join(p.read_text() for p in Path(outcome["data_dir"], "logs").glob("*.txt"))
    assert "ZeroDivisionError: a bug in a screen callback" in logs
