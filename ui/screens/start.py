"""The start screen: the area, its picture, the journeys, today's capacity, the language."""

from __future__ import annotations

from kivy.properties import StringProperty

from ui.i18n import tr
from ui.screens.base import KioskScreen


class StartScreen(KioskScreen):
    capacity_text = StringProperty("")

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

    def open_journey(self, name: str) -> None:
        self.app.start_journey(name)
