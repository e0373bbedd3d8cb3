"""The large-text/high-contrast mode and speech, as the app runs them.

    app.access = AccessMode(app)      # in build(): opens the speaker from devices.speaker
    app.access.set_large_text(True)   # the frame's "A+" control
    app.access.read_aloud()           # the frame's "read aloud" control: speech on, say it again

What is said comes from the screen (`KioskScreen.spoken_lines()`) and kiosk.speech decides how;
once the tourist asked for speech every new screen, a changed message on the same screen and
the "still there?" question are read by themselves. A tap stops speech (KioskRoot).

After each tourist (`reset()`): the idle reset, or the start screen untouched for
`timeouts.idle_seconds`, puts text size, contrast, speech, volume and language back.
"""

from __future__ import annotations

import re
import time
from typing import Any

from kivy.clock import Clock
from kivy.logger import Logger

from kiosk.speech import DEFAULT_VOLUME, open_speech
from ui.fonts import set_text_style
from ui.i18n import speech_voice, tr
from ui.widgets.access import restyle_labels

DIGITS = re.compile(r"\d+")


class AccessMode:
    def __init__(self, app: Any) -> None:
        self.app = app
        self.speech = open_speech(app.kiosk_config.devices.speaker)
        app.speech = self.speech
        self._said = ""  # what was last read (digits masked: a countdown is not news)
        self.last_touch = time.monotonic()
        navigator = app.navigator
        navigator.bind(on_screen=lambda *_: self._soon())
        navigator.bind(on_idle_reset=lambda *_: self.reset())
        navigator.bind(still_there_showing=lambda *_: self._soon())
        tr.on_switch(lambda _lang: self._soon(force=True))
        Clock.schedule_interval(self._tick, 0.5)

    def touched(self) -> None:
        """Any touch: speech stops, and the visitor is still here."""
        self.last_touch = time.monotonic()
        self.speech.stop()

    # large text, high contrast --------------------------------------------------------------
    def set_large_text(self, on: bool) -> None:
        set_text_style(on)
        self.app.large_text = on
        restyle_labels(self.app.root)
        for screen in self.app.navigator.screens.values():
            if screen.parent is None:
                restyle_labels(screen)
        Logger.info(f"Kiosk: large text {'on' if on else 'off'}")

    # speech ---------------------------------------------------------------------------------
    def lines(self) -> list[str]:
        navigator = self.app.navigator
        if navigator.still_there_showing:
            from ui.widgets.overlays import StillThereOverlay

            overlay = next(
                (w for w in self.app.root.children if isinstance(w, StillThereOverlay)), None
            )
            if overlay is not None:
                return overlay.spoken_lines()
        screen = navigator.current_screen
        return screen.spoken_lines() if screen is not None else []

    def read_aloud(self) -> None:
        """The tourist's tap: speech on from now on, this screen read (again)."""
        lines = self.lines()
        self._said = DIGITS.sub("#", "\n".join(lines))
        self.speech.again(lines, tr.lang, speech_voice(tr.lang))
        self.app.speech_on = True

    def _soon(self, force: bool = False) -> None:
        if self.speech.enabled:
            if force:
                self._said = ""
            Clock.schedule_once(lambda _dt: self._speak_if_new(), 0.2)  # after the redraw

    def _speak_if_new(self) -> None:
        if not self.speech.enabled:
            return
        lines = self.lines()
        said = DIGITS.sub("#", "\n".join(lines))
        if said == self._said:
            return
        self._said = said
        self.speech.screen_changed(lines, tr.lang, speech_voice(tr.lang))

    # after each tourist ---------------------------------------------------------------------
    def _tick(self, _dt: float) -> None:
        navigator = self.app.navigator
        if self.speech.enabled:
            self._speak_if_new()  # a message changed on the same screen (an error, a retry)
        at_start = navigator.current == "start"
        idle = time.monotonic() - self.last_touch >= navigator.idle_seconds
        if at_start and idle and self.changed():
            self.reset()

    def changed(self) -> bool:
        """Whether anything the last tourist chose is still in force."""
        config_lang = self.app.kiosk_config.language
        return (
            self.app.large_text
            or self.speech.enabled
            or self.speech.volume != DEFAULT_VOLUME
            or (config_lang in tr.languages and tr.lang != config_lang)
        )

    def reset(self) -> None:
        """The next tourist: normal text, no speech, the default volume and language."""
        self.speech.reset()
        self.app.speech_on = False
        self._said = ""
        if self.app.large_text:
            self.set_large_text(False)
        config_lang = self.app.kiosk_config.language
        if config_lang in tr.languages and tr.lang != config_lang:
            self.app.switch_language(config_lang)
        Logger.info("Kiosk: accessibility and language reset for the next visitor")
