"""Large text / high contrast one tap from every screen, and speech: a spoken prompt measured as
audio (espeak-ng into WAV files through devices.speaker = wav://FOLDER)."""

from __future__ import annotations

import shutil

import pytest

from tests.devices.test_speaker import RMS_FLOOR, wav_rms

pytestmark = [pytest.mark.ui]


def test_large_text_is_one_tap_away_and_grows_the_text(run_ui):
    result = run_ui("large_text_everywhere", module="tests.ui.scenarios_access")["result"]
    assert result["after"] >= 1.3 * result["before"], result
    assert all(result["selected_on"].values()), result["selected_on"]
    assert result["hint_colour"][:3] == [0.0, 0.0, 0.0]  # grey hint drawn black
    assert result["off_again"]


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="no espeak-ng")
def test_read_aloud_speaks_zh_and_en_stops_on_a_tap_and_resets(run_ui, tmp_path):
    folder = tmp_path / "speech"
    result = run_ui(
        "read_aloud_then_next_visitor",
        module="tests.ui.scenarios_access",
        env={"KIOSK_DEVICES_SPEAKER": f"wav://{folder}"},
    )["result"]
    start, error, english = result["spoken"]
    assert start["voice"] == "cmn" and "购票" in start["text"]
    assert error["voice"] == "cmn" and "该时段已售罄" in error["text"]
    assert "sold out" not in error["text"]  # the panel's English line is not read in Mandarin
    assert english["voice"] == "en" and "This time slot is sold out" in english["text"]
    for said in (start, error):  # cut short by the next screen / the tap: what was heard
        rms, seconds = wav_rms(said["path"])
        assert rms > RMS_FLOOR and seconds > 0.2, (said, rms, seconds)
    rms, seconds = wav_rms(english["path"])  # the whole English prompt, before the tap
    assert rms > RMS_FLOOR and seconds > 1.5, (english, rms, seconds)
    assert result["was_speaking_before_tap"] and result["stopped_by_tap"]
    assert result["after_reset"] == {
        "lang": "zh_CN",
        "speech_on": False,
        "enabled": False,
        "volume": 70,
        "large_text": False,
    }
