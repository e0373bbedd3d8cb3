"""Out of service: the kiosk cannot finish a journey now (the backend does not answer), so it
offers none and says what to do instead (the ticket window, the staff). It leaves by itself when
the backend answers again (the home flow publishes the start screen). Also the kiosk's first
screen while it starts and asks the backend whether it is there.

params: title, body (msgids or zh/en pairs), kind ("out" | "starting").
The hidden staff corner stays: staff may still open maintenance. The idle timer leaves it alone.
"""

from __future__ import annotations

from kivy.properties import StringProperty

from ui.screens.base import KioskScreen
from ui.screens.params import text_of


class OutOfServiceScreen(KioskScreen):
    kind = StringProperty("out")
    title = StringProperty("")
    body = StringProperty("")

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.idle_allowed = False

    def redraw(self) -> None:
        self.kind = str(self.params.get("kind", "out"))
        self.title = text_of(self.params, "title")
        self.body = text_of(self.params, "body")
