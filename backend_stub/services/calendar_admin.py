"""The console's calendar: a month of a product's days (capacity, sold, closed), a day's
slots, closing or reopening a day or a single slot, a slot's capacity (never below what is
sold), and slot templates from a form (services.calendar generates the days from them).

Closing a day is services.closures.close_day (kiosk-paid tickets refunded in full at once);
closing one slot only stops its sales (its tickets stay good). Reopening undoes either."""

from __future__ import annotations

import calendar as months
import re
from datetime import date, datetime
from typing import Any

from pydantic import ValidationError

from backend_stub.context import Backend
from backend_stub.schemas import CloseDay, SlotTemplateBody
from backend_stub.services import calendar, closures
from backend_stub.services.admin_forms import FormErrors, integer, text
from backend_stub.services.change_audit import audited
from kiosk.domain.errors import RuleError

TIME_RANGE = re.compile(r"^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-4]):[0-5]\d$")


def month_view(bk: Backend, product_id: str, year: int, month: int) -> list[dict[str, Any]]:
    """Each day of the month: slots, capacity, sold, open slots, closed (a day closure or
    every slot closed); weeks as lists of 7 (None outside the month)."""
    first = date(year, month, 1)
    last = date(year, month, months.monthrange(year, month)[1])
    rows = bk.store.all(
        "SELECT date, COUNT(*) AS slots, SUM(capacity) AS capacity, "
        "SUM(capacity - remaining) AS sold, SUM(CASE WHEN closed = 0 THEN 1 ELSE 0 END) AS open "
        "FROM slots WHERE product_id = ? AND date >= ? AND date <= ? GROUP BY date",
        (product_id, first.isoformat(), last.isoformat()),
    )
    by_day = {r["date"]: r for r in rows}
    shut = {
        r["date"]
        for r in bk.store.all(
            "SELECT date FROM day_closures WHERE product_id = ? AND date >= ? AND date <= ?",
            (product_id, first.isoformat(), last.isoformat()),
        )
    }
    weeks = []
    for week in months.Calendar(firstweekday=0).monthdatescalendar(year, month):
        cells = []
        for day in week:
            if day.month != month:
                cells.append(None)
                continue
            r = by_day.get(day.isoformat())
            cells.append(
                {
                    "date": day.isoformat(),
                    "day": day.day,
                    "slots": int(r["slots"]) if r else 0,
                    "capacity": int(r["capacity"] or 0) if r else 0,
                    "sold": int(r["sold"] or 0) if r else 0,
                    "closed": day.isoformat() in shut or bool(r and int(r["open"] or 0) == 0),
                }
            )
        weeks.append(cells)
    return weeks


def day_slots(bk: Backend, product_id: str, day: date) -> list[dict[str, Any]]:
    rows = bk.store.all(
        "SELECT * FROM slots WHERE product_id = ? AND date = ? ORDER BY start",
        (product_id, day.isoformat()),
    )
    return [r | {"sold": r["capacity"] - r["remaining"]} for r in rows]


def _slot(bk: Backend, slot_id: str) -> dict[str, Any]:
    slot = bk.store.one("SELECT * FROM slots WHERE id = ?", (slot_id,))
    if slot is None:
        raise RuleError("unknown_slot", slot_id)
    return slot


def set_capacity(bk: Backend, actor: Any, slot_id: str, form: dict[str, Any]) -> dict[str, Any]:
    """A slot's new capacity; `capacity` below what is sold is refused on the field."""
    errors = FormErrors()
    capacity = integer(
        form, "capacity", errors, low=0, high=1_000_000, zh="容量", en="The capacity"
    )
    errors.raise_if_any()
    with bk.store.transaction():
        slot = _slot(bk, slot_id)
        sold = slot["capacity"] - slot["remaining"]
        if capacity < sold:
            errors.add(
                "capacity",
                f"已售{sold}张，容量不能低于{sold}",
                f"{sold} are sold: the capacity cannot be below {sold}",
            )
            errors.raise_if_any()
        bk.store.run(
            "UPDATE slots SET capacity = ?, remaining = ? WHERE id = ?",
            (capacity, capacity - sold, slot_id),
        )
        audited(
            bk,
            actor,
            "slot.capacity",
            f"slot:{slot_id}",
            {"capacity": slot["capacity"]},
            {"capacity": capacity, "sold": sold},
        )
    return _slot(bk, slot_id) | {"sold": sold}


def close_slot(bk: Backend, actor: Any, slot_id: str, closed: bool) -> dict[str, Any]:
    """Stop (or restart) one slot's sales."""
    with bk.store.transaction():
        slot = _slot(bk, slot_id)
        bk.store.run("UPDATE slots SET closed = ? WHERE id = ?", (int(closed), slot_id))
        audited(
            bk,
            actor,
            "slot.close" if closed else "slot.reopen",
            f"slot:{slot_id}",
            {"closed": slot["closed"]},
            {"closed": int(closed)},
        )
    return _slot(bk, slot_id)


def close_day(
    bk: Backend,
    actor: Any,
    product_id: str,
    day: date,
    reason_zh: str,
    reason_en: str,
    now: datetime,
) -> dict[str, Any]:
    """Close a product's day (services.closures: kiosk-paid tickets refunded at once)."""
    body = CloseDay(
        date=day.isoformat(), product_ids=[product_id], reason_zh=reason_zh, reason_en=reason_en
    )
    with bk.store.transaction(durable=True):
        done = closures.close_day(bk, body, now)
        audited(
            bk,
            actor,
            "day.close",
            f"day:{product_id}:{day.isoformat()}",
            None,
            {"slots_closed": done["slots_closed"], "refunded_fen": done["refunded_fen"]},
        )
    return done


def reopen_day(bk: Backend, actor: Any, product_id: str, day: date) -> int:
    """Open a closed day's slots again (tickets refunded by the closure stay refunded)."""
    with bk.store.transaction():
        bk.store.run(
            "DELETE FROM day_closures WHERE product_id = ? AND date = ?",
            (product_id, day.isoformat()),
        )
        count = bk.store.run(
            "UPDATE slots SET closed = 0 WHERE product_id = ? AND date = ?",
            (product_id, day.isoformat()),
        )
        audited(
            bk,
            actor,
            "day.reopen",
            f"day:{product_id}:{day.isoformat()}",
            None,
            {"slots_reopened": count},
        )
    return count


def create_template(
    bk: Backend, actor: Any, product_id: str, form: dict[str, Any], now: datetime
) -> dict[str, Any]:
    """A slot template from the console's form: weekdays (checkboxes 1-7), times as
    `08:00-09:00, 09:00-10:00`, capacity, price %, optional first/last day."""
    errors = FormErrors()
    days = form.get("weekdays") or []
    days = [days] if isinstance(days, str) else list(days)
    weekdays = sorted({int(d) for d in days if str(d).isdigit() and 1 <= int(d) <= 7})
    if not weekdays:
        errors.add("weekdays", "请至少选择一天", "Choose at least one day of the week")
    raw_times = str(form.get("times") or "").replace("，", ",").replace(" ", "")
    times = [t for t in raw_times.replace("\n", ",").split(",") if t]
    if not times or any(not TIME_RANGE.match(t) for t in times):
        errors.add(
            "times",
            "时段格式如 08:00-09:00，多个用逗号分隔",
            "Times look like 08:00-09:00, separated by commas",
        )
    elif any(t.split("-")[1] <= t.split("-")[0] for t in times):
        errors.add("times", "结束时间须晚于开始时间", "Each time must end after it starts")
    elif len({t.split("-")[0] for t in times}) != len(times):
        errors.add("times", "两个时段开始时间相同", "Two times start at the same minute")
    capacity = integer(
        form, "capacity", errors, low=1, high=1_000_000, zh="容量", en="The capacity"
    )
    percent = integer(
        form,
        "price_percent",
        errors,
        low=-100,
        high=1000,
        default=0,
        zh="价格调整%",
        en="The price change %",
    )
    name = text(form, "name", errors, required=False, max_len=64, zh="名称", en="The name")
    first = str(form.get("valid_from") or "").strip() or None
    last = str(form.get("valid_until") or "").strip() or None
    for field, value in (("valid_from", first), ("valid_until", last)):
        if value:
            try:
                date.fromisoformat(value)
            except ValueError:
                errors.add(field, "日期格式为 YYYY-MM-DD", "Use a date like 2026-12-01")
    if first and last and not errors and last < first:
        errors.add("valid_until", "结束日期早于开始日期", "The last day is before the first")
    errors.raise_if_any()
    try:
        body = SlotTemplateBody(
            product_id=product_id,
            name=name,
            weekdays=weekdays,
            times=[{"start": t.split("-")[0], "end": t.split("-")[1]} for t in times],
            capacity=capacity,
            price_percent=percent,
            valid_from=first,
            valid_until=last,
        )
    except ValidationError as exc:
        errors.add("times", "时段有误", f"The times are not valid ({exc.error_count()})")
        errors.raise_if_any()
        raise
    with bk.store.transaction():
        made = calendar.create_template(bk, body, now)
        audited(bk, actor, "template.create", f"template:{made['id']}", None, made)
    return made
