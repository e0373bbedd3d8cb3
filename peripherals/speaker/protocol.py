"""What a speaker is to the kiosk: say a text in a voice at a volume, stop, and its health."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from peripherals.status import DeviceStatus


@dataclass(frozen=True)
class Utterance:
    """One thing said: the text, the engine's voice (e.g. `cmn`, `en`, `ja`), the volume
    (0-100) and, when the sink keeps audio, the WAV file it went to."""

    text: str
    voice: str
    volume: int
    path: str = ""


class Speaker(Protocol):
    def say(self, text: str, voice: str, volume: int) -> Utterance:
        """Start saying `text` (stopping whatever is being said); returns at once."""
        ...

    def stop(self) -> None:
        """Stop talking now (a new screen, a tap)."""
        ...

    @property
    def speaking(self) -> bool: ...

    def wait(self, timeout: float) -> bool:
        """Block until the current utterance is done (True) or `timeout` passed (False)."""
        ...

    def status(self) -> DeviceStatus: ...

    def close(self) -> None: ...
