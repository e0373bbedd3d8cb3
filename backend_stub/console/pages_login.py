"""Log in and out."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from backend_stub.console import sessions, users
from backend_stub.console.audit import audit
from backend_stub.console.auth import current_user, safe_next
from backend_stub.console.csrf import csrf_checked
from backend_stub.console.forms import form_data
from backend_stub.console.render import render

router = APIRouter()


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: str = "/console/") -> Response:
    if current_user(request) is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return render(request, "login.html", {"next": safe_next(next), "values": {}})


@router.post("/login", dependencies=[Depends(csrf_checked)])
async def login_post(request: Request) -> Response:
    """`async` (console.users.log_in: its store parts in the threadpool, the password check on
    its own threads); every other page is a plain `def` (docs/console.md)."""
    bk = request.app.state.backend
    data = await form_data(request)
    username = str(data.get("username", "")).strip()
    password = str(data.get("password", ""))
    target = safe_next(str(data.get("next", "")))
    ctx = {"next": target, "values": {"username": username}}
    if not username or not password:
        missing = "username" if not username else "password"
        errors = {missing: {"zh": "必填", "en": "Required"}}
        return render(request, "login.html", ctx | {"errors": errors}, status=422)
    ip = request.client.host if request.client else "unknown"
    result = await users.log_in(bk.store, username, password, ip, bk.now())
    if result.user is None:
        ctx["login_error"] = result.error
        ctx["wait_seconds"] = result.wait_seconds
        status = 429 if result.error == "auth.locked" else 401
        return render(request, "login.html", ctx, status=status)
    response = RedirectResponse(target, status_code=303)
    sessions.start(request, response, result.user.id, result.epoch)
    target_user = f"user:{result.user.username}"
    await run_in_threadpool(audit, bk.store, result.user, "login", target_user, at=bk.now())
    return response


@router.post("/logout", dependencies=[Depends(csrf_checked)])
def logout(request: Request) -> Response:
    response = RedirectResponse("/console/login", status_code=303)
    sessions.end(response)
    return response
