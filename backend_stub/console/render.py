"""Pages from Jinja2 templates (`console/templates/`, each extends base.html): `render(request,
"page.html", {...}, user=...)` gives the HTMLResponse, with what every page needs in its
context: `t(key)` (the request's language), `lang`, `user`, `csrf_token`, `nav` (the pages this
user's role may open), `path`, `other_lang_url`."""

from __future__ import annotations

import functools
import importlib.util
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import HTMLResponse

from backend_stub.console import csrf, i18n
from backend_stub.console.device_labels import (
    alert_detail,
    device_badges,
    device_label,
    error_label,
)
from backend_stub.console.roles import ADMIN, FINANCE, OPERATIONS, VIEWER, allowed
from backend_stub.console.users import ConsoleUser

if TYPE_CHECKING:
    from jinja2 import Environment

TEMPLATES = Path(__file__).parent / "templates"


@functools.cache
def environment() -> Environment:
    """The templates' Jinja2 environment, made at the first page (not at the backend's start:
    a backend whose console nobody opens never imports Jinja2)."""
    from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals.update(
        alert_detail=alert_detail,
        device_badges=device_badges,
        device_label=device_label,
        error_label=error_label,
    )
    return env


@dataclass(frozen=True)
class NavItem:
    path: str  # under /console
    key: str  # its i18n label
    roles: tuple[str, ...]  # who sees it (admin always)


ALL = (OPERATIONS, FINANCE, VIEWER)
NAV = (
    NavItem("/console/", "nav.home", ()),
    NavItem("/console/catalog", "nav.catalog", ALL),
    NavItem("/console/calendar", "nav.calendar", ALL),
    NavItem("/console/prices", "nav.prices", ALL),
    NavItem("/console/coupons", "nav.coupons", ALL),
    NavItem("/console/members", "nav.members", ALL),
    NavItem("/console/staff", "nav.staff", ALL),
    NavItem("/console/kiosks", "nav.kiosks", ALL),
    NavItem("/console/orders", "nav.orders", ALL),  # issue 14: orders .. groups
    NavItem("/console/reports", "nav.reports", (FINANCE, VIEWER)),
    NavItem("/console/fleet", "nav.fleet", ALL),
    NavItem("/console/alerts", "nav.alerts", ALL),
    NavItem("/console/groups", "nav.groups", (OPERATIONS, FINANCE)),
    NavItem("/console/tokens", "nav.tokens", ALL),
    NavItem("/console/users", "nav.users", (ADMIN,)),
)


@functools.cache
def _page_exists(path: str) -> bool:
    """Whether the page module behind a menu entry is in this backend (`/console/kiosks` ->
    console/pages_kiosks.py): a page of another part appears once its module is there."""
    name = path.removeprefix("/console/").split("/")[0] or "home"
    return importlib.util.find_spec(f"backend_stub.console.pages_{name}") is not None


def nav_for(request: Request, user: ConsoleUser | None) -> list[dict[str, Any]]:
    """The menu: the pages this user's role may open."""
    if user is None:
        return []
    here = request.url.path
    out = []
    for item in NAV:
        if not _page_exists(item.path) or not allowed(user.role, item.roles):
            continue
        active = here == item.path or (item.path != "/console/" and here.startswith(item.path))
        out.append({"path": item.path, "key": item.key, "active": active})
    return out


def _with_lang(request: Request, lang: str) -> str:
    params = {k: v for k, v in request.query_params.items() if k != "ok"}
    params["lang"] = lang
    return f"{request.url.path}?{urlencode(params)}"


def _flash(request: Request) -> str | None:
    """`?ok=<key>` after a redirect: the key of a success message (only `ok.*` keys)."""
    key = request.query_params.get("ok", "")
    return key if key.startswith("ok.") and key in i18n.catalogue() else None


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    user: ConsoleUser | None = None,
    status: int = 200,
) -> HTMLResponse:
    lang = i18n.language(request)

    def t(key: str, **values: object) -> str:
        return i18n.text(key, lang, **values)

    ctx: dict[str, Any] = {
        "request": request,
        "t": t,
        "lang": lang,
        "user": user,
        "csrf_token": csrf.token(request),
        "nav": nav_for(request, user),
        "path": request.url.path,
        "other_lang": "en" if lang == "zh" else "zh",
        "other_lang_url": _with_lang(request, "en" if lang == "zh" else "zh"),
        "errors": {},
        "values": {},
        "flash": _flash(request),
        "roles": {"admin": ADMIN, "operations": OPERATIONS, "finance": FINANCE,
                  "viewer": VIEWER},
        "can": lambda *roles: user is not None and allowed(user.role, roles),
    }  # fmt: skip
    ctx.update(context or {})
    # each message also as `text`, in this language (the _form.html macros show that one)
    ctx["errors"] = {
        field: dict(message) | {"text": message.get(lang) or message.get("en", "")}
        for field, message in (ctx.get("errors") or {}).items()
    }
    html = environment().get_template(template).render(ctx)
    response = HTMLResponse(html, status_code=status)
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "same-origin"
    csrf.remember(request, response)
    if request.query_params.get("lang") in i18n.LANGS:
        response.set_cookie(
            i18n.LANG_COOKIE, lang, path="/console", max_age=365 * 86400, samesite="lax"
        )
    return response
