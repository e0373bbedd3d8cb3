"""On-screen keypads: digits (phone, order number, ID numbers with X) and letters A-Z with space
(a name in pinyin, e.g. CHEN CHEN). No system keyboard, no input method."""

from __future__ import annotations

from typing import Any

from kivy.properties import BooleanProperty, NumericProperty, StringProperty
from kivy.uix.gridlayout import GridLayout

from ui.widgets.controls import BigButton

DELETE = "del"
SPACE = " "
DIGIT_KEYS = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "X", "0", DELETE]
LETTER_KEYS = [chr(c) for c in range(ord("A"), ord("Z") + 1)] + [SPACE, DELETE]


def group_digits(value: str, kind: str) -> str:
    """How the display spaces a number so a person can check it: phone 3-4-4, ID 6-8-4."""
    groups = {"phone": (3, 4, 4), "buyer_phone": (3, 4, 4), "id": (6, 8, 4)}.get(kind)
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


def key_test_id(key: str) -> str:
    return "key_space" if key == SPACE else f"key_{key}"


class Keypad(GridLayout):
    """layout "digits": 1-9, then X (if allow_x) 0 Delete; layout "letters": A-Z, Space,
    Delete (the kv rule sets the columns). `value` is what was typed."""

    value = StringProperty("")
    max_length = NumericProperty(18)
    allow_x = BooleanProperty(False)
    layout = StringProperty("digits")

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._build()
        self.fbind("layout", self._build)
        self.fbind("allow_x", self._update_x)

    def _build(self, *_args: Any) -> None:
        self.clear_widgets()
        for key in LETTER_KEYS if self.layout == "letters" else DIGIT_KEYS:
            button = KeyButton(key=key, test_id=key_test_id(key))
            button.bind(on_release=lambda b: self.press(b.key))
            self.add_widget(button)
        self._update_x()

    def _update_x(self, *_args: Any) -> None:
        if self.layout == "letters":
            return
        for child in self.children:
            if child.key == "X":
                child.disabled = not self.allow_x
                child.opacity = 1 if self.allow_x else 0

    def press(self, key: str) -> None:
        if key == DELETE:
            self.value = self.value[:-1]
        elif key == "X" and not self.allow_x and self.layout != "letters":
            return
        elif key == SPACE and (not self.value or self.value.endswith(SPACE)):
            return  # no leading or double space
        elif len(self.value) < self.max_length:
            self.value += key

    def clear(self) -> None:
        self.value = ""
