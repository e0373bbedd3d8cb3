"""A list of big choices: products, add-ons (greyed when not allowed, with why), tickets to
change (toggled), change-or-refund.

params: title, prompt, note (msgids or zh/en pairs), items: [{intent, data, label | label_zh /
label_en, sub (same), disabled, selected, test_id}], actions: [{intent, label, test_id}], step.
Intents: each item's intent with its data; each action's intent; "back".
"""

from __future__ import annotations

from kivy.factory import Factory
from kivy.properties import StringProperty

from ui.screens.actions import fill_actions
from ui.screens.base import KioskScreen
from ui.screens.params import text_of
from ui.widgets.palette import GREEN, MUTED


class ChoiceScreen(KioskScreen):
    title = StringProperty("")
    prompt = StringProperty("")
    note = StringProperty("")

    def step_default(self) -> int:
        return 0

    def redraw(self) -> None:
        self.title = text_of(self.params, "title")
        self.prompt = text_of(self.params, "prompt")
        self.note = text_of(self.params, "note")
        box = self.ids.item_box
        box.clear_widgets()
        for item in self.params.get("items", []):
            label = text_of(item, "label")
            sub = text_of(item, "sub")
            selected = bool(item.get("selected"))
            button = Factory.BigButton(
                text=f"{'✓ ' if selected else ''}{label}" + (f"\n{sub}" if sub else ""),
                test_id=str(item.get("test_id", "")),
                font_scale=0.9,
                min_height=self.app.touch * (1.3 if sub else 1.0),
            )
            if not selected:
                button.outline()
            else:
                button.bg = GREEN
            button.disabled = bool(item.get("disabled"))
            if button.disabled:  # greyed, but its reason stays readable
                button.fg = MUTED
            button.bind(
                on_release=lambda _b, i=item: self.emit(str(i["intent"]), **dict(i.get("data", {})))
            )
            box.add_widget(button)
        fill_actions(self.ids.actions, self.params.get("actions", []), self.emit)
