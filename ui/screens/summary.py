"""A summary: the order before payment, "Take your tickets" with what was printed, a member's
points, a refund's fee. Lines of label and value, then the action buttons.

Portrait: the lines, then the hint and the actions at the foot; landscape: two columns, the
lines left and the hint and actions right. The lines scroll when there are more than fit (the
actions stay in sight); a strong line (the total) sits under them, outside the scroll.

params: kind ("info" | "success"), title, prompt, hint, picture (a device picture name),
lines [{label | label_zh/label_en, value | value_zh/value_en | value_msgid, strong, small} or
{text, text_args} for a whole-line message], actions [{intent, label, test_id}], step.
Intents: each action's intent; "back".
"""

from __future__ import annotations

from functools import partial
from typing import Any

from kivy.factory import Factory
from kivy.properties import StringProperty
from kivy.uix.boxlayout import BoxLayout

from ui.i18n import tr
from ui.screens.actions import fill_actions
from ui.screens.base import KioskScreen
from ui.screens.params import text_of
from ui.widgets.palette import INK, MUTED, ORANGE
from ui.widgets.panels import device_picture


def value_of(line: dict[str, Any]) -> str:
    if line.get("value_msgid"):
        return tr._(str(line["value_msgid"]))
    return text_of(line, "value")


def _fit_row(row: BoxLayout, least: float, pad: float, *_args: Any) -> None:
    """A line as tall as its taller wrapped text (a long name, large text), never shorter."""
    row.height = max(least, *(part.texture_size[1] + pad for part in row.children))


class SummaryScreen(KioskScreen):
    kind = StringProperty("info")
    title = StringProperty("")
    prompt = StringProperty("")
    hint = StringProperty("")
    picture = StringProperty("")

    def redraw(self) -> None:
        self.kind = str(self.params.get("kind", "info"))
        self.title = text_of(self.params, "title")
        self.prompt = text_of(self.params, "prompt")
        self.hint = text_of(self.params, "hint")
        pic = self.params.get("picture")
        self.picture = device_picture(str(pic)) if pic else ""
        u = self.app.u
        self.ids.lines.clear_widgets()
        self.ids.totals.clear_widgets()
        self.ids.scroll.scroll_y = 1
        for line in self.params.get("lines", []):
            box = self.ids.totals if line.get("strong") else self.ids.lines
            size = 30 if line.get("small") else (46 if line.get("strong") else 38)
            if "text" in line:
                box.add_widget(Factory.KLabel(text=text_of(line, "text"), font_size=u * 40,
                                              bold=True))  # fmt: skip
                continue
            row = BoxLayout(size_hint_y=None, height=u * (size + 34), spacing=u * 20)
            label = Factory.KLabel(text=text_of(line, "label"), font_size=u * size,
                                   color=MUTED, size_hint_y=1, valign="middle")  # fmt: skip
            value = Factory.KLabel(
                text=value_of(line), font_size=u * size, bold=bool(line.get("strong")),
                color=ORANGE if line.get("strong") else INK, halign="right", size_hint_y=1,
                valign="middle",
            )  # fmt: skip
            for part in (label, value):
                row.add_widget(part)
                part.bind(texture_size=partial(_fit_row, row, u * (size + 34), u * 12))
            box.add_widget(row)
        actions = self.params.get("actions", [])
        fill_actions(self.ids.actions, actions, self.emit, primary=ORANGE, secondary_scale=0.8)
