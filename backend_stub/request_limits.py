"""Per-address limits, before any route runs (an ASGI middleware): the ops and channel API per
client address (`Settings.limits.ops_per_ip`), and failed sign-ins: every refused token (a 401
with `WWW-Authenticate`; not a wrong staff PIN, services.staff_pins locks those out) takes a
token from the address's `auth_failures_per_ip` bucket, and while that bucket is empty the
address gets 429 `rate_limited` (with `Retry-After`) for every call, so token guessing stalls.
The buckets are the Backend's `limiter` (backend_stub.rate_limiter)."""

from __future__ import annotations

import math

from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from backend_stub.context import Backend
from kiosk.domain.errors import error_body

OPS_PREFIXES = ("/api/v1/ops/", "/api/v1/channels/")


class RequestLimits:
    def __init__(self, app: ASGIApp, backend: Backend) -> None:
        self.app, self.bk = app, backend

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limits, limiter = self.bk.settings.limits, self.bk.limiter
        client = scope.get("client")
        address = client[0] if client else "unknown"
        wait = limiter.wait_needed("auth_failures_ip", address, limits.auth_failures_per_ip)
        if wait == 0 and scope["path"].startswith(OPS_PREFIXES):
            wait = limiter.take("ops_ip", address, limits.ops_per_ip)
        if wait > 0:
            await _too_many(wait)(scope, receive, send)
            return

        async def watch(message: Message) -> None:
            if (
                message["type"] == "http.response.start"
                and message["status"] == 401
                and any(k.lower() == b"www-authenticate" for k, _ in message.get("headers", ()))
            ):
                limiter.take("auth_failures_ip", address, limits.auth_failures_per_ip)
            await send(message)

        await self.app(scope, receive, watch)


def _too_many(wait: float) -> JSONResponse:
    seconds = max(1, math.ceil(wait))
    body = error_body(
        "rate_limited", f"retry in {seconds} s", f"{seconds}秒后再试", {"retry_after_s": seconds}
    )
    return JSONResponse(body, status_code=429, headers={"Retry-After": str(seconds)})
