"""Prices page: every ticket type's base price and its product's weekend/peak rules; a price
change scheduled for a time (a draft), its preview (the catalog exactly as a kiosk will be
served it then: htmx loads it beside the form), the staged rollout (canary group first, then
all, or rolled back), which catalog version each kiosk runs (from its heartbeats), and the
change history with who did what (services.price_rollouts). Operations change; others read."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from backend_stub.console.admin_pages import Operator, Reader, backend, done, errors_of
from backend_stub.console.audit import recent
from backend_stub.console.csrf import csrf_checked
from backend_stub.console.forms import Posted
from backend_stub.console.render import render
from backend_stub.console.users import ConsoleUser
from backend_stub.services import catalog_admin, price_rollouts
from backend_stub.services.admin_forms import FormErrors, fen_text, local_time, text, yuan
from kiosk.domain.errors import RuleError

router = APIRouter(dependencies=[Depends(csrf_checked)])


def _page(request: Request, user: ConsoleUser, **ctx: Any) -> HTMLResponse:
    bk = backend(request)
    status = ctx.pop("status", 200)
    changes = price_rollouts.list_changes(bk)
    context = {
        "products": [p for p in catalog_admin.list_products(bk) if p["ticket_types"]],
        "changes": changes,
        "live": next((c for c in changes if c["stage"] in ("draft", "canary")), None),
        "fleet": price_rollouts.fleet_versions(bk, bk.now()),
        "history": recent(bk.store, 20, "pc-"),
        "fen_text": fen_text,
        "now_local": bk.now().strftime("%Y-%m-%dT%H:%M"),
        "type_names": {
            t["id"]: t for p in catalog_admin.list_products(bk) for t in p["ticket_types"]
        },
        "preview": None,
    } | ctx
    return render(request, "prices.html", context, user=user, status=status)


@router.get("/prices", response_class=HTMLResponse)
def prices_page(request: Request, user: Reader) -> HTMLResponse:
    return _page(request, user)


@router.post("/prices/changes")
def new_change(request: Request, user: Operator, form: Posted) -> Response:
    """A draft change from the form: `price_<type id>` in yuan (blank or unchanged: left out),
    `effective_at` (blank: now), `note`."""
    bk = backend(request)
    errors = FormErrors()
    prices: dict[str, int | None] = {}
    for key, value in form.items():
        if key.startswith("price_") and str(value).strip():
            prices[key.removeprefix("price_")] = yuan(form, key, errors, zh="价格", en="The price")
    at = local_time(form, "effective_at", errors, zh="生效时间", en="The time")
    note = text(form, "note", errors, required=False, max_len=200, zh="说明", en="The note")
    try:
        errors.raise_if_any()
        price_rollouts.create_change(bk, user, prices, at, note, bk.now())
    except RuleError as exc:
        return _page(request, user, values=form, errors=errors_of(exc), status=422)
    return done("/console/prices", "ok.change_saved")


@router.get("/prices/preview", response_class=HTMLResponse)
def preview(
    request: Request,
    user: Reader,
    change: str | None = None,
    at: str | None = None,
    audience: str = "all",
) -> HTMLResponse:
    """The catalog a kiosk will be served at `at` (htmx: the preview panel alone)."""
    bk = backend(request)
    try:
        when = datetime.fromisoformat(at) if at else None
    except ValueError:
        when = None
    audience = audience if audience in ("all", "canary", "other") else "all"
    try:
        shown = price_rollouts.preview(bk, when or bk.now(), change or None, audience)
    except RuleError as exc:
        return _page(request, user, errors=errors_of(exc), status=404)
    context = {
        "preview": shown,
        "audience": audience,
        "change_id": change or "",
        "fen_text": fen_text,
    }
    if request.headers.get("hx-request"):
        return render(request, "prices_preview.html", context, user=user)
    return _page(request, user, **context)


@router.post("/prices/changes/{change_id}/{step}")
def move_change(
    request: Request, change_id: str, step: str, user: Operator, form: Posted
) -> Response:
    bk = backend(request)
    try:
        if step == "canary":
            group = str(form.get("group") or price_rollouts.DEFAULT_GROUP)
            price_rollouts.push_canary(bk, user, change_id, bk.now(), group)
        elif step == "all":
            price_rollouts.push_all(bk, user, change_id, bk.now())
        elif step == "rollback":
            price_rollouts.rollback(bk, user, change_id, bk.now())
        else:
            raise RuleError("not_found", step)
    except RuleError as exc:
        return _page(request, user, errors=errors_of(exc), status=exc.status)
    return done("/console/prices", f"ok.change_{step}")
