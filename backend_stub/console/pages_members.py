"""Members page: the members (names and phones masked), one member's tier, points and ledger;
change a tier; adjust points with a reason (appended to the ledger). Operations change;
others read (services.members_admin)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from backend_stub.console.admin_pages import Operator, Reader, backend, done, errors_of
from backend_stub.console.csrf import csrf_checked
from backend_stub.console.errors import Refused
from backend_stub.console.forms import Posted
from backend_stub.console.render import render
from backend_stub.console.users import ConsoleUser
from backend_stub.services import members_admin
from kiosk.domain.errors import RuleError

router = APIRouter(dependencies=[Depends(csrf_checked)])


def _page(request: Request, user: ConsoleUser, member_id: str | None, **ctx: Any) -> HTMLResponse:
    bk = backend(request)
    status = ctx.pop("status", 200)
    chosen = None
    if member_id:
        try:
            chosen = members_admin.member(bk, member_id)
        except RuleError as exc:
            raise Refused("not_found") from exc
    context = {
        "members": members_admin.list_members(bk),
        "tiers": members_admin.tiers(bk),
        "member": chosen,
    } | ctx
    return render(request, "members.html", context, user=user, status=status)


@router.get("/members", response_class=HTMLResponse)
def members_page(request: Request, user: Reader, id: str | None = None) -> HTMLResponse:
    return _page(request, user, id)


@router.get("/members/{member_id}", response_class=HTMLResponse)
def member_page(request: Request, member_id: str, user: Reader) -> HTMLResponse:
    return _page(request, user, member_id)


@router.post("/members/{member_id}/points")
def adjust(request: Request, member_id: str, user: Operator, form: Posted) -> Response:
    bk = backend(request)
    try:
        members_admin.adjust_points(bk, user, member_id, form, bk.now())
    except RuleError as exc:
        if exc.code == "member_not_found":
            raise Refused("not_found") from exc
        return _page(request, user, member_id, values=form, errors=errors_of(exc), status=422)
    return done(f"/console/members/{member_id}", "ok.points_adjusted")


@router.post("/members/{member_id}/tier")
def tier(request: Request, member_id: str, user: Operator, form: Posted) -> Response:
    bk = backend(request)
    try:
        members_admin.set_tier(bk, user, member_id, form)
    except RuleError as exc:
        if exc.code == "member_not_found":
            raise Refused("not_found") from exc
        return _page(request, user, member_id, errors=errors_of(exc), status=422)
    return done(f"/console/members/{member_id}", "ok.tier_saved")
