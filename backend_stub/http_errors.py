"""Every error as a JSON body with a stable code and a zh/en message: the helper that builds
one, and the handlers that turn rule errors, invalid requests, HTTP errors and crashes into it."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from kiosk.domain.errors import RuleError, error_body

log = logging.getLogger("backend_stub")


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
        return JSONResponse(body, status_code=exc.status)

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
