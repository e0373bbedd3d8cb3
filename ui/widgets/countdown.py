"""A countdown: a ring that empties and the seconds left in the middle."""

from __future__ import annotations

from kivy.properties import NumericProperty
from kivy.uix.widget import Widget


class Countdown(Widget):
    """Shows `seconds` left of `total`. Whoever owns the time sets `seconds`."""

    seconds = NumericProperty(0)
    total = NumericProperty(1)
