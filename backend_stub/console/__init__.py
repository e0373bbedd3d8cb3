"""The back-office console: server-rendered pages under /console (FastAPI + Jinja2 + htmx,
every file vendored in static/), in Chinese and English.

`router` holds every page's router; `install(app)` mounts it, the static files and the
handlers that turn a missing session into the login page and a refusal into a 403 page.
The frame: auth.py (roles, `page_user`, `api_user`), sessions.py (signed cookie), csrf.py,
render.py (templates, `t()`), forms.py (per-field messages), audit.py, users.py,
api_tokens.py. docs/console.md tells the whole.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from backend_stub.console import (
    pages_alerts,
    pages_fleet,
    pages_groups,
    pages_home,
    pages_kiosks,
    pages_login,
    pages_orders,
    pages_reports,
    pages_tokens,
    pages_users,
)
from backend_stub.console.auth import quote_next
from backend_stub.console.errors import LoginRequired, Refused
from backend_stub.console.render import render

STATIC = Path(__file__).parent / "static"

router = APIRouter(prefix="/console", include_in_schema=False)
router.include_router(pages_login.router)
router.include_router(pages_home.router)
router.include_router(pages_users.router)
router.include_router(pages_tokens.router)
router.include_router(pages_kiosks.router)
router.include_router(pages_orders.router)  # the day's work (issue 14)
router.include_router(pages_reports.router)
router.include_router(pages_fleet.router)
router.include_router(pages_alerts.router)
router.include_router(pages_groups.router)


async def _to_home() -> RedirectResponse:
    return RedirectResponse("/console/", status_code=307)


def install(app: FastAPI) -> None:
    """Mount the console on the backend's app."""
    app.include_router(router)
    app.add_api_route("/console", _to_home, include_in_schema=False)
    app.mount("/console/static", StaticFiles(directory=STATIC), name="console-static")

    @app.exception_handler(LoginRequired)
    async def to_login(request: Request, exc: LoginRequired) -> Response:
        target = f"/console/login?next={quote_next(exc.next_url)}"
        if request.headers.get("hx-request"):  # htmx: the whole page goes
            return Response(status_code=204, headers={"HX-Redirect": target})
        return RedirectResponse(target, status_code=303)

    @app.exception_handler(Refused)
    async def refused(request: Request, exc: Refused) -> HTMLResponse:
        user = getattr(request.state, "console_user", None)
        return render(request, "refused.html", {"why": exc.why}, user=user, status=exc.status)
