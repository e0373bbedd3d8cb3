"""What the kiosk says aloud, and when: the screen's instruction and its errors, on request.

The screen hands over the lines a person sees (title, instruction, error, in reading order)
and the current language's engine voice (the catalog's `X-Speech-Voice`); `Speech` turns them
into one sentence a speech engine reads well (money as yuan, no symbols it would spell out)
and says it through a `peripherals.speaker` Speaker.

Speaking starts when the tourist taps "read aloud"; from then on each new screen is read by
itself (`screen_changed`), a tap stops it (`stop`), "read aloud" again repeats it (`again`).
`reset()` after each tourist: quiet again, volume back to the default.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

from peripherals.speaker.protocol import Speaker, Utterance
from peripherals.status import DeviceError

log = logging.getLogger("kiosk.speech")

DEFAULT_VOLUME = 70
VOLUME_STEP = 15
MONEY = re.compile(r"[¥￥]\s*(\d+(?:\.\d\d)?)")
# characters an engine would spell out ("multiplication sign", "middle dot") or that mean a pause
PAUSES = re.compile(r"[·•|/×→…]+")
YUAN = {"zh": "{amount}元", "ja": "{amount}元", "en": "{amount} yuan"}


def _family(lang: str) -> str:
    return lang.split("_")[0].split("-")[0].lower()


def _money(match: re.Match[str], lang: str) -> str:
    amount = match.group(1)
    if amount.endswith(".00"):
        amount = amount[:-3]
    return YUAN.get(_family(lang), YUAN["en"]).format(amount=amount)


def spoken_text(lines: Iterable[str], lang: str) -> str:
    """One sentence from the screen's lines: money said as yuan, symbols as pauses, each line
    ending in a stop so the engine pauses between them."""
    stop = "。" if _family(lang) in ("zh", "ja") else "."
    parts: list[str] = []
    for line in lines:
        text = MONEY.sub(lambda m: _money(m, lang), " ".join(line.split()))
        text = PAUSES.sub(", ", text).strip(" ,")
        if not text or text in parts:
            continue
        parts.append(text if text[-1] in ".。!！?？:：" else text + stop)
    return " ".join(parts)


class Speech:
    """The kiosk's voice: on after "read aloud", quiet again for the next tourist."""

    def __init__(self, speaker: Speaker | None) -> None:
        self.speaker = speaker
        self.enabled = False  # the tourist asked for speech: every new screen is read
        self.volume = DEFAULT_VOLUME
        self.last: Utterance | None = None

    def say(self, lines: Iterable[str], lang: str, voice: str) -> Utterance | None:
        """Read `lines` now (stopping what was being said); None when there is nothing to say
        or no working speaker (the screen works without speech)."""
        lines = [line for line in lines if line and line.strip()]
        text = spoken_text(lines, lang)
        if not text or self.speaker is None:
            return None
        try:
            self.last = self.speaker.say(text, voice or _family(lang), self.volume)
        except DeviceError as exc:
            log.warning("speech: %s", exc)
            return None
        return self.last

    def again(self, lines: Iterable[str], lang: str, voice: str) -> Utterance | None:
        """The "read aloud" tap: speech on for this tourist, and the screen read (again)."""
        self.enabled = True
        return self.say(lines, lang, voice)

    def screen_changed(self, lines: Iterable[str], lang: str, voice: str) -> Utterance | None:
        """A new screen: whatever was said stops; the new one is read if speech is on."""
        self.stop()
        return self.say(lines, lang, voice) if self.enabled else None

    def louder(self) -> int:
        self.volume = min(100, self.volume + VOLUME_STEP)
        return self.volume

    def quieter(self) -> int:
        self.volume = max(10, self.volume - VOLUME_STEP)
        return self.volume

    def stop(self) -> None:
        if self.speaker is not None and self.speaker.speaking:
            self.speaker.stop()

    @property
    def speaking(self) -> bool:
        return self.speaker is not None and self.speaker.speaking

    def reset(self) -> None:
        """The next tourist: silent, speech off, the default volume."""
        self.stop()
        self.enabled = False
        self.volume = DEFAULT_VOLUME
        self.last = None


def open_speech(url: str) -> Speech:
    """Speech through the speaker at `url` (devices.speaker); without one, a silent Speech."""
    if not url:
        return Speech(None)
    from peripherals.speaker import open_speaker

    try:
        return Speech(open_speaker(url))
    except DeviceError as exc:
        log.warning("speech: no speaker (%s)", exc)
        return Speech(None)
