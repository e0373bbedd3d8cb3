"""On-screen keypads: digits (phone, order number, ID numbers with X), letters A-Z with space (a
name in pinyin, e.g. CHEN CHEN), letters and digits (a passport, a foreign permanent residence
card), and digits under a row of prefix letters (H / M of a HK/Macao permit). No system
keyboard, no input method.

A keypad fit for a document only takes what the document's number can hold: `letter_prefix`
keeps letters to the first characters (the 3 letters of a foreign card), `letter_first`
wants a letter before any digit (H or M, then digits); a key that cannot come next is greyed.
"""

from __future__ import annotations

from typing import Any

from kivy.properties import BooleanProperty, NumericProperty, StringProperty
from kivy.uix.gridlayout import GridLayout

from ui.widgets.controls import BigButton

DELETE = "del"
SPACE = " "
SPACER = ""  # an empty cell that keeps the rows aligned
DIGITS = [str(d) for d in range(1, 10)] + ["0"]
LETTERS = [chr(c) for c in range(ord("A"), ord("Z") + 1)]
DIGIT_KEYS = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "X", "0", DELETE]
LETTER_KEYS = [*LETTERS, SPACE, DELETE]
DIGIT_COLUMNS = 3

# how the display spaces what was typed so a person can check it against the document
GROUPS: dict[str, tuple[int, ...]] = {
    "phone": (3, 4, 4),
    "buyer_phone": (3, 4, 4),
    "id": (6, 8, 4),
    "hk_macau_permit": (1, 4, 4, 2),  # H 1234 5678
    "taiwan_permit": (4, 4, 2),
    "foreign_permanent": (3, 4, 6, 2),  # USA 1100 800515 01 (nationality, place, birth, no.)
}
AS_TYPED = frozenset({"passport", "name", "holder_name", "pin"})


def group_digits(value: str, kind: str) -> str:
    """How the display spaces a number so a person can check it: phone 3-4-4, ID 6-8-4, a
    foreign card 3-4-6-2 (or 6-8-4 for the 18-digit card), a passport as typed."""
    if kind in AS_TYPED:
        return value
    groups = GROUPS.get(kind)
    if kind == "foreign_permanent" and value[:1].isdigit():
        groups = GROUPS["id"]
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


def _rows(keys: list[str], columns: int) -> list[str]:
    """`keys` padded with spacers to whole rows of `columns`."""
    return keys + [SPACER] * (-len(keys) % columns)


def layout_keys(layout: str, columns: int, prefix_keys: str = "", alnum: bool = False) -> list[str]:
    """The keys of a layout, row by row for `columns`: "digits" (1-9, X, 0, Delete; with
    `prefix_keys` a row of those letters above), "letters" (A-Z, Space, Delete; with `alnum`
    the digits, then A-Z and Delete)."""
    if layout == "letters" and not alnum:
        return list(LETTER_KEYS)
    if layout == "letters":
        columns = max(columns, 1)
        letters = _rows([*LETTERS, SPACER], columns)
        letters[-1] = DELETE
        return _rows(list(DIGITS), columns) + letters
    keys = list(DIGIT_KEYS)
    if prefix_keys:
        keys = _rows(list(prefix_keys), DIGIT_COLUMNS) + keys
    return keys


class KeyButton(BigButton):
    key = StringProperty("")


def key_test_id(key: str) -> str:
    if key == SPACER:
        return ""
    return "key_space" if key == SPACE else f"key_{key}"


class Keypad(GridLayout):
    """layout "digits": 1-9, then X (if allow_x) 0 Delete, below a row of `prefix_keys` when
    given; layout "letters": A-Z, Space, Delete, or with `alnum` 0-9, A-Z, Delete (no space),
    its rows falling by the grid's columns (the kv rule sets them). `value` is what was
    typed."""

    value = StringProperty("")
    max_length = NumericProperty(18)
    allow_x = BooleanProperty(False)
    layout = StringProperty("digits")
    alnum = BooleanProperty(False)  # letters layout: digits and letters, no space
    prefix_keys = StringProperty("")  # letters above the digits, e.g. "HM"
    letter_prefix = NumericProperty(0)  # > 0: letters only as the first N, before any digit
    letter_first = BooleanProperty(False)  # a digit only after a letter

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._build()
        for name in ("layout", "alnum", "cols", "prefix_keys"):
            self.fbind(name, self._build)
        for name in ("allow_x", "value", "letter_prefix", "letter_first"):
            self.fbind(name, self._update_keys)

    def _build(self, *_args: Any) -> None:
        self.clear_widgets()
        columns = int(self.cols or DIGIT_COLUMNS)
        for key in layout_keys(self.layout, columns, self.prefix_keys, self.alnum):
            button = KeyButton(key=key, test_id=key_test_id(key))
            if key == SPACER:
                button.disabled, button.opacity = True, 0
            else:
                button.bind(on_release=lambda b: self.press(b.key))
            self.add_widget(button)
        self._update_keys()

    def _update_keys(self, *_args: Any) -> None:
        for child in self.children:
            if child.key == SPACER:
                continue
            if child.key == "X" and self.layout == "digits":
                child.disabled = not self.allow_x
                child.opacity = 1 if self.allow_x else 0
            elif child.key != DELETE:
                # a document's keypad greys what its number cannot hold next (a full display
                # is left as it is: a tap there is simply not taken)
                rules = self.letter_prefix or self.letter_first
                child.disabled = bool(rules) and not self.accepts(child.key, full_ok=True)

    def accepts(self, key: str, full_ok: bool = False) -> bool:
        """Whether `key` may come next (Delete always may; with `full_ok`, as if there were
        room left)."""
        value = self.value
        if key == DELETE:
            return True
        if len(value) >= self.max_length and not full_ok:
            return False
        if key == SPACE:
            return bool(value) and not value.endswith(SPACE)  # no leading or double space
        if self.layout == "digits" and key == "X":
            return bool(self.allow_x)
        if key.isdigit():
            return not self.letter_first or any(c.isalpha() for c in value)
        if not key.isalpha() or not self.letter_prefix:
            return True
        before_digits = not any(c.isdigit() for c in value)
        if before_digits and len(value) < self.letter_prefix:
            return True
        # X as a check character, after digits only (the 18-digit card)
        return key == "X" and self.allow_x and not any(c.isalpha() for c in value) and bool(value)

    def press(self, key: str) -> None:
        if key == DELETE:
            self.value = self.value[:-1]
        elif self.accepts(key):
            self.value += key

    def clear(self) -> None:
        self.value = ""
