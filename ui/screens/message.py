"""A message: an error that says what to do next, an info, or a success.

params: kind ("error" | "info" | "success"), title, body, hint (msgids or zh/en pairs), code
(the stable machine code), actions: [{"intent": ..., "label": msgid or "label_zh"/"label_en"}]
(default: one "Back to start" that goes home), step.
Intents: each action's intent; "home", "back".
"""

from __future__ import annotations

from typing import Any

from kivy.factory import Factory
from kivy.properties import StringProperty

from ui.screens.base import KioskScreen
from ui.screens.params import other_language_of, text_of

HOME_ACTION = {"intent": "home", "label": "Back to start"}


class MessageScreen(KioskScreen):
    kind = StringProperty("error")
    title = StringProperty("")
    body = StringProperty("")
    other = StringProperty("")
    code = StringProperty("")

    def redraw(self) -> None:
        self.kind = str(self.params.get("kind", "error"))
        self.title = text_of(self.params, "title")
        # what to do next (e.g. "staff have been called, your order is safe") under the body
        self.body = "\n".join(t for t in (text_of(self.params, k) for k in ("body", "hint")) if t)
        self.other = "\n".join(
            t for t in (other_language_of(self.params, k) for k in ("title", "body", "hint")) if t
        )
        self.code = str(self.params.get("code", ""))
        # "actions": [] means none (printing waits for staff); missing means "Back to start"
        actions: list[dict[str, Any]] = list(self.params.get("actions", [HOME_ACTION]))
        box = self.ids.actions
        box.clear_widgets()
        for index, action in enumerate(actions):
            button = Factory.BigButton(
                text=text_of(action, "label"),
                intent=str(action["intent"]),
                test_id=f"action_{action['intent']}",
            )
            if index > 0:
                button.bg = (1, 1, 1, 1)
                button.fg = (0.106, 0.122, 0.137, 1)
                button.border = (0.82, 0.83, 0.82, 1)
            button.bind(on_release=lambda b: self.emit(b.intent))
            box.add_widget(button)
