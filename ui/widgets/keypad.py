"""An on-screen numeric keypad: phone, order number and ID numbers (with X). No system keyboard."""

from __future__ import annotations

from typing import Any

from kivy.properties import BooleanProperty, NumericProperty, StringProperty
from kivy.uix.gridlayout import GridLayout

from ui.widgets.controls import BigButton

DELETE = "del"


def group_digits(value: str, kind: str) -> str:
    """How the display spaces a number so a person can check it: phone 3-4-4, ID 6-8-4."""
    groups = {"phone": (3, 4, 4), "id": (6, 8, 4)}.get(kind)
    if not groups:
        return " ".join(value[i : i + 4] for i in range(0, len(value), 4))
    parts, start = [], 0
    for size in groups:
        if start >= len(value):
            break
        parts.append(value[start : start + size])
        start += size
    if start < len(value):
        parts.append(value[start:])
    return " ".join(parts)


class KeyButton(BigButton):
    key = StringProperty("")


class Keypad(GridLayout):
    """1-9, then X (if allow_x) 0 Delete. `value` is what was typed."""

    value = StringProperty("")
    max_length = NumericProperty(18)
    allow_x = BooleanProperty(False)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.cols = 3
        for key in ["1", "2", "3", "4", "5", "6", "7", "8", "9", "X", "0", DELETE]:
            button = KeyButton(key=key, test_id=f"key_{key}")
            button.bind(on_release=lambda b: self.press(b.key))
            self.add_widget(button)
        self.fbind("allow_x", self._update_x)
        self._update_x()

    def _update_x(self, *_args: Any) -> None:
        for child in self.children:
            if child.key == "X":
                child.disabled = not self.allow_x
                child.opacity = 1 if self.allow_x else 0

    def press(self, key: str) -> None:
        if key == DELETE:
            self.value = self.value[:-1]
        elif key == "X" and not self.allow_x:
            return
        elif len(self.value) < self.max_length:
            self.value += key

    def clear(self) -> None:
        self.value = ""
