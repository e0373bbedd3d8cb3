"""Typing on the on-screen keypad: phone, order number, ID number (with X), or a name in pinyin
on the A-Z keypad (kind "name").

params: kind ("phone" | "buyer_phone" | "order" | "id" | "digits" | "pin" | "name"), title,
prompt (msgids or zh/en pairs), max_length, allow_x, value, error (shown under the display), step.
Intents: "submit" {value}, "back".
"""

from __future__ import annotations

from kivy.properties import BooleanProperty, NumericProperty, StringProperty

from ui.screens.base import KioskScreen
from ui.screens.params import text_of
from ui.widgets.keypad import group_digits

DEFAULTS = {
    "phone": ("Your phone number", "Type the 11-digit mobile number", 11, False),
    "phone_last4": ("Phone number", "Type the last 4 digits of the phone used to book", 4, False),
    "order": ("Order number", "Type the order number from your booking message", 20, False),
    "id": (
        "ID number",
        "Type the 18-character ID number; use X for the last one if needed",
        18,
        True,
    ),
    "buyer_phone": (
        "Buyer's phone number",
        "A child without ID is registered by name and the buyer's mobile number",
        11,
        False,
    ),
    "name": ("Child's name", "Type the child's name in pinyin, e.g. CHEN CHEN", 24, False),
    "digits": ("Enter number", "", 20, False),
    "pin": ("Staff PIN", "Type your PIN", 8, False),
}


class KeypadEntryScreen(KioskScreen):
    title = StringProperty("")
    prompt = StringProperty("")
    error = StringProperty("")
    shown_value = StringProperty("")
    kind = StringProperty("digits")
    max_length = NumericProperty(20)
    allow_x = BooleanProperty(False)
    layout = StringProperty("digits")

    def on_activate(self) -> None:
        keypad = self.ids.keypad
        keypad.value = str(self.params.get("value", ""))

    def update(self, params: dict[str, object]) -> None:
        """A new state on the keypad already showing (a wrong PIN, an invalid number): start
        again from the value it carries (a wrong PIN is not left half-typed)."""
        super().update(params)
        self.ids.keypad.value = str(self.params.get("value", ""))

    def redraw(self) -> None:
        kind = str(self.params.get("kind", "digits"))
        title, prompt, max_length, allow_x = DEFAULTS.get(kind, DEFAULTS["digits"])
        self.kind = kind
        self.layout = "letters" if kind == "name" else "digits"
        self.title = text_of(self.params, "title") or text_of({"t": title}, "t")
        self.prompt = text_of(self.params, "prompt") or text_of({"p": prompt}, "p")
        self.error = text_of(self.params, "error")
        self.max_length = int(self.params.get("max_length", max_length))
        self.allow_x = bool(self.params.get("allow_x", allow_x))
        self.show_value(self.ids.keypad.value)

    def show_value(self, value: str) -> None:
        if self.kind == "pin":
            self.shown_value = "•" * len(value)
        elif self.kind == "name":
            self.shown_value = value
        else:
            self.shown_value = group_digits(value, self.kind)
        if self.error and value != str(self.params.get("value", "")):
            self.error = ""

    def submit(self) -> None:
        value = self.ids.keypad.value
        self.emit("submit", value=value.strip() if self.kind == "name" else value, kind=self.kind)
