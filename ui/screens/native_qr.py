"""Scan-to-pay: the payment's code_url drawn as a QR, the amount, and a countdown to the end
of the order's hold.

params: code_url, amount, text (msgid or zh/en pair), seconds_left, seconds_total, step.
Intents: "cancel", "back".
"""

from __future__ import annotations

import io
import time
from typing import Any

from kivy.clock import Clock
from kivy.core.image import Image as CoreImage
from kivy.properties import NumericProperty, ObjectProperty, StringProperty

from ui.screens.base import KioskScreen
from ui.screens.params import text_of


def qr_texture(text: str) -> Any:
    """`text` as a QR code texture (sharp when scaled up)."""
    import qrcode

    qr = qrcode.QRCode(border=2, error_correction=qrcode.constants.ERROR_CORRECT_M)
    qr.add_data(text)
    qr.make(fit=True)
    image = qr.make_image(fill_color="black", back_color="white").get_image()
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, format="PNG")
    buffer.seek(0)
    texture = CoreImage(buffer, ext="png").texture
    texture.mag_filter = "nearest"
    return texture


class NativeQrScreen(KioskScreen):
    text = StringProperty("")
    amount = StringProperty("")
    qr = ObjectProperty(None, allownone=True)
    seconds_left = NumericProperty(0)
    seconds_total = NumericProperty(0)

    def step_default(self) -> int:
        return 2

    def on_activate(self) -> None:
        self._code = ""
        self._deadline = time.monotonic() + float(self.params.get("seconds_left", 0))
        self._tick = Clock.schedule_interval(lambda _dt: self._count(), 0.5)

    def _count(self) -> None:
        self.seconds_left = max(0, int(self._deadline - time.monotonic()))

    def on_deactivate(self) -> None:
        tick = getattr(self, "_tick", None)
        if tick is not None:
            tick.cancel()

    def redraw(self) -> None:
        self.text = text_of(self.params, "text")
        self.amount = str(self.params.get("amount", ""))
        self.seconds_total = float(self.params.get("seconds_total", 0))
        self._count()
        code = str(self.params.get("code_url", ""))
        if code and code != getattr(self, "_code", ""):
            self._code = code
            self.qr = qr_texture(code)
