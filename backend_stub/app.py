"""The FastAPI application: error handlers, body limit, the hold sweeper, the routers."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from fastapi import FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from backend_stub import (
    api_admin,
    api_calendar,
    api_channels,
    api_gates,
    api_sales,
    api_tickets,
)
from backend_stub.context import Backend
from backend_stub.http_errors import error_response, install_error_handlers
from backend_stub.services.calendar import top_up, top_up_when_due
from backend_stub.services.order_state import expire_due_holds

log = logging.getLogger("backend_stub")
MAX_BODY_BYTES = 64 * 1024
SWEEP_SECONDS = 0.5


class BodyLimit:
    """Refuse bodies over MAX_BODY_BYTES with 413 before any route reads them."""

    def __init__(self, app: ASGIApp, limit: int = MAX_BODY_BYTES) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        length = headers.get(b"content-length")
        if length is not None:
            if not length.isdigit() or int(length) > self.limit:
                await error_response("body_too_large", f"limit {self.limit} bytes")(
                    scope, receive, send
                )
                return
            await self.app(scope, receive, send)
            return
        # no length (chunked): read it all, up to the limit, then replay it
        chunks, size, more = [], 0, True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                break
            chunks.append(message.get("body", b""))
            size += len(chunks[-1])
            more = message.get("more_body", False)
            if size > self.limit:
                await error_response("body_too_large", f"limit {self.limit} bytes")(
                    scope, receive, send
                )
                return
        body = b"".join(chunks)
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)


async def _sweep_holds(bk: Backend) -> None:
    calendar_day = bk.today()  # topped up at start (lifespan)
    while True:
        try:
            expire_due_holds(bk, bk.now())
        except Exception:  # a failed sweep must not stop later sweeps
            log.exception("hold sweep failed")
        try:  # the calendar's rolling window, when the day turns
            calendar_day = top_up_when_due(bk, bk.now(), calendar_day)
        except Exception:
            log.exception("calendar top-up failed")
        await asyncio.sleep(SWEEP_SECONDS)


def create_app(bk: Backend) -> FastAPI:
    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        top_up(bk, bk.today())  # the calendar's rolling window, before the first request
        task = asyncio.create_task(_sweep_holds(bk))
        yield
        task.cancel()

    app = FastAPI(
        title="Scenic kiosk backend",
        version="1",
        description="The bundled backend; this document is the contract a remote backend "
        "implements. Money is integer fen. Errors: "
        '{"error": {"code": ..., "message": {"zh": ..., "en": ...}}}.',
        lifespan=lifespan,
    )
    app.state.backend = bk
    install_error_handlers(app)
    for module in (api_sales, api_tickets, api_gates, api_channels, api_admin, api_calendar):
        app.include_router(module.router, prefix="/api/v1")
    app.add_middleware(BodyLimit)
    return app
