"""A device prompt: place the ID card, show the payment code (with the live preview), insert
the member card.

params: kind ("idcard" | "paycode" | "membercard"), title, text, hint (msgids or zh/en pairs),
amount (shown for payment), seconds_left / seconds_total (a countdown), alternative (msgid of a
second action, intent "alternative"), alternative2 + alternative2_id (msgid and test id of a
third, big full-width action above them, intent "alternative2"), step.
In landscape the payment prompt is two columns: picture, amount and words left, the live
preview large on the right. The presenter sets a live preview with
`screen.set_preview(texture)` (see set_preview).
Intents: "cancel", "alternative", "alternative2", "back".
"""

from __future__ import annotations

from typing import Any

from kivy.clock import Clock
from kivy.properties import BooleanProperty, NumericProperty, ObjectProperty, StringProperty

from ui.screens.base import KioskScreen
from ui.screens.params import text_of

TITLES = {
    "idcard": "Read your ID card",
    "paycode": "Pay",
    "membercard": "Member",
    "ticket": "Show your ticket",
}
PREVIEW_FPS = 10


class DevicePromptScreen(KioskScreen):
    kind = StringProperty("idcard")
    title = StringProperty("")
    text = StringProperty("")
    hint = StringProperty("")
    amount = StringProperty("")
    alternative = StringProperty("")
    alternative2 = StringProperty("")
    alternative2_id = StringProperty("alternative2")
    seconds_left = NumericProperty(0)
    seconds_total = NumericProperty(0)
    preview = ObjectProperty(None, allownone=True)
    split = BooleanProperty(False)  # landscape payment: two columns (set by the kv rule)

    def step_default(self) -> int:
        return 2 if self.params.get("kind") == "paycode" else -1

    def redraw(self) -> None:
        self.kind = str(self.params.get("kind", "idcard"))
        self.title = text_of(self.params, "title") or text_of({"t": TITLES[self.kind]}, "t")
        self.text = text_of(self.params, "text")
        self.hint = text_of(self.params, "hint")
        self.amount = str(self.params.get("amount", ""))
        self.alternative = text_of(self.params, "alternative")
        self.alternative2 = text_of(self.params, "alternative2")
        self.alternative2_id = str(self.params.get("alternative2_id", "alternative2"))
        self.seconds_left = float(self.params.get("seconds_left", 0))
        self.seconds_total = float(self.params.get("seconds_total", 0))

    def on_activate(self) -> None:
        self._stop_preview()
        source = getattr(self.app, "preview_source", None)
        if self.params.get("preview") and source is not None:
            self._preview_event = Clock.schedule_interval(
                lambda _dt: self._next_frame(source), 1 / PREVIEW_FPS
            )

    def _next_frame(self, source: Any) -> None:
        """The scanner's newest frame (already captured by its own thread) into a texture."""
        frame = source()
        if frame is None or frame is self._last_frame:
            return
        self._last_frame = frame
        self.set_preview(frame_texture(frame, self.preview))

    def _stop_preview(self) -> None:
        event = getattr(self, "_preview_event", None)
        if event is not None:
            event.cancel()
        self._preview_event = None
        self._last_frame = None

    def set_preview(self, texture: Any | None) -> None:
        """Show a camera frame (a Kivy Texture); None hides the preview. Kivy thread only."""
        self.preview = texture

    def on_deactivate(self) -> None:
        self._stop_preview()
        self.preview = None


def frame_texture(frame: Any, texture: Any | None) -> Any:
    """A camera frame (numpy, BGR or grey, top row first) as a Kivy texture, reusing `texture`
    when the size matches."""
    from kivy.graphics.texture import Texture

    height, width = frame.shape[:2]
    colorfmt = "luminance" if frame.ndim == 2 else "bgr"
    if texture is None or texture.size != (width, height) or texture.colorfmt != colorfmt:
        texture = Texture.create(size=(width, height), colorfmt=colorfmt)
        texture.flip_vertical()
    texture.blit_buffer(frame.tobytes(), colorfmt=colorfmt, bufferfmt="ubyte")
    return texture
