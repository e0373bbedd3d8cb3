"""The speaker: espeak-ng really synthesising Mandarin and English into WAV files (the wav://
sink), measured: the file exists and its sound is well above silence; stop() interrupts."""

from __future__ import annotations

import shutil
import time
import wave
from pathlib import Path

import numpy as np
import pytest

from kiosk.speech import Speech, spoken_text
from peripherals.speaker import SpeakerError, open_speaker
from peripherals.status import DeviceState
from peripherals.transport import UnknownTransport

pytestmark = pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="no espeak-ng")

RMS_FLOOR = 0.02  # of full scale; silence (and espeak-ng's lead-in) is below 0.001


def wav_rms(path: str | Path) -> tuple[float, float]:
    """(RMS of the samples as a fraction of full scale, seconds) of a 16-bit mono WAV."""
    with wave.open(str(path)) as wav:
        assert wav.getsampwidth() == 2
        frames = wav.readframes(wav.getnframes())
        seconds = wav.getnframes() / wav.getframerate()
    samples = np.frombuffer(frames, dtype=np.int16).astype(np.float64) / 32768.0
    return float(np.sqrt(np.mean(samples**2))) if samples.size else 0.0, seconds


@pytest.mark.parametrize(
    ("text", "voice"), [("请出示付款码，支付金额240元。", "cmn"), ("Show your payment code.", "en")]
)
def test_a_prompt_is_spoken_to_a_non_silent_wav(tmp_path, text, voice):
    speaker = open_speaker(f"wav://{tmp_path}")
    said = speaker.say(text, voice=voice, volume=70)
    assert speaker.wait(20)
    rms, seconds = wav_rms(said.path)
    assert Path(said.path).name.endswith(f"_{voice}.wav")
    assert rms > RMS_FLOOR, rms
    assert seconds > 0.8, seconds  # a sentence, not a click


def test_louder_is_louder(tmp_path):
    speaker = open_speaker(f"wav://{tmp_path}")
    quiet = speaker.say("Take your tickets", voice="en", volume=30)
    speaker.wait(20)
    loud = speaker.say("Take your tickets", voice="en", volume=90)
    speaker.wait(20)
    assert wav_rms(loud.path)[0] > 2 * wav_rms(quiet.path)[0]


def test_stop_interrupts_at_once(tmp_path):
    speaker = open_speaker(f"wav://{tmp_path}")
    speaker.say("Please wait. " * 200, voice="en", volume=70)
    time.sleep(0.2)
    assert speaker.speaking
    started = time.monotonic()
    speaker.stop()
    assert not speaker.speaking
    assert time.monotonic() - started < 0.5


def test_a_new_utterance_stops_the_one_before(tmp_path):
    speaker = open_speaker(f"wav://{tmp_path}")
    speaker.say("Please wait. " * 200, voice="en", volume=70)
    time.sleep(0.2)
    second = speaker.say("下一位", voice="cmn", volume=70)
    assert speaker.wait(20)
    assert wav_rms(second.path)[0] > RMS_FLOOR


def test_speech_says_money_as_yuan_and_resets_for_the_next_tourist(tmp_path):
    assert spoken_text(["Amount to pay: ¥240.00", "× 2"], "en") == "Amount to pay: 240 yuan. 2."
    assert spoken_text(["应付金额：¥240.50"], "zh_CN") == "应付金额：240.50元。"
    speech = Speech(open_speaker(f"wav://{tmp_path}"))
    assert speech.screen_changed(["购票"], "zh_CN", "cmn") is None  # not asked for: silent
    said = speech.again(["购票"], "zh_CN", "cmn")
    assert said is not None and speech.enabled
    speech.louder()
    speech.reset()
    assert not speech.enabled and speech.volume == 70 and not speech.speaking


def test_a_missing_engine_is_a_status_and_a_clear_error(tmp_path):
    from peripherals.speaker import EspeakSpeaker

    speaker = EspeakSpeaker(tmp_path, engine="no-such-espeak")
    status = speaker.status()
    assert status.state is DeviceState.MISSING and status.code == "engine_missing"
    with pytest.raises(SpeakerError) as caught:
        speaker.say("hello", voice="en", volume=50)
    assert caught.value.message_zh == "语音引擎未安装"
    assert Speech(speaker).again(["hello"], "en", "en") is None  # the screen goes on silent


def test_an_unknown_speaker_setting_says_what_it_takes():
    with pytest.raises(UnknownTransport) as caught:
        open_speaker("alsa://hw:0")
    assert "espeak://" in str(caught.value) and "wav://" in str(caught.value)


def test_the_wav_sink_plays_in_real_time_and_a_stop_cuts_what_was_not_heard(tmp_path):
    speaker = open_speaker(f"wav://{tmp_path}")
    said = speaker.say("Please show your payment code to the camera. " * 3, voice="en", volume=70)
    assert speaker.wait(20)
    full = wav_rms(said.path)[1]
    time.sleep(0.5)
    assert speaker.speaking  # synthesised at once, "heard" for as long as it lasts
    speaker.stop()
    assert not speaker.speaking
    heard = wav_rms(said.path)[1]
    assert 0.4 < heard < min(1.5, full - 1), (heard, full)
