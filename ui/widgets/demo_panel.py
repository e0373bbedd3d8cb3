"""The demo's device panel (only when `kiosk demo` runs the app: $KIOSK_CONTROL_URL is set): a
strip at the right edge that opens into buttons acting on the emulators — place an ID card,
insert a member card, show a payment code, empty or refill the paper. Each button posts to the
control endpoint from a thread; the UI thread never waits."""

from __future__ import annotations

import os
import threading
from typing import Any

from kivy.app import App
from kivy.factory import Factory
from kivy.logger import Logger
from kivy.properties import BooleanProperty
from kivy.uix.boxlayout import BoxLayout

from ui.i18n import tr

PAY = {
    "ok": "134567890123456780",
    "userpaying": "134567890123456786",
    "failed": "134567890123456788",
}
# label msgid -> (path, body)
BUTTONS: list[tuple[str, str, dict[str, Any]]] = [
    ("Place ID card: 张伟", "/idcard/place", {"card": "zhang_wei"}),
    ("Place ID card: 李娜", "/idcard/place", {"card": "li_na"}),
    ("Insert member card", "/smartcard/insert", {"card": "M1001"}),
    ("Insert staff card", "/smartcard/insert", {"card": "S001"}),
    ("Payment code: success", "/camera/show", {"text": PAY["ok"], "kind": "payment", "seconds": 5}),
    ("Payment code: user paying", "/camera/show",
     {"text": PAY["userpaying"], "kind": "payment", "seconds": 5}),
    ("Payment code: failed", "/camera/show",
     {"text": PAY["failed"], "kind": "payment", "seconds": 5}),
    ("Empty the paper", "/printer/paper", {"empty": True}),
    ("Refill paper", "/printer/paper", {"refill": True}),
]  # fmt: skip


def post_in_background(path: str, body: dict[str, Any]) -> threading.Thread:
    url = os.environ.get("KIOSK_CONTROL_URL", "").rstrip("/")

    def send() -> None:
        import httpx

        try:
            if path in ("/idcard/place", "/smartcard/insert"):  # a fresh card: lift the last
                lift = "/idcard/lift" if path == "/idcard/place" else "/smartcard/remove"
                httpx.post(f"{url}{lift}", json={}, timeout=5.0)
                threading.Event().wait(1.0)
            httpx.post(f"{url}{path}", json=body, timeout=5.0).raise_for_status()
        except Exception as exc:  # the demo panel is a helper: say it in the log, carry on
            Logger.warning(f"DemoPanel: {path} failed: {type(exc).__name__}")

    thread = threading.Thread(target=send, name="demo-panel", daemon=True)
    thread.start()
    return thread


class DemoPanel(BoxLayout):
    opened = BooleanProperty(False)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(orientation="vertical", **kwargs)
        self.size_hint = (None, None)
        self.pos_hint = {"right": 1, "center_y": 0.5}
        self.bind(opened=lambda *_: self.rebuild())
        tr.on_switch(lambda _lang: self.rebuild())
        self.rebuild()

    def rebuild(self) -> None:
        app = App.get_running_app()
        u = app.u if app else 1.0
        self.clear_widgets()
        toggle = Factory.BigButton(
            text=tr._("Demo devices") + (" ▶" if self.opened else " ◀"),
            test_id="demo_panel",
            font_scale=0.6,
            bg=(0.2, 0.2, 0.25, 0.9),
        )
        toggle.bind(on_release=lambda *_: setattr(self, "opened", not self.opened))
        self.add_widget(toggle)
        self.width = u * (420 if self.opened else 230)
        if self.opened:
            for label, path, body in BUTTONS:
                button = Factory.BigButton(text=tr._(label), font_scale=0.55,
                                           bg=(0.25, 0.27, 0.32, 0.92))  # fmt: skip
                button.bind(on_release=lambda *_a, p=path, b=body: post_in_background(p, b))
                self.add_widget(button)
        self.height = sum(child.height for child in self.children)
