"""A device prompt: place the ID card, show the payment code (with the live preview), insert
the member card.

params: kind ("idcard" | "paycode" | "membercard"), title, text, hint (msgids or zh/en pairs),
amount (shown for payment), seconds_left / seconds_total (a countdown), alternative (msgid of a
second action, intent "alternative"), step.
The presenter sets a live preview with `screen.set_preview(texture)` (see set_preview).
Intents: "cancel", "alternative", "back".
"""

from __future__ import annotations

from typing import Any

from kivy.properties import NumericProperty, ObjectProperty, StringProperty

from ui.screens.base import KioskScreen
from ui.screens.params import text_of

TITLES = {
    "idcard": "Read your ID card",
    "paycode": "Pay",
    "membercard": "Member",
}


class DevicePromptScreen(KioskScreen):
    kind = StringProperty("idcard")
    title = StringProperty("")
    text = StringProperty("")
    hint = StringProperty("")
    amount = StringProperty("")
    alternative = StringProperty("")
    seconds_left = NumericProperty(0)
    seconds_total = NumericProperty(0)
    preview = ObjectProperty(None, allownone=True)

    def step_default(self) -> int:
        return 2 if self.params.get("kind") == "paycode" else -1

    def redraw(self) -> None:
        self.kind = str(self.params.get("kind", "idcard"))
        self.title = text_of(self.params, "title") or text_of({"t": TITLES[self.kind]}, "t")
        self.text = text_of(self.params, "text")
        self.hint = text_of(self.params, "hint")
        self.amount = str(self.params.get("amount", ""))
        self.alternative = text_of(self.params, "alternative")
        self.seconds_left = float(self.params.get("seconds_left", 0))
        self.seconds_total = float(self.params.get("seconds_total", 0))

    def set_preview(self, texture: Any | None) -> None:
        """Show a camera frame (a Kivy Texture); None hides the preview. Kivy thread only."""
        self.preview = texture

    def on_deactivate(self) -> None:
        self.preview = None
