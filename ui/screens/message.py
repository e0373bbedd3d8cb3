"""A message: an error that says what to do next, an info, or a success.

params: kind ("error" | "info" | "success"), title, body, hint (msgids or zh/en pairs), code
(the stable machine code), actions: [{"intent": ..., "label": msgid or "label_zh"/"label_en"}]
(default: one "Back to start" that goes home), step.
Intents: each action's intent; "home", "back".
"""

from __future__ import annotations

from typing import Any

from kivy.properties import StringProperty

from ui.screens.actions import fill_actions
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
        # a message's buttons are known by their intent (action_<intent>), whatever else they say
        named = [{**action, "test_id": f"action_{action['intent']}"} for action in actions]
        fill_actions(self.ids.actions, named, self.emit)
