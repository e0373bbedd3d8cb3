"""Big buttons, the language switch, the top bar and the hidden staff corner."""

from __future__ import annotations

from typing import Any

from kivy.app import App
from kivy.clock import Clock
from kivy.properties import (
    BooleanProperty,
    ColorProperty,
    ListProperty,
    NumericProperty,
    StringProperty,
)
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.widget import Widget

from ui.i18n import language_name, tr
from ui.widgets.palette import CARD, INK, LINE, Colour


class BigButton(ButtonBehavior, BoxLayout):
    """A touch target at least the app's `touch` size tall (15 mm), icon + label.

    `intent` names what a tap means; the screen forwards it. `test_id` lets a driver find it.
    """

    text = StringProperty("")
    icon = StringProperty("")
    intent = StringProperty("")
    test_id = StringProperty("")
    bg = ColorProperty((0.09, 0.376, 0.29, 1))
    fg = ColorProperty((1, 1, 1, 1))
    border = ColorProperty((0, 0, 0, 0))
    font_scale = NumericProperty(1.0)
    min_height = NumericProperty(0)
    # the icon's width (0: follows the button's height); buttons stacked on one screen give the
    # same width so their labels start at the same x
    icon_width = NumericProperty(0)
    shade = ListProperty([0, 0, 0, 1])

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.fbind("state", self._reshade)
        self.fbind("bg", self._reshade)
        self.fbind("disabled", self._reshade)
        self._reshade()

    def _reshade(self, *_args: Any) -> None:
        r, g, b, a = self.bg
        if self.disabled:  # light enough that its words (MUTED) keep a 4.5:1 contrast
            self.shade = [0.88, 0.885, 0.89, 1]
        elif self.state == "down":
            self.shade = [r * 0.78, g * 0.78, b * 0.78, a]
        else:
            self.shade = [r, g, b, a]

    def outline(self, colour: Colour | None = None) -> None:
        """The quieter look beside a screen's main button: white, ink text and a grey line (or
        text and line in `colour`)."""
        self.bg, self.fg, self.border = CARD, colour or INK, colour or LINE


class LangSwitch(BoxLayout):
    """One button per catalog, in its own language (中文 | English); always on screen."""

    current = StringProperty("")

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        Clock.schedule_once(lambda _dt: self._build(), 0)
        tr.on_switch(self._switched)

    def _build(self) -> None:
        self.clear_widgets()
        self.current = tr.lang
        for lang in tr.languages:
            button = LangButton(text=language_name(lang), lang=lang, test_id=f"lang_{lang}")
            button.selected = lang == tr.lang
            self.add_widget(button)

    def _switched(self, lang: str) -> None:
        self.current = lang
        for child in self.children:
            child.selected = child.lang == lang


class LangButton(ButtonBehavior, BoxLayout):
    text = StringProperty("")
    lang = StringProperty("")
    test_id = StringProperty("")
    selected = BooleanProperty(False)

    def on_release(self) -> None:
        App.get_running_app().switch_language(self.lang)


class TopBar(BoxLayout):
    """Back (when `back` is True), the title, and the frame's controls (large text, read aloud,
    the language switch): beside the title in landscape, in a strip beneath it in portrait."""

    title = StringProperty("")
    back = BooleanProperty(True)

    def on_kv_post(self, base_widget: Any) -> None:
        from ui.widgets.access import place_tools

        place_tools(self)
        App.get_running_app().fbind("landscape", lambda *_: place_tools(self))


class StaffCorner(Widget):
    """An invisible corner; holding it for `hold_seconds` dispatches the app's on_staff_request."""

    hold_seconds = NumericProperty(5.0)
    test_id = StringProperty("staff_corner")

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._pending: Any = None

    def on_touch_down(self, touch: Any) -> bool:
        if not self.collide_point(*touch.pos):
            return False
        touch.grab(self)
        self._cancel()
        self._pending = Clock.schedule_once(self._fire, self.hold_seconds)
        return True

    def on_touch_up(self, touch: Any) -> bool:
        if touch.grab_current is self:
            touch.ungrab(self)
            self._cancel()
            return True
        return False

    def _cancel(self) -> None:
        if self._pending is not None:
            self._pending.cancel()
            self._pending = None

    def _fire(self, _dt: float) -> None:
        self._pending = None
        App.get_running_app().dispatch("on_staff_request")
