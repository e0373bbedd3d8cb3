"""CSRF: every form carries `csrf_token` (htmx sends it as the `X-CSRF-Token` header), and
`csrf_checked` refuses a POST without the right one (a 403 page).

The token is an HMAC of a random value held in an HttpOnly cookie (`kiosk_console_csrf`, set on
the first page) under the session key: a page of another site can neither read the cookie nor
compute the token. The login form is covered too (the cookie exists before any session).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from fastapi import Request, Response

from backend_stub.console import sessions
from backend_stub.console.errors import Refused

COOKIE = "kiosk_console_csrf"
FIELD = "csrf_token"
HEADER = "x-csrf-token"


def _seed(request: Request) -> str:
    """The browser's CSRF cookie value; a new one (set by `remember`) when it has none."""
    seed = request.cookies.get(COOKIE) or getattr(request.state, "csrf_seed", None)
    if not seed:
        seed = secrets.token_urlsafe(16)
        request.state.csrf_seed = seed
    return seed


def token(request: Request) -> str:
    key = sessions.secret(request)
    return hmac.new(key, b"csrf:" + _seed(request).encode(), hashlib.sha256).hexdigest()


def remember(request: Request, response: Response) -> None:
    """Set the CSRF cookie when this request made a new one."""
    seed = getattr(request.state, "csrf_seed", None)
    if seed and request.cookies.get(COOKIE) != seed:
        response.set_cookie(
            COOKIE,
            seed,
            path="/console",
            httponly=True,
            samesite="lax",
            secure=sessions.secure(request),
        )


async def csrf_checked(request: Request) -> None:
    """FastAPI dependency for every console POST: 403 without the right token (a GET, HEAD
    or OPTIONS passes: a router may take it for all its routes)."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    if not request.cookies.get(COOKIE):
        raise Refused("csrf")
    sent = request.headers.get(HEADER, "")
    if not sent:
        form = await request.form()
        value = form.get(FIELD)
        sent = value if isinstance(value, str) else ""
    if not sent or not hmac.compare_digest(sent, token(request)):
        raise Refused("csrf")
