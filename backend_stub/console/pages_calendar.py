"""Calendar page: a product's month (per day: capacity, sold, closed), a day's slots (htmx
loads them beside the month), a slot's capacity (never below what is sold: the message is
on the field), closing or reopening a day or one slot, and the product's slot templates
(a new template generates its days at once on the rolling window, services.calendar).
Operations change; others read."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from backend_stub.console.admin_pages import (
    Operator,
    Reader,
    backend,
    done,
    errors_of,
    localized,
)
from backend_stub.console.csrf import csrf_checked
from backend_stub.console.errors import Refused
from backend_stub.console.forms import Posted
from backend_stub.console.render import render
from backend_stub.console.users import ConsoleUser
from backend_stub.services import calendar, calendar_admin
from kiosk.domain.errors import RuleError

router = APIRouter(dependencies=[Depends(csrf_checked)])
WEEKDAYS = (1, 2, 3, 4, 5, 6, 7)


def _products(request: Request) -> list[dict[str, Any]]:
    return backend(request).store.all("SELECT id, name_zh, name_en FROM products ORDER BY sort, id")


def _month(text: str | None, today: date) -> tuple[int, int]:
    try:
        year, month = (int(x) for x in (text or "").split("-"))
        date(year, month, 1)
        return year, month
    except ValueError:
        return today.year, today.month


def _day(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text or "")
    except ValueError:
        return None


def _product_id(request: Request, asked: str | None) -> str:
    ids = [p["id"] for p in _products(request)]
    if asked in ids:
        return str(asked)
    if asked:
        raise Refused("not_found")
    return ids[0] if ids else ""


def _day_context(request: Request, product_id: str, day: date | None) -> dict[str, Any]:
    bk = backend(request)
    slots = calendar_admin.day_slots(bk, product_id, day) if day and product_id else []
    closed = bool(
        day
        and bk.store.one(
            "SELECT 1 FROM day_closures WHERE product_id = ? AND date = ?",
            (product_id, day.isoformat()),
        )
    )
    return {
        "day": day.isoformat() if day else "",
        "slots": slots,
        "day_closed": closed,
        "past": bool(day and day < bk.today()),
    }


def _page(
    request: Request,
    user: ConsoleUser,
    product_id: str,
    year: int,
    month: int,
    day: date | None,
    **ctx: Any,
) -> HTMLResponse:
    bk = backend(request)
    status = ctx.pop("status", 200)
    first = date(year, month, 1)
    prev = (first - timedelta(days=1)).strftime("%Y-%m")
    nxt = (first + timedelta(days=32)).strftime("%Y-%m")
    context = (
        {
            "products": _products(request),
            "product_id": product_id,
            "month": f"{year:04d}-{month:02d}",
            "month_name": f"{year}-{month:02d}",
            "prev_month": prev,
            "next_month": nxt,
            "weeks": calendar_admin.month_view(bk, product_id, year, month) if product_id else [],
            "weekday_keys": [f"calendar.wd{d}" for d in WEEKDAYS],
            "templates": calendar.list_templates(bk, product_id) if product_id else [],
            "today": bk.today().isoformat(),
            "window_days": bk.settings.calendar_days,
            "tpl_values": {
                "weekdays": [str(d) for d in WEEKDAYS],
                "capacity": "100",
                "price_percent": "0",
                "times": "09:00-12:00, 13:00-17:00",
            },
            "tpl_errors": {},
        }
        | _day_context(request, product_id, day)
        | ctx
    )
    return render(request, "calendar_month.html", context, user=user, status=status)


@router.get("/calendar", response_class=HTMLResponse)
def calendar_page(
    request: Request,
    user: Reader,
    product: str | None = None,
    month: str | None = None,
    day: str | None = None,
) -> HTMLResponse:
    product_id = _product_id(request, product)
    chosen = _day(day)
    year, mon = (chosen.year, chosen.month) if chosen else _month(month, backend(request).today())
    return _page(request, user, product_id, year, mon, chosen)


def _day_panel(
    request: Request, user: ConsoleUser, product_id: str, day: date, **ctx: Any
) -> HTMLResponse:
    status = ctx.pop("status", 200)
    context = {"product_id": product_id} | _day_context(request, product_id, day) | ctx
    return render(request, "calendar_day.html", context, user=user, status=status)


@router.get("/calendar/day", response_class=HTMLResponse)
def day_panel(request: Request, user: Reader, product: str, day: str) -> HTMLResponse:
    """The day's slots (htmx loads it into the month page)."""
    chosen = _day(day)
    if chosen is None:
        raise Refused("not_found")
    return _day_panel(request, user, _product_id(request, product), chosen)


def _slot(request: Request, slot_id: str) -> dict[str, Any]:
    slot = backend(request).store.one("SELECT * FROM slots WHERE id = ?", (slot_id,))
    if slot is None:
        raise Refused("not_found")
    return slot


def _after(request: Request, user: ConsoleUser, slot: dict[str, Any], ok: str) -> Response:
    """htmx: the day panel again; a plain form: back to the page."""
    day = date.fromisoformat(slot["date"])
    if request.headers.get("hx-request"):
        return _day_panel(request, user, slot["product_id"], day, flash_key=ok)
    return done(f"/console/calendar?product={slot['product_id']}&day={slot['date']}", ok)


@router.post("/calendar/slots/{slot_id}/capacity")
def slot_capacity(request: Request, slot_id: str, user: Operator, form: Posted) -> Response:
    bk = backend(request)
    slot = _slot(request, slot_id)
    try:
        calendar_admin.set_capacity(bk, user, slot_id, form)
    except RuleError as exc:
        errors = {f"capacity-{slot_id}": m for m in errors_of(exc).values()}
        day = date.fromisoformat(slot["date"])
        if request.headers.get("hx-request"):  # (htmx swaps only a 2xx answer in)
            return _day_panel(request, user, slot["product_id"], day, errors=errors, status=200)
        return _page(
            request, user, slot["product_id"], day.year, day.month, day, errors=errors, status=422
        )
    return _after(request, user, slot, "ok.capacity_saved")


@router.post("/calendar/slots/{slot_id}/closed")
def slot_closed(request: Request, slot_id: str, user: Operator, form: Posted) -> Response:
    slot = _slot(request, slot_id)
    closed = str(form.get("closed", "")) == "1"
    calendar_admin.close_slot(backend(request), user, slot_id, closed)
    return _after(request, user, slot, "ok.slot_closed" if closed else "ok.slot_reopened")


@router.post("/calendar/days/{product_id}/{day}")
def day_closed(
    request: Request, product_id: str, day: str, user: Operator, form: Posted
) -> Response:
    bk = backend(request)
    product_id = _product_id(request, product_id)
    chosen = _day(day)
    if chosen is None:
        raise Refused("not_found")
    back = f"/console/calendar?product={product_id}&day={chosen.isoformat()}"
    if str(form.get("closed", "")) == "1":
        try:
            calendar_admin.close_day(
                bk,
                user,
                product_id,
                chosen,
                str(form.get("reason_zh", ""))[:200],
                str(form.get("reason_en", ""))[:200],
                bk.now(),
            )
        except RuleError as exc:
            return _page(
                request,
                user,
                product_id,
                chosen.year,
                chosen.month,
                chosen,
                errors=errors_of(exc),
                status=409,
            )
        return done(back, "ok.day_closed")
    calendar_admin.reopen_day(bk, user, product_id, chosen)
    return done(back, "ok.day_reopened")


@router.post("/calendar/templates")
def new_template(request: Request, user: Operator, form: Posted) -> Response:
    bk = backend(request)
    product_id = _product_id(request, str(form.get("product_id") or "") or None)
    try:
        made = calendar_admin.create_template(bk, user, product_id, form, bk.now())
    except RuleError as exc:
        today = bk.today()
        values = form | {"weekdays": [str(d) for d in _as_list(form.get("weekdays"))]}
        return _page(
            request,
            user,
            product_id,
            today.year,
            today.month,
            None,
            tpl_values=values,
            tpl_errors=localized(request, errors_of(exc)),
            status=422,
        )
    first = made.get("valid_from") or bk.today().isoformat()
    return done(f"/console/calendar?product={product_id}&month={first[:7]}", "ok.template_saved")


def _as_list(value: Any) -> list[Any]:
    if value in (None, ""):
        return []
    return [value] if isinstance(value, str) else list(value)
