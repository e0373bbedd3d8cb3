"""The calendar of slots (场次日历): slot templates per product generate the days ahead.

A template says on which ISO weekdays (1 = Monday), between `valid_from` and `valid_until`,
a product has which entry times (`start`-`end`), each with a capacity and a price: the
template's `price_percent` (or a time's own `percent`) is the slot's percent on top of the
product's base price rules, and `prices_fen` {ticket_type_id: fen} replaces the computed price
of those types outright.

Slots are generated on a rolling window of `settings.calendar_days` (60) days after today,
with no manual step: at start, and topped up by the backend's sweeper when the day turns.
Each product keeps a horizon (the last day generated); a top-up creates only the days after
it, so generation is idempotent (a slot id `<PRODUCT>-<YYYYMMDD>-<HHMM>` is never created
twice) and never touches a slot that exists, sold or not. A template created or changed
therefore applies to new days only: the days already open keep their slots (change one with
`PUT /ops/slots/{id}`, close a day with `POST /ops/calendar/close`). A day closed ahead of
its generation is generated closed.
"""

from __future__ import annotations

import json
import secrets
from datetime import date, datetime, timedelta
from typing import Any

from backend_stub.context import Backend
from backend_stub.schemas import SlotTemplateBody
from backend_stub.services.catalog import get_product
from kiosk.domain.errors import RuleError
from kiosk.domain.input_rules import parse_day

HORIZON_KEY = "calendar_horizon:"  # + product id: the last day generated (meta)


def _day(text: str | None, name: str) -> date | None:
    if not text:
        return None
    try:
        return parse_day(text)
    except ValueError as exc:
        raise RuleError("template_invalid", f"{name} is not YYYY-MM-DD") from exc


def _template_row(bk: Backend, body: SlotTemplateBody) -> dict[str, Any]:
    """The stored form of a template, checked."""
    product = get_product(bk, body.product_id)
    if any(d < 1 or d > 7 for d in body.weekdays):
        raise RuleError("template_invalid", "weekdays are 1 (Monday) to 7 (Sunday)")
    starts = [t.start for t in body.times]
    if len(set(starts)) != len(starts):
        raise RuleError("template_invalid", "two times start at the same minute")
    for t in body.times:
        if t.end <= t.start:
            raise RuleError("template_invalid", f"{t.start}-{t.end} ends before it starts")
    for type_id, fen in body.prices_fen.items():
        if type_id not in product.ticket_types:
            raise RuleError("unknown_ticket_type", type_id)
        if fen < 0:
            raise RuleError("price_invalid", type_id)
    first, last = _day(body.valid_from, "valid_from"), _day(body.valid_until, "valid_until")
    if first and last and last < first:
        raise RuleError("template_invalid", "valid_until is before valid_from")
    return {
        "product_id": product.id,
        "name": body.name,
        "weekdays": ",".join(str(d) for d in sorted(set(body.weekdays))),
        "times": json.dumps([t.model_dump() for t in body.times]),
        "capacity": body.capacity,
        "price_percent": body.price_percent,
        "prices_fen": json.dumps(body.prices_fen) if body.prices_fen else "",
        "valid_from": body.valid_from,
        "valid_until": body.valid_until,
        "active": int(body.active),
    }


def template_view(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "product_id": row["product_id"],
        "name": row["name"],
        "weekdays": [int(d) for d in row["weekdays"].split(",") if d],
        "times": json.loads(row["times"]),
        "capacity": row["capacity"],
        "price_percent": row["price_percent"],
        "prices_fen": json.loads(row["prices_fen"]) if row["prices_fen"] else {},
        "valid_from": row["valid_from"],
        "valid_until": row["valid_until"],
        "active": bool(row["active"]),
        "created_at": row["created_at"],
        "updated_at": row["updated_at"],
    }


def list_templates(bk: Backend, product_id: str | None = None) -> list[dict[str, Any]]:
    rows = bk.store.all(
        "SELECT * FROM slot_templates WHERE CAST(? AS TEXT) IS NULL OR product_id = ? "
        "ORDER BY product_id, id",
        (product_id, product_id),
    )
    return [template_view(r) for r in rows]


def create_template(
    bk: Backend, body: SlotTemplateBody, now: datetime, template_id: str | None = None
) -> dict[str, Any]:
    """A new template; a product's first template opens its days from today at once."""
    row = _template_row(bk, body) | {
        "id": template_id or "tpl-" + secrets.token_hex(4),
        "created_at": now.isoformat(),
        "updated_at": now.isoformat(),
    }
    with bk.store.transaction():
        bk.store.insert("slot_templates", row)
        top_up(bk, now.date())
    return template_view(row)


def update_template(
    bk: Backend, template_id: str, body: SlotTemplateBody, now: datetime
) -> dict[str, Any]:
    """Replace a template; it applies to the days generated from now on (new days only)."""
    row = _template_row(bk, body)
    with bk.store.transaction():
        old = bk.store.one("SELECT * FROM slot_templates WHERE id = ?", (template_id,))
        if old is None:
            raise RuleError("template_not_found", template_id)
        if old["product_id"] != row["product_id"]:
            raise RuleError("template_invalid", "a template keeps its product")
        sets = ", ".join(f'"{k}" = ?' for k in row)
        bk.store.run(
            f"UPDATE slot_templates SET {sets}, updated_at = ? WHERE id = ?",
            (*row.values(), now.isoformat(), template_id),
        )
        new = bk.store.one("SELECT * FROM slot_templates WHERE id = ?", (template_id,))
    return template_view(new)


def _slots_of(template: dict[str, Any], day: date, closed: bool) -> list[tuple[Any, ...]]:
    """The slot rows a template gives `day` (none when the day is not one of its days)."""
    if str(day.isoweekday()) not in template["weekdays"].split(","):
        return []
    if template["valid_from"] and day < date.fromisoformat(template["valid_from"]):
        return []
    if template["valid_until"] and day > date.fromisoformat(template["valid_until"]):
        return []
    product_id = template["product_id"]
    rows = []
    for t in json.loads(template["times"]):
        percent = t["percent"] if t.get("percent") is not None else template["price_percent"]
        rows.append(
            (
                f"{product_id}-{day:%Y%m%d}-{t['start'].replace(':', '')}",
                product_id,
                day.isoformat(),
                t["start"],
                t["end"],
                template["capacity"],
                template["capacity"],
                percent,
                int(closed),
                template["id"],
                template["prices_fen"] or "",
            )
        )
    return rows


def top_up(bk: Backend, today: date) -> int:
    """Generate every product's days after its horizon up to today + calendar_days, from its
    active templates; the number of slots created. Idempotent; existing slots stay as they are."""
    last = today + timedelta(days=bk.settings.calendar_days)
    templates = bk.store.all(
        "SELECT * FROM slot_templates WHERE active = 1 ORDER BY created_at, id"
    )
    products = sorted({t["product_id"] for t in templates})
    if not products:
        return 0
    created = 0
    with bk.store.transaction():
        for product_id in products:
            horizon = bk.store.meta(HORIZON_KEY + product_id)
            first = today
            if horizon is not None:
                first = max(today, date.fromisoformat(horizon) + timedelta(days=1))
            if first > last:
                continue
            closed = {
                r["date"]
                for r in bk.store.all(
                    "SELECT date FROM day_closures WHERE product_id = ? AND date >= ?",
                    (product_id, first.isoformat()),
                )
            }
            mine = [t for t in templates if t["product_id"] == product_id]
            rows = []
            day = first
            while day <= last:
                for template in mine:
                    rows += _slots_of(template, day, day.isoformat() in closed)
                day += timedelta(days=1)
            before = bk.store.one("SELECT COUNT(*) AS n FROM slots")["n"]
            bk.store.run_many(
                'INSERT INTO slots (id, product_id, date, start, "end", capacity, '
                "remaining, slot_percent, closed, template_id, prices_override) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                rows,
            )
            created += bk.store.one("SELECT COUNT(*) AS n FROM slots")["n"] - before
            bk.store.set_meta(HORIZON_KEY + product_id, last.isoformat())
    return created


def top_up_when_due(bk: Backend, now: datetime, done_for: date | None) -> date:
    """For the sweeper: top the window up when the day has turned since `done_for`; the day
    it is done for."""
    if done_for != now.date():
        top_up(bk, now.date())
    return now.date()
