"""Coupons page: every coupon with its terms, validity, use limit and how often it was used;
a new coupon (one shared code, or a batch of single-use codes, shown once after issuing);
switch one off or on. Operations change; others read (services.coupons_admin)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from backend_stub.console.admin_pages import Operator, Reader, backend, done, errors_of
from backend_stub.console.csrf import csrf_checked
from backend_stub.console.errors import Refused
from backend_stub.console.forms import Posted
from backend_stub.console.render import render
from backend_stub.console.users import ConsoleUser
from backend_stub.services import coupons_admin
from kiosk.domain.errors import RuleError

router = APIRouter(dependencies=[Depends(csrf_checked)])


def _page(request: Request, user: ConsoleUser, **ctx: Any) -> HTMLResponse:
    bk = backend(request)
    status = ctx.pop("status", 200)
    now = bk.now()
    defaults = {
        "kind": "amount",
        "count": "1",
        "usage_limit": "0",
        "valid_from": now.strftime("%Y-%m-%dT%H:%M"),
        "valid_until": (now + timedelta(days=30)).strftime("%Y-%m-%dT%H:%M"),
    }
    context = {
        "coupons": coupons_admin.list_coupons(bk),
        "products": bk.store.all("SELECT id, name_zh, name_en FROM products ORDER BY sort, id"),
        "values": defaults,
        "now": now.isoformat(),
        "issued": [],
    } | ctx
    return render(request, "coupons.html", context, user=user, status=status)


@router.get("/coupons", response_class=HTMLResponse)
def coupons_page(request: Request, user: Reader) -> HTMLResponse:
    return _page(request, user)


@router.post("/coupons")
def new_coupons(request: Request, user: Operator, form: Posted) -> Response:
    bk = backend(request)
    try:
        codes = coupons_admin.create_coupons(bk, user, form, bk.now())
    except RuleError as exc:
        return _page(request, user, values=form, errors=errors_of(exc), status=422)
    if len(codes) == 1:
        return done("/console/coupons", "ok.coupon_saved")
    return _page(request, user, issued=codes, flash="ok.coupons_issued")


@router.post("/coupons/{code}/active")
def toggle(request: Request, code: str, user: Operator, form: Posted) -> Response:
    on = str(form.get("active", "")) == "1"
    try:
        coupons_admin.set_active(backend(request), user, code, on)
    except RuleError as exc:
        raise Refused("not_found") from exc
    return done("/console/coupons", "ok.coupon_saved")
