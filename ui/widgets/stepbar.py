"""The step bar: choose → visitors → pay → print, the current step highlighted."""

from __future__ import annotations

from typing import Any

from kivy.properties import NumericProperty
from kivy.uix.boxlayout import BoxLayout

# msgids; the bar translates them at draw time
STEPS = ("Choose", "Visitors", "Pay", "Print")


class StepBar(BoxLayout):
    current = NumericProperty(0)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        from kivy.factory import Factory

        for index, msgid in enumerate(STEPS):
            self.add_widget(Factory.StepDot(number=index + 1, msgid=msgid, bar=self))
