"""The slot chooser: a date row (today and the next days) and one big button per entry slot,
showing what remains; a closed or sold-out slot is greyed.

params: date, dates [iso], slots [{id, label, remaining, open, closed, current}],
reason (why the tourist chooses again: the entry time chosen went meanwhile; red, above the
prompt; after reason_time, that entry time's label, when given), prompt, note (red; with a
reason, what was kept, in green), step.
Intents: "choose_date" {date}, "choose_slot" {slot_id}, "back".
"""

from __future__ import annotations

from datetime import date

from kivy.factory import Factory
from kivy.properties import StringProperty

from ui.i18n import tr
from ui.screens.base import KioskScreen
from ui.screens.params import text_of
from ui.widgets.palette import GREEN


class ChooseSlotScreen(KioskScreen):
    reason = StringProperty("")
    prompt = StringProperty("")
    note = StringProperty("")

    def step_default(self) -> int:
        return 0

    def day_label(self, index: int, iso: str) -> str:
        names = ("Today", "Tomorrow")
        try:
            day = date.fromisoformat(iso)
            short = (
                f"{day.month}/{day.day}"
                if not tr.lang.startswith("zh")
                else f"{day.month}月{day.day}日"
            )
        except ValueError:
            short = iso
        return f"{tr._(names[index])} {short}" if index < len(names) else short

    def redraw(self) -> None:
        self.reason = text_of(self.params, "reason")
        when = self.params.get("reason_time")
        if self.reason and when:  # "10:00-11:00：该场次余票不足"
            colon = "：" if tr.lang.startswith(("zh", "ja")) else ": "
            self.reason = f"{when}{colon}{self.reason}"
        self.prompt = text_of(self.params, "prompt") or tr._("Choose an entry time")
        self.note = text_of(self.params, "note")
        days = self.ids.days
        days.clear_widgets()
        for index, iso in enumerate(self.params.get("dates", [])):
            button = Factory.BigButton(
                text=self.day_label(index, iso), test_id=f"date_{index}", font_scale=0.75
            )
            if iso != self.params.get("date"):
                button.outline()
            button.bind(on_release=lambda _b, d=iso: self.emit("choose_date", date=d))
            days.add_widget(button)
        grid = self.ids.slots
        grid.clear_widgets()
        for index, slot in enumerate(self.params.get("slots", [])):
            if slot.get("open"):
                left = tr._("{count} left").format(count=slot["remaining"])
            elif slot.get("closed"):  # past or stopped selling: not the same as sold out
                left = tr._("Closed")
            else:
                left = tr._("Sold out")
            button = Factory.BigButton(
                text=f"{slot['label']}\n{left}",
                test_id=f"slot_{index}",
                font_scale=0.85,
                min_height=self.app.touch * 1.25,
            )
            button.outline(GREEN)
            button.disabled = not slot.get("open") or bool(slot.get("current"))
            button.bind(on_release=lambda _b, s=slot: self.emit("choose_slot", slot_id=s["id"]))
            grid.add_widget(button)
