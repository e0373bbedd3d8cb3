"""Speech out of the kiosk's loudspeaker: espeak-ng, played on the sound card or kept as WAV files.

    from peripherals.speaker import open_speaker
    speaker = open_speaker(config.devices.speaker)   # espeak://  or  wav:///var/kiosk/speech
    speaker.say("请出示付款码", voice="cmn", volume=70)   # returns at once; stops the one before
    speaker.stop(); speaker.speaking; speaker.status()

The speaker is told what to say and in which voice; what to say (and when) is the kiosk's
business (kiosk/speech.py). There is no emulator package: the `wav://` sink is the stand-in for
the loudspeaker, a folder of real audio files a test can measure.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from peripherals.exports import lazy_exports
from peripherals.speaker.errors import SpeakerError
from peripherals.speaker.protocol import Speaker, Utterance

if TYPE_CHECKING:
    from peripherals.speaker.driver import EspeakSpeaker, open_speaker

__getattr__ = lazy_exports(__name__, {"EspeakSpeaker": "driver", "open_speaker": "driver"})

__all__ = ["EspeakSpeaker", "Speaker", "SpeakerError", "Utterance", "open_speaker"]
