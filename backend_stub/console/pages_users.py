"""Users page (admin only): list, create, change role, disable/enable, reset a password.
Every change is audited; a role change, a disable or a new password ends the user's
sessions (users.update), and an admin cannot disable or demote himself."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from backend_stub.console import users
from backend_stub.console.audit import audit
from backend_stub.console.auth import ADMIN, ROLES, ConsoleUser, page_user
from backend_stub.console.csrf import csrf_checked
from backend_stub.console.errors import Refused
from backend_stub.console.forms import Posted, field_errors, one_error
from backend_stub.console.render import render

router = APIRouter(dependencies=[Depends(csrf_checked)])  # (csrf_checked passes a GET)
Admin = Annotated[ConsoleUser, Depends(page_user(ADMIN))]


def _list(request: Request, user: ConsoleUser, **ctx: Any) -> HTMLResponse:
    bk = request.app.state.backend
    status = ctx.pop("status", 200)
    context = {"users": users.list_users(bk.store), "role_names": ROLES} | ctx
    return render(request, "users.html", context, user=user, status=status)


@router.get("/users", response_class=HTMLResponse)
def users_page(request: Request, user: Admin) -> HTMLResponse:
    return _list(request, user, values={"role": "viewer"})


@router.post("/users")
def create_user(request: Request, user: Admin, data: Posted) -> Response:
    bk = request.app.state.backend
    values = {k: str(data.get(k, "")) for k in ("username", "display_name", "role")}
    password = str(data.get("password", ""))
    try:
        created = users.create(
            bk.store,
            values["username"].strip().lower(),
            values["role"],
            password,
            bk.now(),
            display_name=values["display_name"],
        )
    except users.AccountError as exc:
        return _list(request, user, values=values, errors=field_errors(exc), status=422)
    audit(bk.store, user, "user.create", f"user:{created.username}", None,
          {"role": created.role, "display_name": created.display_name}, at=bk.now())  # fmt: skip
    return RedirectResponse("/console/users?ok=ok.user_created", status_code=303)


def _target(request: Request, user_id: int) -> dict[str, Any]:
    row = users.get(request.app.state.backend.store, user_id)
    if row is None:
        raise Refused("not_found")
    return row


def _edit(request: Request, user: ConsoleUser, row: dict[str, Any], **ctx: Any) -> HTMLResponse:
    status = ctx.pop("status", 200)
    context = {"target": row, "role_names": ROLES, "values": {"role": row["role"]}} | ctx
    return render(request, "user_edit.html", context, user=user, status=status)


@router.get("/users/{user_id}", response_class=HTMLResponse)
def user_page(request: Request, user_id: int, user: Admin) -> HTMLResponse:
    return _edit(request, user, _target(request, user_id))


@router.post("/users/{user_id}/role")
def change_role(request: Request, user_id: int, user: Admin, form: Posted) -> Response:
    bk = request.app.state.backend
    row = _target(request, user_id)
    role = str(form.get("role", ""))
    if role not in ROLES:
        return _edit(request, user, row, errors=one_error("role", "auth.role_invalid"), status=422)
    if row["id"] == user.id and role != ADMIN:
        errors = one_error("role", "auth.not_yourself")
        return _edit(request, user, row, errors=errors, status=422)
    if role != row["role"]:
        users.update(bk.store, row["id"], bk.now(), role=role)
        audit(bk.store, user, "user.role", f"user:{row['username']}", {"role": row["role"]},
              {"role": role}, at=bk.now())  # fmt: skip
    return RedirectResponse(f"/console/users/{user_id}?ok=ok.user_updated", status_code=303)


@router.post("/users/{user_id}/disabled")
def set_disabled(request: Request, user_id: int, user: Admin, form: Posted) -> Response:
    bk = request.app.state.backend
    row = _target(request, user_id)
    disabled = 1 if str(form.get("disabled", "")) == "1" else 0
    if row["id"] == user.id and disabled:
        errors = one_error("_form", "auth.not_yourself")
        return _edit(request, user, row, errors=errors, status=422)
    if disabled != row["disabled"]:
        users.update(bk.store, row["id"], bk.now(), disabled=disabled)
        audit(bk.store, user, "user.disable" if disabled else "user.enable",
              f"user:{row['username']}", {"disabled": bool(row["disabled"])},
              {"disabled": bool(disabled)}, at=bk.now())  # fmt: skip
    return RedirectResponse(f"/console/users/{user_id}?ok=ok.user_updated", status_code=303)


@router.post("/users/{user_id}/password")
def reset_password(request: Request, user_id: int, user: Admin, form: Posted) -> Response:
    bk = request.app.state.backend
    row = _target(request, user_id)
    password = str(form.get("password", ""))
    try:
        users.set_password(bk.store, row["id"], password, bk.now())
    except users.AccountError as exc:
        return _edit(request, user, row, errors=field_errors(exc), status=422)
    audit(bk.store, user, "user.password_reset", f"user:{row['username']}", at=bk.now())
    return RedirectResponse(f"/console/users/{user_id}?ok=ok.password_reset", status_code=303)
