"""Staff page: the kiosks' staff (maintenance mode) with role, staff card and state; a new
staff member, a card change, a PIN reset (never shown again), disable/enable (a disabled
member's PIN is refused at once). Operations change; others read (services.staff_admin)."""

from __future__ import annotations

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
from backend_stub.services import staff_admin
from kiosk.domain.errors import RuleError

router = APIRouter(dependencies=[Depends(csrf_checked)])


def _page(request: Request, user: ConsoleUser, **ctx: Any) -> HTMLResponse:
    status = ctx.pop("status", 200)
    context = {
        "staff": staff_admin.list_staff(backend(request)),
        "roles_staff": staff_admin.ROLES,
        "values": {"role": "operator"},
        "row_errors": {},
        "row_for": "",
    } | ctx
    return render(request, "staff.html", context, user=user, status=status)


@router.get("/staff", response_class=HTMLResponse)
def staff_page(request: Request, user: Reader) -> HTMLResponse:
    return _page(request, user)


@router.post("/staff")
def new_staff(request: Request, user: Operator, form: Posted) -> Response:
    try:
        staff_admin.create_staff(backend(request), user, form)
    except RuleError as exc:
        return _page(request, user, values=form, errors=errors_of(exc), status=422)
    return done("/console/staff", "ok.staff_saved")


@router.post("/staff/{staff_id}/{what}")
def change(request: Request, staff_id: str, what: str, user: Operator, form: Posted) -> Response:
    bk = backend(request)
    try:
        if what == "pin":
            staff_admin.reset_pin(bk, user, staff_id, form)
        elif what == "card":
            staff_admin.set_card(bk, user, staff_id, form)
        elif what == "disabled":
            staff_admin.set_disabled(bk, user, staff_id, str(form.get("disabled")) == "1")
        else:
            raise Refused("not_found")
    except RuleError as exc:
        if exc.code == "not_found":
            raise Refused("not_found") from exc
        return _page(
            request,
            user,
            row_errors=localized(request, errors_of(exc)),
            row_for=staff_id,
            status=422,
        )
    return done("/console/staff", "ok.pin_reset" if what == "pin" else "ok.staff_saved")
