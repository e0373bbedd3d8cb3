"""API tokens page: a user makes tokens for himself (scoped to his role, or read-only), sees
each once, revokes them; an admin sees and revokes everyone's. A viewer's tokens can only
read (his role changes nothing, on a page or through the API)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from backend_stub.console import api_tokens
from backend_stub.console.audit import audit
from backend_stub.console.auth import ADMIN, VIEWER, ConsoleUser, page_user
from backend_stub.console.csrf import csrf_checked
from backend_stub.console.errors import Refused
from backend_stub.console.forms import Posted, one_error
from backend_stub.console.render import render
from backend_stub.console.roles import TOKEN_SCOPES

router = APIRouter(dependencies=[Depends(csrf_checked)])
Holder = Annotated[ConsoleUser, Depends(page_user())]
MAX_NAME = 60


def _page(request: Request, user: ConsoleUser, **ctx: Any) -> HTMLResponse:
    bk = request.app.state.backend
    status = ctx.pop("status", 200)
    mine = api_tokens.list_tokens(bk.store, None if user.role == ADMIN else user.id)
    context = {"tokens": mine, "scopes": TOKEN_SCOPES, "new_token": None,
               "values": {"scope": "role"}} | ctx  # fmt: skip
    return render(request, "tokens.html", context, user=user, status=status)


@router.get("/tokens", response_class=HTMLResponse)
def tokens_page(request: Request, user: Holder) -> HTMLResponse:
    return _page(request, user)


@router.post("/tokens")
def create_token(request: Request, user: Holder, data: Posted) -> Response:
    bk = request.app.state.backend
    name = str(data.get("name", "")).strip()
    scope = str(data.get("scope", "role"))
    if user.role == VIEWER:
        scope = "read"  # (a viewer's role reads only anyway; his token says so too)
    values = {"name": name, "scope": scope}
    errors = {}
    if not name or len(name) > MAX_NAME:
        errors |= one_error("name", "tokens.name_invalid")
    if scope not in TOKEN_SCOPES:
        errors |= one_error("scope", "tokens.scope_invalid")
    if errors:
        return _page(request, user, values=values, errors=errors, status=422)
    token = api_tokens.issue(bk.store, user.id, name, bk.now(), scope)
    audit(bk.store, user, "token.create", f"token:{name}", None,
          {"scope": scope, "starts": token[:8]}, at=bk.now())  # fmt: skip
    return _page(request, user, new_token=token)  # shown this once; the database keeps a hash


@router.post("/tokens/{token_id}/revoke")
def revoke_token(request: Request, token_id: int, user: Holder) -> Response:
    bk = request.app.state.backend
    row = api_tokens.get(bk.store, token_id)
    if row is None:
        raise Refused("not_found")
    if row["user_id"] != user.id and user.role != ADMIN:
        raise Refused("role")
    if api_tokens.revoke(bk.store, token_id, bk.now()):
        audit(bk.store, user, "token.revoke", f"token:{row['name']}", {"revoked": False},
              {"revoked": True}, at=bk.now())  # fmt: skip
    return RedirectResponse("/console/tokens?ok=ok.token_revoked", status_code=303)
