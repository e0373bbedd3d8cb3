"""Departures (班次) of seated products: routes (stops, duration), vehicle types (their seat
map, kiosk.domain.seats), vehicles, and departures (a date, a time, a vehicle on a route).

A departure is a slot of its route's `seated` product (same id): inventory, holds, expiry,
rebooking and the gate work on it as on any slot; its capacity is its vehicle's seat count, the
slot's `end` is the arrival (the departure plus the route's duration), and its seats are sold
until it leaves (services.seats refuses `departure_departed`). The manifest lists who sits
where, masked."""

from __future__ import annotations

import json
import secrets
from datetime import date, datetime, timedelta
from typing import Any

from backend_stub.context import Backend
from backend_stub.services.catalog import get_product, slot_prices
from kiosk.domain.errors import RuleError
from kiosk.domain.ids import mask_id, mask_name
from kiosk.domain.input_rules import parse_day
from kiosk.domain.seats import SEATED, Layout, parse_layout


def _seated(bk: Backend, product_id: str) -> Any:
    product = get_product(bk, product_id)
    if product.kind != SEATED:
        raise RuleError("not_seated", product_id)
    return product


def set_route(
    bk: Backend, route_id: str, product_id: str, names: tuple[str, str], stops: list[str],
    duration_minutes: int,
) -> dict[str, Any]:  # fmt: skip
    """Add or change a route of a seated product."""
    _seated(bk, product_id)
    stops = [s.strip() for s in stops if s.strip()]
    if len(stops) < 2 or not 1 <= duration_minutes <= 24 * 60:
        raise RuleError("route_invalid", "two stops or more, 1-1440 minutes")
    with bk.store.transaction():
        bk.store.run(
            "INSERT INTO routes (id, product_id, name_zh, name_en, stops, duration_minutes) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET product_id = "
            "excluded.product_id, name_zh = excluded.name_zh, name_en = excluded.name_en, "
            "stops = excluded.stops, duration_minutes = excluded.duration_minutes",
            (route_id, product_id, names[0], names[1], json.dumps(stops, ensure_ascii=False),
             duration_minutes),
        )  # fmt: skip
    return route_view(get_route(bk, route_id))


def get_route(bk: Backend, route_id: str) -> dict[str, Any]:
    row = bk.store.one("SELECT * FROM routes WHERE id = ?", (route_id,))
    if row is None:
        raise RuleError("route_invalid", f"no route {route_id}")
    return row


def route_view(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "product_id": row["product_id"],
        "name": {"zh": row["name_zh"], "en": row["name_en"]},
        "stops": json.loads(row["stops"]),
        "duration_minutes": row["duration_minutes"],
    }


def list_routes(bk: Backend) -> list[dict[str, Any]]:
    return [route_view(r) for r in bk.store.all("SELECT * FROM routes ORDER BY id")]


def set_vehicle_type(
    bk: Backend, type_id: str, names: tuple[str, str], layout: dict[str, Any]
) -> dict[str, Any]:
    """Add or change a vehicle type and its seat map (checked by kiosk.domain.seats)."""
    parsed = parse_layout(layout)
    with bk.store.transaction():
        bk.store.run(
            "INSERT INTO vehicle_types (id, name_zh, name_en, layout) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (id) DO UPDATE SET name_zh = excluded.name_zh, "
            "name_en = excluded.name_en, layout = excluded.layout",
            (type_id, names[0], names[1], json.dumps(layout, ensure_ascii=False)),
        )
    return {"id": type_id, "name": {"zh": names[0], "en": names[1]}, "seats": len(parsed.seats)}


def set_vehicle(bk: Backend, vehicle_id: str, type_id: str, plate: str) -> dict[str, Any]:
    vehicle_layout(bk, type_id)
    with bk.store.transaction():
        bk.store.run(
            "INSERT INTO vehicles (id, vehicle_type_id, plate) VALUES (?, ?, ?) ON CONFLICT (id) "
            "DO UPDATE SET vehicle_type_id = excluded.vehicle_type_id, plate = excluded.plate",
            (vehicle_id, type_id, plate),
        )
    return {"id": vehicle_id, "vehicle_type_id": type_id, "plate": plate}


def vehicle_layout(bk: Backend, type_id: str) -> Layout:
    row = bk.store.one("SELECT layout FROM vehicle_types WHERE id = ?", (type_id,))
    if row is None:
        raise RuleError("vehicle_not_found", type_id)
    return parse_layout(row["layout"])


def departure_id(route_id: str, day: date, hhmm: str) -> str:
    return f"{route_id}-{day:%Y%m%d}-{hhmm.replace(':', '')}"


def add_departures(
    bk: Backend, route_id: str, vehicle_id: str, days: list[date], times: list[str],
    now: datetime,
) -> list[dict[str, Any]]:  # fmt: skip
    """A departure at each time of each day (one that exists already is left as it is)."""
    route = get_route(bk, route_id)
    vehicle = bk.store.one("SELECT * FROM vehicles WHERE id = ?", (vehicle_id,))
    if vehicle is None:
        raise RuleError("vehicle_not_found", vehicle_id)
    seats = len(vehicle_layout(bk, vehicle["vehicle_type_id"]).seats)
    for t in times:
        try:
            datetime.strptime(t, "%H:%M")
        except ValueError as exc:
            raise RuleError("route_invalid", f"time {t!r} is not HH:MM") from exc
    made = []
    with bk.store.transaction():
        for day in days:
            for t in times:
                dep_id = departure_id(route_id, day, t)
                if bk.store.one("SELECT 1 FROM departures WHERE id = ?", (dep_id,)):
                    continue
                bk.store.insert(
                    "slots",
                    {"id": dep_id, "product_id": route["product_id"], "date": day.isoformat(),
                     "start": t, "end": _arrival(t, route["duration_minutes"]),
                     "capacity": seats, "remaining": seats,
                     "slot_percent": 0},
                )  # fmt: skip
                bk.store.insert(
                    "departures",
                    {"id": dep_id, "route_id": route_id, "vehicle_id": vehicle_id,
                     "vehicle_type_id": vehicle["vehicle_type_id"], "created_at": now.isoformat()},
                )  # fmt: skip
                made.append(dep_id)
    return [departure_view(bk, get_departure(bk, d), now) for d in made]


def _arrival(hhmm: str, minutes: int) -> str:
    """The slot's end: the arrival (sales close at the departure, services.seats)."""
    at = datetime.strptime(hhmm, "%H:%M") + timedelta(minutes=minutes)
    return at.strftime("%H:%M") if at.day == 1 else "23:59"


def week_of_days(first: date, days: int = 7) -> list[date]:
    return [first + timedelta(days=i) for i in range(days)]


def get_departure(bk: Backend, dep_id: str) -> dict[str, Any]:
    """The departure joined with its slot and route."""
    row = bk.store.one(
        'SELECT d.*, s.product_id, s.date, s.start, s."end", s.capacity, s.remaining, '
        "s.closed, s.slot_percent, s.prices_override, r.name_zh AS route_zh, "
        "r.name_en AS route_en, r.stops, r.duration_minutes, v.plate FROM departures d "
        "JOIN slots s ON s.id = d.id JOIN routes r ON r.id = d.route_id "
        "JOIN vehicles v ON v.id = d.vehicle_id WHERE d.id = ?",
        (dep_id,),
    )
    if row is None:
        raise RuleError("departure_not_found", dep_id)
    return row


def departs_at(dep: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(f"{dep['date']}T{dep['start']}")


def departure_view(bk: Backend, dep: dict[str, Any], now: datetime) -> dict[str, Any]:
    leaves = departs_at(dep)
    arrives = leaves + timedelta(minutes=dep["duration_minutes"])
    gone = now >= leaves or bool(dep.get("closed"))
    product = get_product(bk, dep["product_id"])
    return {
        "id": dep["id"],
        "product_id": dep["product_id"],
        "route": {"id": dep["route_id"], "name": {"zh": dep["route_zh"], "en": dep["route_en"]},
                  "stops": json.loads(dep["stops"])},
        "date": dep["date"],
        "departs": dep["start"],
        "arrives": arrives.strftime("%H:%M"),
        "vehicle_id": dep["vehicle_id"],
        "vehicle_type_id": dep["vehicle_type_id"],
        "capacity": dep["capacity"],
        "remaining": dep["remaining"],
        "prices": slot_prices(product, dep),  # each ticket type's fare before the seat class
        "status": "departed" if gone else ("sold_out" if dep["remaining"] <= 0 else "open"),
    }  # fmt: skip


def list_departures(bk: Backend, product_id: str, day: date, now: datetime) -> list[dict[str, Any]]:
    _seated(bk, product_id)
    rows = bk.store.all(
        "SELECT d.id FROM departures d JOIN slots s ON s.id = d.id "
        "WHERE s.product_id = ? AND s.date = ? ORDER BY s.start, d.id",
        (product_id, day.isoformat()),
    )
    return [departure_view(bk, get_departure(bk, r["id"]), now) for r in rows]


def parse_days(texts: list[str]) -> list[date]:
    try:
        return [parse_day(t) for t in texts]
    except ValueError as exc:
        raise RuleError("route_invalid", "days are YYYY-MM-DD") from exc


def manifest(bk: Backend, dep_id: str, now: datetime) -> dict[str, Any]:
    """Who sits where on a departure (paid seats and holds), boarded or not; names and
    documents masked."""
    dep = get_departure(bk, dep_id)
    rows = bk.store.all(
        "SELECT t.id, t.seat, t.seat_class, t.status, t.ticket_type_id, t.holder_name, "
        "t.holder_doc_masked, t.used_at, o.order_no FROM tickets t "
        "JOIN orders o ON o.id = t.order_id WHERE t.slot_id = ? AND t.seat != '' "
        "AND t.status IN ('held', 'issued', 'printed', 'used') ORDER BY t.seat",
        (dep_id,),
    )
    types = bk.catalog().ticket_types
    seats = [
        {
            "seat": r["seat"],
            "seat_class": r["seat_class"],
            "ticket_id": r["id"],
            "order_no": r["order_no"],
            "status": r["status"],
            "ticket_type": {
                "zh": types[r["ticket_type_id"]].name_zh,
                "en": types[r["ticket_type_id"]].name_en,
            }
            if r["ticket_type_id"] in types
            else None,
            "holder": {
                "name": mask_name(r["holder_name"] or ""),
                "doc_number": mask_id(r["holder_doc_masked"] or ""),
            },
            "boarded": r["status"] == "used",
            "boarded_at": r["used_at"],
        }
        for r in rows
    ]
    seats.sort(key=lambda s: (int("".join(c for c in s["seat"] if c.isdigit()) or 0), s["seat"]))
    return {
        "departure": departure_view(bk, dep, now),
        "seats": seats,
        "sold": sum(s["status"] != "held" for s in seats),
        "held": sum(s["status"] == "held" for s in seats),
        "boarded": sum(s["boarded"] for s in seats),
    }


def new_id(prefix: str) -> str:
    return prefix + secrets.token_hex(5)
