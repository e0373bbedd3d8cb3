"""The seat map of a departure: every seat a button at least the touch target (15 mm) square,
coloured by class (front, window, aisle) with its price; held and taken seats greyed; the
travellers' own seats marked with their number. Portrait draws the vehicle upright (front at
the top); landscape turns it (front on the left) with the controls beside it, so a 45-seat
coach fits 1080x1920 and 1920x1080 with seats of the touch size.

params: prompt, note, seats [{seat, row, x, seat_class, state, mine, price}], rows, width,
classes [{code, label_zh, label_en, price}], travellers [{label_zh, label_en, seat}], total,
route, step.
Intents: "pick_seat" {seat}, "best", "clear", "next", "back".
"""

from __future__ import annotations

from typing import Any

from kivy.factory import Factory
from kivy.properties import ColorProperty, ListProperty, StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.label import Label
from kivy.uix.widget import Widget

from ui.i18n import tr
from ui.screens.base import KioskScreen
from ui.screens.params import text_of
from ui.widgets.palette import BLUE, GREEN, INK, LINE, MUTED, ORANGE

CLASS_COLOURS = {"front": ORANGE, "window": BLUE, "aisle": GREEN}
MINE = INK
GAP = 4  # px between seats, at 1080 px on the short side
BUTTONS = (("best", "Best seats", BLUE), ("clear", "Clear", MUTED), ("next", "Next", GREEN))


class SeatButton(ButtonBehavior, Label):
    """One seat: its number large, its price (or held/taken) under it."""

    test_id = StringProperty("")
    bg = ColorProperty(GREEN)
    fg = ColorProperty((1, 1, 1, 1))


class SeatSwatch(Label):
    """A legend entry: the class's colour and its name and price."""

    bg = ColorProperty(GREEN)


class SeatMapScreen(KioskScreen):
    prompt = StringProperty("")
    note = StringProperty("")
    total = StringProperty("")
    route = StringProperty("")
    legend = ListProperty([])

    def seat_size(self) -> float:
        """The side of a seat: the touch target (15 mm at the configured dpi), larger when
        the map area has room."""
        return float(self.app.touch)

    def redraw(self) -> None:
        p = self.params
        self.prompt = text_of(p, "prompt")
        self.note = text_of(p, "note")
        self.total = tr._("Total: ¥{amount}").format(amount=p.get("total", "0"))
        self.route = tr.pick(p.get("route_zh", ""), p.get("route_en", ""))
        self._legend()
        self._travellers()
        self._seats()
        self._buttons()

    def spoken_lines(self) -> list[str]:
        """Read aloud: the route, what to do, the classes and prices, each traveller's seat, the
        total and how many seats are free (not the 45 seat buttons one by one)."""
        free = sum(1 for x in self.params.get("seats", []) if x.get("state") == "free")
        legend = [w.text for w in reversed(self.ids.legend.children)]
        travellers = [w.text for w in reversed(self.ids.travellers.children)]
        said = [self.route, self.prompt, self.note, *legend, *travellers, self.total]
        return [x for x in said if x] + [tr._("Free seats: {count}").format(count=free)]

    def _buttons(self) -> None:
        """Best seats, Clear, Next: under the map in portrait, beside it in landscape."""
        side, bottom = self.ids.side_buttons, self.ids.bottom_buttons
        side.clear_widgets()
        bottom.clear_widgets()
        buttons = []
        for intent, label, colour in BUTTONS:
            button = Factory.BigButton(text=tr._(label), test_id=intent, font_scale=0.8, bg=colour)
            button.bind(on_release=lambda _b, i=intent: self.emit(i))
            buttons.append(button)
        if not self.app.landscape:
            for button in buttons:
                bottom.add_widget(button)
            return
        side.add_widget(buttons[0])  # landscape: Best seats, then Clear and Next side by side
        row = BoxLayout(size_hint_y=None, height=self.app.touch, spacing=self.app.u * 14)
        for button in buttons[1:]:
            row.add_widget(button)
        side.add_widget(row)

    def _legend(self) -> None:
        box = self.ids.legend
        box.clear_widgets()
        for c in self.params.get("classes", []):
            swatch = SeatSwatch(bg=CLASS_COLOURS.get(c["code"], GREEN))
            swatch.text = f"{tr.pick(c.get('label_zh', ''), c.get('label_en', ''))} ¥{c['price']}"
            box.add_widget(swatch)
        for text, colour in ((tr._("Taken"), LINE), (tr._("Yours"), MINE)):
            box.add_widget(SeatSwatch(bg=colour, text=text))

    def _travellers(self) -> None:
        box = self.ids.travellers
        box.clear_widgets()
        for index, t in enumerate(self.params.get("travellers", []), start=1):
            name = tr.pick(t.get("label_zh", ""), t.get("label_en", ""))
            seat = t.get("seat") or tr._("no seat yet")
            label = Factory.KLabel(text=f"{index}. {name}: {seat}", font_size=self.app.u * 32)
            label.test_id = f"traveller_{index}"
            box.add_widget(label)

    def _seats(self) -> None:
        grid = self.ids.seats
        grid.clear_widgets()
        rows, width = int(self.params.get("rows", 0)), int(self.params.get("width", 0))
        if not rows or not width:
            return
        side, gap = self.seat_size(), self.app.u * GAP
        turned = bool(self.app.landscape)
        grid.cols = rows if turned else width
        grid.spacing = gap
        grid.size = (grid.cols * (side + gap), (width if turned else rows) * (side + gap))
        by_cell = {(s["row"], s["x"]): s for s in self.params.get("seats", [])}
        cells = (
            [(r, x) for x in range(width) for r in range(1, rows + 1)]
            if turned
            else [(r, x) for r in range(1, rows + 1) for x in range(width)]
        )
        for row, x in cells:
            seat = by_cell.get((row, x))
            if seat is None:  # the aisle
                grid.add_widget(Widget(size_hint=(None, None), size=(side, side)))
                continue
            grid.add_widget(self._seat_button(seat, side))

    def _seat_button(self, seat: dict[str, Any], side: float) -> SeatButton:
        state, mine = seat.get("state", "free"), int(seat.get("mine") or 0)
        if mine:
            under, bg, fg = f"#{mine}", MINE, (1, 1, 1, 1)
        elif state == "free":
            under, bg, fg = f"¥{seat.get('price', '')}", CLASS_COLOURS.get(
                seat.get("seat_class", ""), GREEN), (1, 1, 1, 1)  # fmt: skip
        else:
            under, bg, fg = tr._("Held") if state == "held" else tr._("Taken"), LINE, MUTED
        button = SeatButton(
            text=f"{seat['seat']}\n{under}",
            test_id=f"seat_{seat['seat']}",
            bg=bg,
            fg=fg,
            size_hint=(None, None),
            size=(side, side),
            font_size=side * 0.24,
        )
        button.disabled = state != "free" and not mine
        button.bind(on_release=lambda _b, s=seat["seat"]: self.emit("pick_seat", seat=s))
        return button
