"""The FastAPI application: error handlers, body limit, the hold sweeper, the routers."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from datetime import datetime

from fastapi import APIRouter, FastAPI
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from backend_stub import (
    api_admin,
    api_calendar,
    api_catalog_admin,
    api_channels,
    api_gates,
    api_invoices,
    api_sales,
    api_seats,
    api_tickets,
)
from backend_stub.console import install as install_console
from backend_stub.console.catalog_side import pages_router as console_catalog_pages
from backend_stub.context import Backend
from backend_stub.http_errors import CatchCrashes, error_response, install_error_handlers
from backend_stub.openapi_errors import document_errors
from backend_stub.payments import routes as payments_routes
from backend_stub.payments.sweeper import payments_sweeper
from backend_stub.request_limits import RequestLimits
from backend_stub.services.alerts import alerts_loop
from backend_stub.services.calendar import top_up, top_up_when_due
from backend_stub.services.order_state import expire_due_holds
from backend_stub.services.personal_data import retention_when_due

log = logging.getLogger("backend_stub")
MAX_BODY_BYTES = 64 * 1024
SWEEP_SECONDS = 0.5
CRASH_MESSAGE = "a crash asked for by a test"  # not logged: an exception's message may quote data


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


class _Sweeper:
    """The jobs of one sweep, each in a transaction of its own that one worker process at a
    time may run (`store.sole`: a transaction-scoped advisory lock on PostgreSQL; the other
    workers skip that turn), so N workers expire each hold once."""

    def __init__(self, bk: Backend) -> None:
        self.bk = bk
        self.calendar_day = bk.today()  # topped up at start (lifespan)
        self.retention_ran: datetime | None = None

    def sweep(self) -> None:
        bk = self.bk
        try:
            with bk.store.sole("hold-sweeper") as mine:
                if mine:
                    expire_due_holds(bk, bk.now())
        except Exception:  # a failed sweep must not stop later sweeps
            log.exception("hold sweep failed")
        try:  # the calendar's rolling window, when the day turns
            with bk.store.sole("calendar-top-up") as mine:
                if mine:
                    self.calendar_day = top_up_when_due(bk, bk.now(), self.calendar_day)
        except Exception:
            log.exception("calendar top-up failed")
        try:  # closed orders past their retention lose their personal data, hourly
            with bk.store.sole("retention") as mine:
                if mine:
                    self.retention_ran = retention_when_due(bk, bk.now(), self.retention_ran)
        except Exception:
            log.exception("personal-data retention failed")


async def _sweep_holds(bk: Backend) -> None:
    """Every SWEEP_SECONDS, a sweep in a worker thread (its queries and lock waits never block
    the event loop)."""
    sweeper = _Sweeper(bk)
    while True:
        await asyncio.to_thread(sweeper.sweep)
        await asyncio.sleep(SWEEP_SECONDS)


def create_app(bk: Backend) -> FastAPI:
    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        top_up(bk, bk.today())  # the calendar's rolling window, before the first request
        task = asyncio.create_task(_sweep_holds(bk))
        payments_task = asyncio.create_task(payments_sweeper(bk))  # issue 15
        alerts_task = asyncio.create_task(alerts_loop(bk))  # console alerts (issue 14)
        yield
        task.cancel()
        payments_task.cancel()
        alerts_task.cancel()

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
    routers: list[APIRouter] = []
    for module in (
        api_sales,
        api_tickets,
        api_gates,
        api_channels,
        api_admin,
        api_calendar,
        api_invoices,
        api_catalog_admin,
    ):
        app.include_router(module.router, prefix="/api/v1")
        routers.append(module.router)
    app.include_router(api_seats.router, prefix="/api/v1")  # seated departures (issue 17)
    routers.append(api_seats.router)
    app.include_router(payments_routes.router, prefix="/api/v1")  # reconciliation (issue 15)
    routers.append(payments_routes.router)
    if bk.settings.demo:  # the payment simulator exists in demo mode only
        app.include_router(api_sales.simulator_router, prefix="/api/v1")
        routers.append(api_sales.simulator_router)
    document_errors(app, routers, prefix="/api/v1")  # every error status in /openapi.json
    install_console(app)  # the back-office console, /console (backend_stub/console/)
    app.include_router(console_catalog_pages())  # its catalog side (issue 13B)
    if bk.settings.crash_route_for_tests:
        app.add_api_route("/api/v1/_test/crash", _crash, include_in_schema=False)
    app.add_middleware(BodyLimit)
    app.add_middleware(RequestLimits, backend=bk)
    app.add_middleware(CatchCrashes)  # added last: the outermost
    return app


async def _crash() -> None:
    """Tests only (`--test-crash-route`): an unexpected exception, answered as a JSON 500."""
    raise RuntimeError(CRASH_MESSAGE)
