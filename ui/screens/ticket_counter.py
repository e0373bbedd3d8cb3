"""Ticket types and counts: one row per type (name, price) with a row of count buttons, so
"2 adults" is one tap; the running total; Next.

params: types [{id, label_zh, label_en, price, count}], max_count, total, prompt, step.
Intents: "set_count" {ticket_type_id, count}, "next", "back".
"""

from __future__ import annotations

from kivy.factory import Factory
from kivy.properties import StringProperty
from kivy.uix.boxlayout import BoxLayout

from ui.i18n import tr
from ui.screens.base import KioskScreen
from ui.screens.params import text_of
from ui.widgets.palette import GREEN


class TicketCounterScreen(KioskScreen):
    prompt = StringProperty("")
    total = StringProperty("")

    def step_default(self) -> int:
        return 0

    def redraw(self) -> None:
        self.prompt = text_of(self.params, "prompt")
        self.total = str(self.params.get("total", "0"))
        rows = self.ids.rows
        rows.clear_widgets()
        most = int(self.params.get("max_count", 6))
        for ticket in self.params.get("types", []):
            row = BoxLayout(orientation="vertical", size_hint_y=None, spacing=self.app.u * 10)
            head = Factory.KLabel(
                text=f"{text_of(ticket, 'label')}    ¥{ticket.get('price', '')}",
                font_size=self.app.u * 40,
                bold=True,
            )
            row.add_widget(head)
            counts = BoxLayout(size_hint_y=None, height=self.app.touch, spacing=self.app.u * 12)
            for n in range(0, most + 1):
                button = Factory.BigButton(
                    text=str(n), test_id=f"count_{ticket['id']}_{n}", font_scale=0.9
                )
                button.padding = (0, 0)
                if n != int(ticket.get("count", 0)):
                    button.outline()
                else:
                    button.bg = GREEN
                button.bind(
                    on_release=lambda _b, t=ticket["id"], c=n: self.emit(
                        "set_count", ticket_type_id=t, count=c
                    )
                )
                counts.add_widget(button)
            row.add_widget(counts)
            row.height = self.app.touch + self.app.u * 70
            rows.add_widget(row)
        self.ids.next_button.text = tr._("Next")
