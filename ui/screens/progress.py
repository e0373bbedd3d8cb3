"""Printing: "Printing 2 of 4" with a progress bar. The idle timer leaves this screen alone.

params: done, total, text / hint (msgids or zh/en pairs; default "Printing {current} of
{total}"), step (default 3, print).
"""

from __future__ import annotations

from kivy.properties import NumericProperty, StringProperty

from ui.i18n import tr
from ui.screens.base import KioskScreen
from ui.screens.params import text_of


class ProgressScreen(KioskScreen):
    done = NumericProperty(0)
    total = NumericProperty(1)
    text = StringProperty("")
    hint = StringProperty("")

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.idle_allowed = False

    def step_default(self) -> int:
        return 3

    def redraw(self) -> None:
        self.total = max(1, int(self.params.get("total", 1)))
        self.done = min(self.total, int(self.params.get("done", 0)))
        current = min(self.total, self.done + 1)
        self.text = text_of(self.params, "text") or tr._("Printing {current} of {total}").format(
            current=current, total=self.total
        )
        self.hint = text_of(self.params, "hint") or tr._(
            "Please wait; take your tickets from the slot below when they are all printed."
        )
