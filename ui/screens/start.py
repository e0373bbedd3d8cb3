"""The start screen: the area, its picture, the journeys, today's capacity, the language.

It offers only what the kiosk can finish: params `unavailable` (the buttons greyed: purchase,
pickup, addons, membership, change_refund), `reason` (why, on each greyed button: "Printer
fault") and `notice` (the sentence above them: "Printer fault: tickets can't be printed now"),
as msgids or zh/en pairs. Without them (the screens alone) every button is on.
"""

from __future__ import annotations

from kivy.properties import ListProperty, StringProperty

from ui.i18n import tr
from ui.screens.base import KioskScreen
from ui.screens.params import text_of


class StartScreen(KioskScreen):
    capacity_text = StringProperty("")
    unavailable = ListProperty([])
    reason = StringProperty("")
    notice = StringProperty("")

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)
        # the start screen is the kiosk at rest (the home flow listens on it): nothing to clear
        self.idle_allowed = False

    def on_activate(self) -> None:
        banner = self.params.get("banner")
        if isinstance(banner, dict) and banner.get("zh"):
            self.app.show_banner(banner["zh"], banner.get("en", ""))
        self.app.fbind("remaining_today", lambda *_: self.redraw_trigger())

    def redraw(self) -> None:
        remaining = self.app.remaining_today
        if remaining is None:
            self.capacity_text = ""
        elif int(remaining) <= 0:
            self.capacity_text = tr._("Sold out for today")
        else:
            self.capacity_text = tr._("Tickets left today: {count}").format(count=remaining)
        self.unavailable = [str(name) for name in self.params.get("unavailable", [])]
        self.reason = text_of(self.params, "reason")
        self.notice = text_of(self.params, "notice")

    def label(self, text: str, disabled: bool, reason: str) -> str:
        """A journey button's label; greyed, its reason on a second line."""
        return f"{text}\n{reason}" if disabled and reason else text

    def open_journey(self, name: str) -> None:
        if name in self.unavailable:
            return
        self.app.start_journey(name)
