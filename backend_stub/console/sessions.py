"""Console sessions in a signed cookie (itsdangerous, HMAC-SHA256 over a key file).

The cookie carries the user id, the user's `session_epoch` when signed (a disable, role
change or new password raises it, which ends older sessions) and a random nonce (the CSRF
token is bound to it, csrf.py). It is HttpOnly, SameSite=Lax, Secure when the request came
over https, and expires after SESSION_SECONDS whatever the browser does (the signature's
timestamp is checked). The key is a file beside the database (`<db>.console-session.key`,
mode 0600, keyfiles.read_or_create_key), shared by the backend's workers.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from fastapi import Request, Response
from itsdangerous import BadSignature, URLSafeTimedSerializer

from backend_stub.keyfiles import default_key_path, read_or_create_key

COOKIE = "kiosk_console"
SESSION_SECONDS = 8 * 3600  # a working day
KEY_NAME = "console-session"


@dataclass(frozen=True)
class Session:
    user_id: int
    epoch: int
    nonce: str


def secret(request: Request) -> bytes:
    """The signing key (read once per process, from the key file beside the database)."""
    state = request.app.state
    key = getattr(state, "console_secret", None)
    if key is None:
        store = state.backend.store
        key = read_or_create_key(
            default_key_path(store.path, KEY_NAME), lambda: secrets.token_bytes(32)
        )
        state.console_secret = key
    return key


def _serializer(request: Request) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret(request), salt="console-session")


def read(request: Request) -> Session | None:
    raw = request.cookies.get(COOKIE)
    if not raw:
        return None
    try:
        data: Any = _serializer(request).loads(raw, max_age=SESSION_SECONDS)
    except BadSignature:  # (SignatureExpired included)
        return None
    try:
        return Session(int(data["u"]), int(data["e"]), str(data["n"]))
    except (KeyError, TypeError, ValueError):
        return None


def secure(request: Request) -> bool:
    proto = request.headers.get("x-forwarded-proto", request.url.scheme)
    return proto == "https"


def start(request: Request, response: Response, user_id: int, epoch: int) -> None:
    value = _serializer(request).dumps({"u": user_id, "e": epoch, "n": secrets.token_urlsafe(16)})
    response.set_cookie(
        COOKIE,
        value,
        max_age=SESSION_SECONDS,
        path="/console",
        httponly=True,
        samesite="lax",
        secure=secure(request),
    )


def end(response: Response) -> None:
    response.delete_cookie(COOKIE, path="/console")
