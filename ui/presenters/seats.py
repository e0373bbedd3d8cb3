"""Seated departures (座位): the day's departures on the slot chooser (departure -> arrival,
seats left), the ticket counter, the seat map (ui/screens/seat_map), a summary naming each
traveller's seat and fare, then payment and printing as every purchase."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any, ClassVar

from ui.presenters.base import HOME
from ui.presenters.purchase import PurchasePresenter, slot_params
from ui.presenters.texts import msg_params, yuan
from ui.seam import Scene


class SeatsPresenter(PurchasePresenter):
    step_of: ClassVar[dict[str, int]] = {
        "choose_product": 0,
        "choose_departure": 0,
        "choose_tickets": 0,
        "review": 1,
    }

    def screen_choose_departure(self, state: Any) -> Scene:
        data = state.data
        slots = [
            {"id": d["id"], "label": f"{d['departs']}→{d['arrives']}", "status": d["status"],
             "remaining": d["remaining"]}
            for d in data.get("departures", [])
        ]  # fmt: skip
        first = self.remembered.setdefault("first_date", data.get("date", ""))
        view = SimpleNamespace(data={**data, "slots": slots}, messages=state.messages)
        return Scene("choose_slot", slot_params(view, first))

    def on_choose_slot(self, flow: Any, data: dict[str, Any]) -> None:
        if flow.state.screen == "choose_departure":
            flow.act("choose_departure", departure_id=data.get("slot_id"))
            return
        super().on_choose_slot(flow, data)

    def screen_seat_map(self, state: Any) -> Scene:
        data = state.data
        seat_map = data.get("map", {})
        names = data.get("names", {})
        travellers = data.get("travellers", [])
        mine = {t["seat"]: i for i, t in enumerate(travellers, start=1) if t.get("seat")}
        adult = next(iter(data.get("departure", {}).get("prices", {})), "")
        fares = {c["code"]: c.get("fares", {}) for c in seat_map.get("classes", [])}
        party = [t["ticket_type_id"] for t in travellers] or [adult]
        seats = [
            {**s, "mine": mine.get(s["seat"], 0),
             "price": yuan(fares.get(s["seat_class"], {}).get(party[0], 0))}
            for s in seat_map.get("seats", [])
        ]  # fmt: skip
        route = data.get("departure", {}).get("route", {}).get("name", {})
        departs = data.get("departure", {}).get("departs", "")
        return Scene(
            "seat_map",
            {
                **self.prompt(state),
                "seats": seats,
                "rows": seat_map.get("layout", {}).get("rows", 0),
                "width": seat_map.get("layout", {}).get("width", 0),
                "classes": [
                    {"code": c["code"], "label_zh": c["name"]["zh"], "label_en": c["name"]["en"],
                     "price": yuan(c.get("fares", {}).get(party[0], 0))}
                    for c in seat_map.get("classes", [])
                ],
                "travellers": [
                    {"label_zh": names.get(t["ticket_type_id"], {}).get("zh", ""),
                     "label_en": names.get(t["ticket_type_id"], {}).get("en", ""),
                     "seat": t.get("seat", "")}
                    for t in travellers
                ],
                "total": yuan(data.get("estimate_fen", 0)),
                "route_zh": f"{route.get('zh', '')} {departs}",
                "route_en": f"{route.get('en', '')} {departs}",
            },
        )  # fmt: skip

    def screen_review(self, state: Any) -> Scene:
        data = state.data
        departure = data.get("departure", {})
        route = departure.get("route", {}).get("name", {})
        names = data.get("names", {})
        lines: list[dict[str, Any]] = [
            {"label": "Route", "value_zh": route.get("zh", ""), "value_en": route.get("en", "")},
            {"label": "Date", "value": str(data.get("date", ""))},
            {"label": "Departs", "value": f"{departure.get('departs', '')}"},
        ]
        for t in data.get("seats", []):
            name = names.get(t["ticket_type_id"], {})
            lines.append(
                {"label_zh": f"{name.get('zh', '')} 座位 {t['seat']}",
                 "label_en": f"{name.get('en', '')} seat {t['seat']}",
                 "value": f"¥{yuan(t['fare_fen'])}"}
            )  # fmt: skip
        lines.append(
            {"label": "Total", "value": f"¥{yuan(data.get('estimate_fen', 0))}", "strong": True}
        )
        self.cart["seat_lines"] = lines
        note = state.messages[0] if state.messages else None
        return Scene(
            "summary",
            {
                "title": "Check your order",
                **msg_params("prompt", note),
                "lines": lines,
                "actions": [
                    {"intent": "confirm", "label": "Confirm and pay", "test_id": "confirm"},
                    {"intent": "change_seats", "label": "Change seats",
                     "test_id": "change_seats"},
                    HOME,
                ],
                "step": 1,
            },
        )  # fmt: skip

    def order_lines(self, state: Any) -> list[dict[str, Any]]:
        lines = [dict(x) for x in self.cart.get("seat_lines", []) if x.get("label") != "Total"]
        for line in lines:
            line["small"] = True
        return lines
