"""Every error as a JSON body with a stable code and a zh/en message: the helper that builds
one, and the handlers that turn rule errors, invalid requests, HTTP errors and crashes into it.

A crash answers a JSON 500 and the connection stays open (`CatchCrashes`): Starlette's own
handler for `Exception` re-raises after answering, and uvicorn then closes the connection."""

from __future__ import annotations

import logging
import traceback
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from backend_stub.openapi_errors import allowed_methods
from kiosk.domain.errors import ERRORS, RuleError, error_body

log = logging.getLogger("backend_stub")
TOKEN_REFUSALS = ("unauthorized", "ops_unauthorized")  # no token, or not one we know


def error_response(code: str, detail: str = "", status: int | None = None) -> JSONResponse:
    info_status = RuleError(code).status if status is None else status
    return JSONResponse(error_body(code, detail), status_code=info_status)


def _field_message(errors: list[Any]) -> str:
    parts = []
    for err in errors[:3]:
        loc = ".".join(str(x) for x in err.get("loc", ()) if x != "body") or "body"
        parts.append(f"{loc}: {err.get('msg', 'invalid')}")
    return "; ".join(parts)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(RuleError)
    async def rule_error(_: Request, exc: RuleError) -> JSONResponse:
        body = error_body(exc.code, exc.detail, exc.detail_zh, exc.extra)
        headers = {}
        wait = exc.extra.get("retry_after_s")  # a 429 of services.limits
        if wait is not None:
            headers["Retry-After"] = str(wait)
        if exc.code in TOKEN_REFUSALS:  # RFC 6750; request_limits counts these per address
            headers["WWW-Authenticate"] = "Bearer"
        return JSONResponse(body, status_code=exc.status, headers=headers or None)

    @app.exception_handler(RequestValidationError)
    async def invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = list(exc.errors())
        if any(e.get("type") == "json_invalid" for e in errors):
            return error_response("malformed_json")
        # a validator that names a code of its own (schemas.Text: invalid_characters)
        own = [e for e in errors if e.get("type") in ERRORS and e.get("type") != "internal_error"]
        if own:
            return error_response(own[0]["type"], _field_message(own))
        return error_response("invalid_request", _field_message(errors))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        if exc.status_code == 405:  # with every method the path takes (RFC 9110)
            answer = error_response("method_not_allowed")
            answer.headers.update(exc.headers or {})
            allowed = allowed_methods(request.app, request.url.path)
            if allowed:
                answer.headers["Allow"] = ", ".join(allowed)
            return answer
        if exc.status_code == 404:
            return error_response("not_found")
        return error_response("invalid_request", str(exc.detail), status=exc.status_code)

    @app.exception_handler(Exception)
    async def crashed(_: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error: %s", type(exc).__name__)
        return error_response("internal_error")


class CatchCrashes:
    """The outermost middleware: an exception no handler took becomes a JSON 500
    (`internal_error`) and the connection stays usable for the client's next request. The log
    gets the exception's type and where it was raised, not its message: that may quote what a
    request carried (personal data is never logged)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def watch(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, watch)
        except Exception as exc:
            where = "".join(traceback.format_tb(exc.__traceback__))
            log.error(
                "unhandled %s in %s %s\n%s",
                type(exc).__name__,
                scope.get("method"),
                scope.get("path"),
                where,
            )
            if started:  # half an answer sent: nothing to add, the connection must close
                raise
            await error_response("internal_error")(scope, receive, send)
