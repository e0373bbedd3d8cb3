"""The FastAPI application: error mapping, body limit, auth dependencies, routers."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import secrets
from collections.abc import AsyncIterator
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from backend_stub.context import Backend
from kiosk.domain.errors import RuleError, error_body

log = logging.getLogger("backend_stub")
MAX_BODY_BYTES = 64 * 1024
SWEEP_SECONDS = 0.5


def error_response(code: str, detail: str = "", status: int | None = None) -> JSONResponse:
    info_status = RuleError(code).status if status is None else status
    return JSONResponse(error_body(code, detail), status_code=info_status)


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


def _field_message(errors: list[Any]) -> str:
    parts = []
    for err in errors[:3]:
        loc = ".".join(str(x) for x in err.get("loc", ()) if x != "body") or "body"
        parts.append(f"{loc}: {err.get('msg', 'invalid')}")
    return "; ".join(parts)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(RuleError)
    async def rule_error(_: Request, exc: RuleError) -> JSONResponse:
        return error_response(exc.code, exc.detail)

    @app.exception_handler(RequestValidationError)
    async def invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = list(exc.errors())
        if any(e.get("type") == "json_invalid" for e in errors):
            return error_response("malformed_json")
        return error_response("invalid_request", _field_message(errors))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 405:
            return error_response("method_not_allowed")
        if exc.status_code == 404:
            return error_response("not_found")
        return error_response("invalid_request", str(exc.detail), status=exc.status_code)

    @app.exception_handler(Exception)
    async def crashed(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error: %s", type(exc).__name__)
        return error_response("internal_error")


def bearer(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


# dependencies are `async def`: FastAPI runs a plain `def` dependency in a worker thread,
# a thread hop per dependency per request (measured: the biggest cost after the socket)


async def kiosk_auth(request: Request) -> str:
    """The kiosk id behind the request's bearer token (FastAPI dependency)."""
    bk: Backend = request.app.state.backend
    kiosk_id = bk.kiosk_for_token(bearer(request))
    if kiosk_id is None:
        raise RuleError("unauthorized")
    return kiosk_id


async def ops_auth(request: Request) -> None:
    bk: Backend = request.app.state.backend
    if not secrets.compare_digest(bearer(request), bk.settings.ops_token):
        raise RuleError("ops_unauthorized")


async def get_backend(request: Request) -> Backend:
    return request.app.state.backend


async def _sweep_holds(bk: Backend) -> None:
    from backend_stub.services.order_state import expire_due_holds

    while True:
        try:
            expire_due_holds(bk, bk.now())
        except Exception:  # a failed sweep must not stop later sweeps
            log.exception("hold sweep failed")
        await asyncio.sleep(SWEEP_SECONDS)


def create_app(bk: Backend) -> FastAPI:
    @contextlib.asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
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
    from backend_stub import api_admin, api_sales, api_tickets

    for module in (api_sales, api_tickets, api_admin):
        app.include_router(module.router, prefix="/api/v1")
    app.add_middleware(BodyLimit)
    return app
