"""The demo's seated rides (座位): the summit shuttle bus (索道站 -> 中天门 -> 山顶, a 45-seat
coach, any visitor) and the lake boat (an add-on to admission, 12 seats), with a week of
departures from the seeding day. Called by seed.seed_demo."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from backend_stub.context import Backend
from backend_stub.services import departures

SHUTTLE, BOAT = "SHUTTLE", "BOAT"
COACH_LAYOUT = {
    "rows": 10,
    "pattern": "AB_CD",
    "back_row": "ABECD",
    "front_rows": 2,
    "classes": {
        "front": {"zh": "前排", "en": "Front", "extra_fen": 1000},
        "window": {"zh": "靠窗", "en": "Window", "extra_fen": 500},
        "aisle": {"zh": "过道", "en": "Aisle", "extra_fen": 0},
    },
}
BOAT_LAYOUT = {
    "rows": 3,
    "pattern": "AB_CD",
    "front_rows": 1,
    "classes": {
        "front": {"zh": "船头", "en": "Bow", "extra_fen": 1000},
        "window": {"zh": "船舷", "en": "Rail", "extra_fen": 500},
        "aisle": {"zh": "中间", "en": "Middle", "extra_fen": 0},
    },
}
SHUTTLE_TIMES = ["08:30", "10:30", "12:30", "14:30", "16:30", "18:00"]
BOAT_TIMES = ["09:00", "11:00", "13:00", "15:00"]


def _product(pid: str, parent: str | None, zh: str, en: str, sort: int) -> dict[str, Any]:
    return {
        "id": pid, "kind": "seated", "parent_product_id": parent, "real_name": 0,
        "name_zh": zh, "name_en": en, "desc_zh": "", "desc_en": "", "weekend_percent": 0,
        "peak_percent": 0, "peak_months": "", "child_needs_adult": 0, "max_per_order": 10,
        "sort": sort, "addons_per_parent": 2, "requires_parent_entered": 0,
    }  # fmt: skip


# (id, product, code, zh, en, fen, min age, max age, is_child)
TYPES = [
    ("SHUTTLE-ADULT", SHUTTLE, "adult", "成人票", "Adult", 2000, None, None, 0),
    ("SHUTTLE-CHILD", SHUTTLE, "child", "儿童票", "Child (6-18)", 1000, 6, 18, 1),
    ("SHUTTLE-SENIOR", SHUTTLE, "senior", "老年票", "Senior (60+)", 1000, 60, None, 0),
    ("BOAT-ADULT", BOAT, "adult", "成人票", "Adult", 5000, None, None, 0),
    ("BOAT-CHILD", BOAT, "child", "儿童票", "Child (6-18)", 2500, 6, 18, 1),
]


def seed_seated(bk: Backend, today: date) -> None:
    """Products, fares, routes, vehicles and a week of departures from `today`."""
    store = bk.store
    with store.transaction():
        store.insert_many(
            "products",
            [_product(SHUTTLE, None, "山顶观光车", "Summit shuttle bus", 5),
             _product(BOAT, "ADM", "湖心游船", "Lake boat", 6)],
        )  # fmt: skip
        store.insert_many(
            "ticket_types",
            [
                {"id": t[0], "product_id": t[1], "code": t[2], "name_zh": t[3], "name_en": t[4],
                 "min_age": t[6], "max_age": t[7], "needs_proof": "", "is_child": t[8],
                 "sort": 50 + i}
                for i, t in enumerate(TYPES)
            ],
        )  # fmt: skip
        store.insert_many(
            "prices",
            [{"ticket_type_id": t[0], "base_fen": t[5], "effective_at": "2000-01-01T00:00:00",
              "version": 1} for t in TYPES],
        )  # fmt: skip
        store.insert_many(
            "components",
            [
                {"id": SHUTTLE, "name_zh": "观光车", "name_en": "Shuttle"},
                {"id": BOAT, "name_zh": "游船", "name_en": "Boat"},
            ],
        )
    bk.invalidate_catalog()
    now = datetime.combine(today, time(0))
    departures.set_vehicle_type(bk, "COACH45", ("45座大巴", "45-seat coach"), COACH_LAYOUT)
    departures.set_vehicle_type(bk, "BOAT12", ("12座游船", "12-seat boat"), BOAT_LAYOUT)
    departures.set_vehicle(bk, "BUS-01", "COACH45", "豫H·D0417")
    departures.set_vehicle(bk, "BOAT-01", "BOAT12", "云台1号")
    stops = ["索道站", "中天门", "山顶"]
    departures.set_route(bk, "SUMMIT", SHUTTLE, ("索道站→山顶", "Cableway -> Summit"), stops, 30)
    departures.set_route(
        bk, "LAKE", BOAT, ("码头→湖心岛", "Pier -> Island"), ["码头", "湖心岛"], 20
    )
    week = departures.week_of_days(today)
    departures.add_departures(bk, "SUMMIT", "BUS-01", week, SHUTTLE_TIMES, now)
    departures.add_departures(bk, "LAKE", "BOAT-01", week, BOAT_TIMES, now)
