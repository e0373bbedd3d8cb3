"""The base of every screen: activate/deactivate hooks, one redraw through a trigger."""

from __future__ import annotations

from typing import Any

from kivy.app import App
from kivy.clock import Clock
from kivy.properties import BooleanProperty, DictProperty, NumericProperty
from kivy.uix.label import Label
from kivy.uix.screenmanager import Screen
from kivy.uix.widget import Widget

from ui.i18n import tr

# widgets whose texts are not read aloud (their class names: no import of the widgets here)
UNSPOKEN = frozenset({"AccessBar", "Keypad", "StepBar", "Countdown", "StaffCorner"})


def visible_texts(root: Widget) -> list[str]:
    """The non-empty label texts under `root` a person can see, in reading order."""
    found: list[tuple[float, float, str]] = []
    stack = [root]
    while stack:
        widget = stack.pop()
        if (
            widget.opacity <= 0
            or type(widget).__name__ in UNSPOKEN
            or (
                getattr(widget, "test_id", "") == "other_language"  # the voice speaks one language
            )
        ):
            continue
        text = getattr(widget, "text", "")
        if isinstance(widget, Label) and text.strip() and widget.width > 1:
            x, top = widget.to_window(widget.x, widget.top)
            found.append((-round(top / 20), x, text.strip()))
        stack.extend(widget.children)
    return [text for _top, _x, text in sorted(found)]


class KioskScreen(Screen):
    """A screen shows `params` (a plain dict a presenter made from its flow's state).

    Subclasses override `redraw()` for what kv rules can't express, and call `emit()` to forward
    a tap to the flow on screen. They never call the backend or a device.
    """

    params = DictProperty({})
    # position in the step bar (choose → visitors → pay → print); -1 hides the bar
    step = NumericProperty(-1)
    # whether the idle timer may clear this screen (not while tickets print)
    idle_allowed = BooleanProperty(True)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.redraw_trigger = Clock.create_trigger(lambda _dt: self.redraw(), 0)
        tr.on_switch(lambda _lang: self.redraw_trigger())

    @property
    def app(self) -> Any:
        return App.get_running_app()

    def activate(self, params: dict[str, Any]) -> None:
        self.params = dict(params)
        self.step = int(params.get("step", self.step_default()))
        self.on_activate()
        self.redraw_trigger()

    def step_default(self) -> int:
        return -1

    def on_activate(self) -> None:
        """The screen is about to show with new params."""

    def on_deactivate(self) -> None:
        """The screen was left: stop listening to whatever it listened to."""

    def update(self, params: dict[str, Any]) -> None:
        """New params for the screen already showing (a flow state change on the same screen)."""
        self.params = dict(params)
        self.redraw_trigger()

    def redraw(self) -> None:
        """Redraw what kv can't bind to; runs at most once per frame."""

    def spoken_lines(self) -> list[str]:
        """What "read aloud" says: the texts a person sees here, top to bottom, left to right,
        without the frame's controls, keypad keys, the step bar and countdown digits. A screen
        may override it to say less or more."""
        return visible_texts(self)

    def emit(self, intent: str, **data: Any) -> None:
        """Forward a tap to the flow whose presenter put this screen up."""
        self.app.navigator.intent(intent, data)
