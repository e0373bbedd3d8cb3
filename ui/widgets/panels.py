"""Panels a screen is made of: device prompt, printing progress, error/info message."""

from __future__ import annotations

from pathlib import Path

from kivy.properties import (
    BooleanProperty,
    NumericProperty,
    ObjectProperty,
    StringProperty,
)
from kivy.uix.boxlayout import BoxLayout

IMG = Path(__file__).resolve().parent.parent.parent / "assets" / "img"

# kind -> (picture, msgid of what to do)
DEVICE_PROMPTS: dict[str, tuple[str, str]] = {
    "idcard": ("device_idcard.png", "Place your ID card on the reader"),
    "paycode": ("device_paycode.png", "Show your payment code to the camera"),
    "membercard": ("device_membercard.png", "Insert your member card"),
    "printer": ("device_printer.png", "Take your tickets"),
    "ticket": ("device_paycode.png", "Show the QR code to the camera"),
}


def device_picture(kind: str) -> str:
    return str(IMG / DEVICE_PROMPTS.get(kind, DEVICE_PROMPTS["idcard"])[0])


class DevicePromptPanel(BoxLayout):
    """A picture of what to do and the words for it; with a live preview (camera texture)."""

    kind = StringProperty("idcard")
    text = StringProperty("")
    hint = StringProperty("")
    # a Kivy Texture of the latest camera frame; None hides the preview
    preview = ObjectProperty(None, allownone=True)


class ProgressPanel(BoxLayout):
    """ "Printing 2 of 4" and a bar."""

    done = NumericProperty(0)
    total = NumericProperty(1)
    text = StringProperty("")
    hint = StringProperty("")


class MessagePanel(BoxLayout):
    """An error, info or success: a title and what to do next, in the tourist's language, with
    the other language beneath (the tourist may have picked the wrong one)."""

    kind = StringProperty("error")  # error | info | success
    title = StringProperty("")
    body = StringProperty("")
    other = StringProperty("")
    code = StringProperty("")
    show_other = BooleanProperty(True)
