"""Who is calling the console and what their role lets them do.

- Pages: `page_user(*roles)` -> a dependency giving the signed-in `ConsoleUser`; no session
  (or an expired, or one ended by a disable/role change/new password) -> 303 to
  /console/login?next=...; a role not in `roles` -> 403 page. Admin passes every check;
  no roles = any signed-in user.
- The JSON ops API: `api_user(*roles)` -> a dependency giving the `ConsoleUser` of the
  request's `Authorization: Bearer <per-user API token>` (console.api_tokens); 401
  `ops_unauthorized` / 403 `ops_forbidden` JSON errors (kiosk/domain/errors.py). A `read`
  token may only GET.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import quote

from fastapi import Request

from backend_stub.console import api_tokens, sessions, users
from backend_stub.console.errors import LoginRequired, Refused
from backend_stub.console.roles import (
    ADMIN,
    API_WRITERS,
    FINANCE,
    OPERATIONS,
    ROLES,
    VIEWER,
    allowed,
)
from backend_stub.console.users import ConsoleUser
from backend_stub.services import credentials
from kiosk.domain.errors import RuleError

__all__ = [
    "ADMIN",
    "API_WRITERS",
    "FINANCE",
    "OPERATIONS",
    "ROLES",
    "VIEWER",
    "ConsoleUser",
    "api_user",
    "bearer",
    "current_user",
    "ops_caller",
    "page_user",
]
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def current_user(request: Request) -> ConsoleUser | None:
    """The user of this request's session cookie, or None."""
    session = sessions.read(request)
    if session is None:
        return None
    row = users.get(request.app.state.backend.store, session.user_id)
    if row is None or row["disabled"] or row["session_epoch"] != session.epoch:
        return None
    return users.user_of(row)


def page_user(*roles: str) -> Callable[[Request], ConsoleUser]:
    """Plain `def` (FastAPI runs it in its threadpool: the store query never blocks the
    event loop)."""

    def dependency(request: Request) -> ConsoleUser:
        user = current_user(request)
        if user is None:
            target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
            if request.method not in SAFE_METHODS:  # (after a POST: back to the page)
                target = request.headers.get("hx-current-url") or request.url.path
            raise LoginRequired(target)
        if not allowed(user.role, roles):
            raise Refused("role")
        request.state.console_user = user
        return user

    return dependency


def bearer(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def token_user(request: Request, roles: tuple[str, ...]) -> ConsoleUser:
    """The API token's user when its role (and the token's scope) allow this call."""
    bk = request.app.state.backend
    held = api_tokens.holder(bk.store, bearer(request), bk.now())
    if held is None:
        raise RuleError("ops_unauthorized")
    if held.scope == "read" and request.method not in SAFE_METHODS:
        raise RuleError("ops_forbidden", "this token may only read")
    if not allowed(held.role, roles):
        raise RuleError("ops_forbidden", f"role {held.role}")
    user = ConsoleUser(held.user_id, held.username, held.display_name, held.role)
    request.state.console_user = user
    return user


def api_user(*roles: str) -> Callable[[Request], ConsoleUser]:
    def dependency(request: Request) -> ConsoleUser:
        return token_user(request, roles)

    dependency.__name__ = "ops_auth"  # openapi_errors: 401/403 and the opsToken scheme
    return dependency


def quote_next(url: str) -> str:
    return quote(url, safe="/")


def safe_next(url: str | None) -> str:
    """Where to go after logging in: a console path only (never another site)."""
    if not url or not url.startswith("/console") or url.startswith("//") or "\\" in url:
        return "/console/"
    return url


def ops_caller(request: Request) -> ConsoleUser | None:
    """The ops API's check (deps.ops_auth): a per-user API token whose role allows this call
    (any role may read; API_WRITERS may write), or a machine ops credential
    (services.credentials, `--ops-token` / `kiosk backend issue-token --ops`: the operations
    role; None). A token the console knows is judged by the console alone: revoking it there
    stops it at once, even where the same value was also registered as a machine credential
    (the demo's `demo-ops-token`)."""
    bk = request.app.state.backend
    token = bearer(request)
    digest = api_tokens.token_hash(token) if token else ""
    if digest and api_tokens.known_hash(bk.store, digest):
        roles = () if request.method in SAFE_METHODS else API_WRITERS
        return token_user(request, roles)
    if credentials.subject_for(bk.store, credentials.OPS, token) is not None:
        return None
    raise RuleError("ops_unauthorized")
