"""The accessibility controls in the frame of every screen: large text (and high contrast) and
"read aloud", beside the language switch. `AccessBar` holds the three; the top bar, the start
screen and the out-of-service screen each show one, so every screen has them one tap away."""

from __future__ import annotations

from typing import Any

from kivy.app import App
from kivy.properties import BooleanProperty, StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.label import Label
from kivy.uix.widget import Widget


class AccessButton(ButtonBehavior, BoxLayout):
    """A rounded control of the frame: an icon glyph and a word, `selected` when on."""

    text = StringProperty("")
    glyph = StringProperty("")
    test_id = StringProperty("")
    selected = BooleanProperty(False)
    compact = BooleanProperty(False)  # the glyph alone (a narrow place: the landscape start)


class LargeTextButton(AccessButton):
    def on_release(self) -> None:
        App.get_running_app().toggle_large_text()


class ReadAloudButton(AccessButton):
    def on_release(self) -> None:
        App.get_running_app().read_aloud()


class AccessBar(BoxLayout):
    """Large text | read aloud | the language switch. `spread`: the controls at the left and the
    languages at the right of a whole-width strip (the portrait top bar)."""

    spread = BooleanProperty(False)
    compact = BooleanProperty(False)

    def on_spread(self, _instance: Any, spread: bool) -> None:
        if not spread:  # the filler keeps the width the strip gave it otherwise
            self.ids.access_fill.width = 0


def restyle_labels(root: Widget) -> int:
    """Re-render every label under `root` (after the text style changed); returns how many."""
    count = 0
    stack = [root]
    while stack:
        widget = stack.pop()
        if isinstance(widget, Label):
            widget._trigger_texture()
            count += 1
        stack.extend(widget.children)
    return count


def place_tools(bar: Any) -> None:
    """The top bar's AccessBar: in its one row in landscape, in its own strip in portrait."""
    tools = bar.ids.tools
    target = bar.ids.row if App.get_running_app().landscape else bar.ids.strip
    if tools.parent is target:
        return
    if tools.parent is not None:
        tools.parent.remove_widget(tools)
    target.add_widget(tools)
    tools.spread = target is bar.ids.strip
