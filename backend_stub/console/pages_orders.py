"""Orders pages: find an order (order number, buyer or holder phone, holder's ID number,
channel, kiosk, day), open it (tickets with their gate entries and printed count, payments,
refunds, points, the audit trail), refund or rebook some of its tickets by the park's policy
(finance: services.aftersales / services.rebook decide, a reason is recorded in the audit),
flag printed tickets to reprint once at a kiosk, or cancel such a flag (finance or operations:
services.reprints, a reason required, audited).

A phone or an ID number is searched by POST (never in a URL, so never in an access log),
matched by its keyed hash (services.order_search), and not shown back in clear."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from backend_stub.console.audit import audit
from backend_stub.console.auth import FINANCE, OPERATIONS, ConsoleUser, page_user
from backend_stub.console.csrf import csrf_checked
from backend_stub.console.errors import Refused
from backend_stub.console.forms import Posted, field_errors, one_error
from backend_stub.console.render import render
from backend_stub.services import order_search, reprints
from backend_stub.services.aftersales import refund_tickets
from backend_stub.services.rebook import rebook_tickets
from kiosk.domain.errors import RuleError
from kiosk.domain.ids import mask_id, mask_phone

router = APIRouter(dependencies=[Depends(csrf_checked)])
Anyone = Annotated[ConsoleUser, Depends(page_user())]
Finance = Annotated[ConsoleUser, Depends(page_user(FINANCE))]
Desk = Annotated[ConsoleUser, Depends(page_user(FINANCE, OPERATIONS))]  # reprint flags
MAX_REASON = 200
FILTERS = ("order_no", "phone", "id_number", "channel", "kiosk_id", "day")


def _list(request: Request, user: ConsoleUser, **ctx: Any) -> HTMLResponse:
    bk = request.app.state.backend
    status = ctx.pop("status", 200)
    context = {"channels": order_search.channels(bk), "orders": None, "searched": "",
               "latest": False} | ctx  # fmt: skip
    return render(request, "orders_list.html", context, user=user, status=status)


@router.get("/orders", response_class=HTMLResponse)
def orders_page(request: Request, user: Anyone) -> HTMLResponse:
    bk = request.app.state.backend
    latest = order_search.search(bk, order_search.OrderQuery(), limit=30)
    return _list(request, user, orders=latest, latest=True)


@router.post("/orders", response_class=HTMLResponse)
def search(request: Request, user: Anyone, data: Posted) -> HTMLResponse:
    bk = request.app.state.backend
    values = {k: str(data.get(k, "")).strip()[:64] for k in FILTERS}
    errors: dict[str, Any] = {}
    day = None
    if values["day"]:
        try:
            day = date.fromisoformat(values["day"])
        except ValueError:
            errors |= one_error("day", "orders.day_invalid")
    digits = values["phone"].replace(" ", "").replace("-", "")
    if values["phone"] and not (digits.isdigit() and 5 <= len(digits) <= 15):
        errors |= one_error("phone", "orders.phone_invalid")
    if values["id_number"] and not 6 <= len(values["id_number"]) <= 32:
        errors |= one_error("id_number", "orders.id_invalid")
    shown = values | {"phone": "", "id_number": ""}  # never put back on the page in clear
    if errors:
        return _list(request, user, values=shown, errors=errors, status=422)
    query = order_search.OrderQuery(
        values["order_no"], values["phone"], values["id_number"], values["channel"],
        values["kiosk_id"], day,
    )  # fmt: skip
    if query.empty:
        return _list(request, user, values=shown, errors=one_error("_form", "orders.no_filter"),
                     status=422)  # fmt: skip
    searched = " · ".join(
        x for x in (values["order_no"], mask_phone(values["phone"]) if values["phone"] else "",
                    mask_id(values["id_number"]) if values["id_number"] else "",
                    values["channel"], values["kiosk_id"], values["day"]) if x
    )  # fmt: skip
    found = order_search.search(bk, query)
    return _list(request, user, values=shown, orders=found, searched=searched)


def _slots_for(bk: Any, order: dict[str, Any]) -> list[dict[str, Any]]:
    """Open slots of the order's products in the next 30 days (where a rebook may go)."""
    products = sorted({t["product_id"] for t in order["tickets"]})
    if not products:
        return []
    today = bk.today()
    marks = ", ".join("?" for _ in products)
    return bk.store.all(
        f'SELECT id, product_id, date, start, "end", remaining FROM slots WHERE product_id IN '
        f"({marks}) AND date >= ? AND date <= ? AND closed = 0 AND remaining > 0 "
        "ORDER BY date, start LIMIT 200",
        (*products, today.isoformat(), (today + timedelta(days=30)).isoformat()),
    )


def _order(request: Request, user: ConsoleUser, order_id: str, **ctx: Any) -> HTMLResponse:
    bk = request.app.state.backend
    status = ctx.pop("status", 200)
    try:
        order = order_search.order_page(bk, order_id, bk.now())
    except RuleError as exc:
        raise Refused("not_found") from exc
    context = {"order": order, "slots": _slots_for(bk, order),
               "reprint_flags": reprints.flags_of(bk, order_id),
               "kiosks": reprints.known_kiosks(bk)} | ctx  # fmt: skip
    return render(request, "orders_page.html", context, user=user, status=status)


@router.get("/orders/{order_id}", response_class=HTMLResponse)
def order_page(request: Request, order_id: str, user: Anyone) -> HTMLResponse:
    return _order(request, user, order_id)


def _change_form(data: dict[str, Any], action: str) -> tuple[dict[str, Any], list[str], dict]:
    picked = data.get("ticket_id", [])
    tickets = [picked] if isinstance(picked, str) else list(picked)
    tickets = [t for t in tickets if t]
    reason = str(data.get(f"{action}_reason", "")).strip()
    errors: dict[str, Any] = {}
    if not tickets:
        errors |= one_error(f"{action}_tickets", "orders.pick_tickets")
    if not reason:
        errors |= one_error(f"{action}_reason", "orders.reason_needed")
    elif len(reason) > MAX_REASON:
        errors |= one_error(f"{action}_reason", "orders.reason_long")
    values = {f"{action}_reason": reason, "picked": tickets,
              "new_slot_id": str(data.get("new_slot_id", ""))}  # fmt: skip
    return values, tickets, errors


def _rule_error(exc: RuleError, action: str) -> dict[str, Any]:
    message = field_errors(exc)
    return {f"{action}_form": next(iter(message.values()))}


@router.post("/orders/{order_id}/refund")
def refund(request: Request, order_id: str, user: Finance, data: Posted) -> Response:
    bk = request.app.state.backend
    values, tickets, errors = _change_form(data, "refund")
    if errors:
        return _order(request, user, order_id, values=values, errors=errors, status=422)
    now = bk.now()
    try:
        answer = refund_tickets(bk, order_id, tickets, now)
    except RuleError as exc:
        if exc.code == "order_not_found":
            raise Refused("not_found") from exc
        errors = _rule_error(exc, "refund")
        return _order(request, user, order_id, values=values, errors=errors, status=422)
    audit(bk.store, user, "order.refund", f"order:{order_id}", {"tickets": tickets},
          {"refunded_fen": answer["refunded_fen"], "fee_fen": answer["fee_fen"],
           "reason": values["refund_reason"]}, at=now)  # fmt: skip
    return RedirectResponse(f"/console/orders/{order_id}?ok=ok.order_refunded", status_code=303)


@router.post("/orders/{order_id}/rebook")
def rebook(request: Request, order_id: str, user: Finance, data: Posted) -> Response:
    bk = request.app.state.backend
    values, tickets, errors = _change_form(data, "rebook")
    if not values["new_slot_id"]:
        errors |= one_error("new_slot_id", "orders.pick_slot")
    if errors:
        return _order(request, user, order_id, values=values, errors=errors, status=422)
    now = bk.now()
    try:
        _, pending = rebook_tickets(bk, order_id, tickets, values["new_slot_id"], now)
    except RuleError as exc:
        if exc.code == "order_not_found":
            raise Refused("not_found") from exc
        errors = _rule_error(exc, "rebook")
        return _order(request, user, order_id, values=values, errors=errors, status=422)
    audit(bk.store, user, "order.rebook", f"order:{order_id}", {"tickets": tickets},
          {"slot": values["new_slot_id"], "pending_payment": pending,
           "reason": values["rebook_reason"]}, at=now)  # fmt: skip
    ok = "ok.order_rebook_pending" if pending else "ok.order_rebooked"
    return RedirectResponse(f"/console/orders/{order_id}?ok={ok}", status_code=303)


@router.post("/orders/{order_id}/reprint")
def reprint(request: Request, order_id: str, user: Desk, data: Posted) -> Response:
    """Flag tickets to print once more at a kiosk (any, or the one chosen)."""
    bk = request.app.state.backend
    values, tickets, errors = _change_form(data, "reprint")
    kiosk_id = str(data.get("reprint_kiosk", "")).strip()[:64]
    values["reprint_kiosk"] = kiosk_id
    if errors:
        return _order(request, user, order_id, values=values, errors=errors, status=422)
    now = bk.now()
    try:
        made = reprints.flag(bk, order_id, tickets, reason=values["reprint_reason"],
                             kiosk_id=kiosk_id, by=user.username, now=now)  # fmt: skip
    except RuleError as exc:
        if exc.code == "order_not_found":
            raise Refused("not_found") from exc
        errors = _rule_error(exc, "reprint")
        return _order(request, user, order_id, values=values, errors=errors, status=422)
    audit(bk.store, user, "order.reprint_flag", f"order:{order_id}", {"tickets": tickets},
          {"flags": [f["id"] for f in made], "kiosk": kiosk_id or "any",
           "reason": values["reprint_reason"]}, at=now)  # fmt: skip
    return RedirectResponse(f"/console/orders/{order_id}?ok=ok.order_reprint_flagged",
                            status_code=303)  # fmt: skip


@router.post("/orders/{order_id}/unflag")
def unflag(request: Request, order_id: str, user: Desk, data: Posted) -> Response:
    """Cancel a ticket's open reprint flag (before a kiosk used it)."""
    bk = request.app.state.backend
    ticket_id = str(data.get("ticket_id", "")).strip()[:64]
    now = bk.now()
    try:
        row = reprints.unflag(bk, order_id, ticket_id, by=user.username, now=now)
    except RuleError as exc:
        errors = _rule_error(exc, "reprint")
        return _order(request, user, order_id, errors=errors, status=422)
    audit(bk.store, user, "order.reprint_unflag", f"order:{order_id}", {"flag": row["id"]},
          {"ticket": ticket_id, "state": row["state"]}, at=now)  # fmt: skip
    return RedirectResponse(f"/console/orders/{order_id}?ok=ok.order_reprint_unflagged",
                            status_code=303)  # fmt: skip
