"""Typing on the on-screen keypad: phone, order number, ID number (with X), a name in pinyin
on the A-Z keypad (kind "name": a child's; "holder_name": a visitor's, as on the document), or
a document's number on a keypad fit for it: "passport" (letters and digits), "hk_macau_permit"
(H or M, then digits), "taiwan_permit" (digits), "foreign_permanent" (3 letters, then digits;
or the 18 digits of the 2023 card).

params: kind ("phone" | "buyer_phone" | "order" | "id" | "digits" | "pin" | "name" |
"holder_name" | "passport" | "hk_macau_permit" | "taiwan_permit" | "foreign_permanent"), title,
prompt (msgids or zh/en pairs), max_length, allow_x, value, error (shown under the display), step.
Intents: "submit" {value, kind}, "back".
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
    "holder_name": (
        "Visitor's name",
        "Type the name as it is on the document, e.g. SMITH JOHN",
        24,
        False,
    ),
    "passport": (
        "Passport number",
        "Type the passport number as printed on the photo page: letters and digits",
        17,
        False,
    ),
    "hk_macau_permit": (
        "HK/Macao permit number",
        "Tap H or M first, then the 8 digits (10 on older permits)",
        11,
        False,
    ),
    "taiwan_permit": (
        "Taiwan permit number",
        "Type the 8-digit permit number (10 on older permits)",
        10,
        False,
    ),
    "foreign_permanent": (
        "Foreign PR card number",
        "Type the card number: 3 letters and 12 digits, or the 18 digits of the 2023 card",
        18,
        True,
    ),
    "digits": ("Enter number", "", 20, False),
    "pin": ("Staff PIN", "Type your PIN", 8, False),
}

# kind -> (layout, prefix keys above the digits, letters only as the first N, a letter first)
LAYOUTS: dict[str, tuple[str, str, int, bool]] = {
    "name": ("letters", "", 0, False),
    "holder_name": ("letters", "", 0, False),
    "passport": ("alnum", "", 0, False),
    "foreign_permanent": ("alnum", "", 3, False),
    "hk_macau_permit": ("digits", "HM", 1, True),
    "coupon": ("alnum", "", 0, False),  # a coupon code: A-Z and 0-9
    "tax_number": ("alnum", "", 0, False),  # a unified social credit code (18)
    "company_name": ("letters", "", 0, False),  # an invoice's company, in pinyin or English
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
    prefix_keys = StringProperty("")
    letter_prefix = NumericProperty(0)
    letter_first = BooleanProperty(False)
    # landscape (the kv rule sets them): a wide keypad, and Confirm left of the keypad
    wide = BooleanProperty(False)
    side = BooleanProperty(False)

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
        self.layout, self.prefix_keys, self.letter_prefix, self.letter_first = LAYOUTS.get(
            kind, ("digits", "", 0, False)
        )
        self.title = text_of(self.params, "title") or text_of({"t": title}, "t")
        self.prompt = text_of(self.params, "prompt") or text_of({"p": prompt}, "p")
        self.error = text_of(self.params, "error")
        self.max_length = int(self.params.get("max_length", max_length))
        self.allow_x = bool(self.params.get("allow_x", allow_x))
        self.show_value(self.ids.keypad.value)

    def show_value(self, value: str) -> None:
        if self.kind == "pin":
            self.shown_value = "•" * len(value)
        else:
            self.shown_value = group_digits(value, self.kind)
        if self.error and value != str(self.params.get("value", "")):
            self.error = ""

    def submit(self) -> None:
        value = self.ids.keypad.value
        letters = self.layout == "letters"
        self.emit("submit", value=value.strip() if letters else value, kind=self.kind)
