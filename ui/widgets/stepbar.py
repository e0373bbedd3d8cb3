"""The step bar: choose → visitors → pay → print, the current step highlighted."""

from __future__ import annotations

from typing import Any

from kivy.properties import ColorProperty, NumericProperty, ObjectProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout

# msgids; the bar translates them at draw time
STEPS = ("Choose", "Visitors", "Pay", "Print")


class StepDot(BoxLayout):
    number = NumericProperty(1)
    msgid = StringProperty("")
    bar = ObjectProperty(None, allownone=True)
    state_color = ColorProperty((0.82, 0.83, 0.82, 1))


class StepBar(BoxLayout):
    current = NumericProperty(0)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        for index, msgid in enumerate(STEPS):
            self.add_widget(StepDot(number=index + 1, msgid=msgid, bar=self))
