"""Every error status a route answers, in the OpenAPI document, with the one error body
(`{"error": {"code", "message": {"zh", "en"}, ...}}`), so a client generated from
`/openapi.json` handles them.

Two halves:

- `errors(404, 409, ...)`: what a route's own rules answer, in its decorator
  (`@router.post(..., responses=errors(404, 409))`); `replayed(...)` / `accepted(...)` add the
  other success statuses an idempotent route answers.
- `document_errors(app, routers)`: what every route of a kind answers, added when the
  document is built: 401 for a route behind a token (its dependency is `kiosk_auth` or
  `ops_auth`; the route also gets its `security` scheme), 422 for one that takes parameters or
  a body (FastAPI's own 422 schema is replaced: our 422 is the error body), 400 and 413 for one
  that takes a body, and 429 (with `Retry-After`) for every route: the per-address limits
  (request_limits.py) answer it before any route runs, and the lookup, gate, PIN and hold
  limits inside some.

tests/backend/test_finding_8_openapi.py reads `/openapi.json` and checks this route by route; the
schemathesis run (tests/backend/test_fuzz_schemathesis.py) checks every answer against it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute
from pydantic import BaseModel, ConfigDict, Field

from kiosk.domain.errors import ERRORS


class ErrorMessage(BaseModel):
    zh: str = Field(description="中文")
    en: str = Field(description="English")


class ErrorDetail(BaseModel):
    model_config = ConfigDict(extra="allow")

    code: str = Field(description="a stable machine code: a key of kiosk/domain/errors.py")
    message: ErrorMessage


class ErrorBody(BaseModel):
    """Every error answer. `error` may carry more fields next to `message` (a roster's `rows`,
    a channel's `channel`)."""

    error: ErrorDetail


WHY: dict[int, str] = {
    400: "Malformed JSON",
    401: "Missing or invalid token (or a wrong staff PIN)",
    402: "The payment was declined",
    403: "Not allowed for this credential",
    404: "Not found",
    409: "Refused by a rule in the current state",
    413: "The request body is over 64 KiB",
    422: "Invalid request: a field named in the message, or a rule about its value",
    429: "Too many requests: wait `Retry-After` seconds",
    503: "Not available on this backend now (e.g. no payment provider configured)",
}
ERROR_REF = {"$ref": "#/components/schemas/ErrorBody"}
SCHEMES = {"kiosk_auth": "kioskToken", "ops_auth": "opsToken"}
SECURITY_SCHEMES = {
    "kioskToken": {
        "type": "http",
        "scheme": "bearer",
        "description": "a kiosk's token (bound to its kiosk id)",
    },
    "opsToken": {
        "type": "http",
        "scheme": "bearer",
        "description": "the back office's token (/ops/*, /channels/*)",
    },
}


def _described(status: int) -> str:
    codes = sorted(code for code, info in ERRORS.items() if info.status == status)
    listed = ", ".join(f"`{c}`" for c in codes)
    return f"{WHY[status]}. Codes: {listed}." if codes else f"{WHY[status]}."


def _error_response(status: int) -> dict[str, Any]:
    answer: dict[str, Any] = {
        "description": _described(status),
        "content": {"application/json": {"schema": ERROR_REF}},
    }
    if status == 429:
        answer["headers"] = {
            "Retry-After": {
                "description": "seconds to wait before trying again",
                "required": True,
                "schema": {"type": "integer", "minimum": 0},
            }
        }
    return answer


def errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """`responses=` for a route decorator: the error statuses its own rules answer."""
    unknown = set(statuses) - set(WHY)
    if unknown:
        raise ValueError(f"no description for status {sorted(unknown)}")
    return {status: _error_response(status) for status in statuses}


def replayed(**more: Any) -> dict[int | str, dict[str, Any]]:
    """A 201 route answers 200 with the first answer to a replay (the same Idempotency-Key,
    channel order id or group reference)."""
    return {200: {"description": "A replay: the first answer again"}} | more


def accepted(description: str) -> dict[int | str, dict[str, Any]]:
    return {202: {"description": description}}


def _calls(dependant: Dependant) -> Iterable[Callable[..., Any]]:
    for dep in dependant.dependencies:
        if dep.call is not None:
            yield dep.call
        yield from _calls(dep)


def _takes_parameters(dependant: Dependant) -> bool:
    flat = [dependant, *_all(dependant)]
    return any(d.path_params or d.query_params or d.header_params or d.body_params for d in flat)


def _all(dependant: Dependant) -> Iterable[Dependant]:
    for dep in dependant.dependencies:
        yield dep
        yield from _all(dep)


def _route_statuses(route: APIRoute) -> tuple[set[int], list[str]]:
    """The statuses every route of its kind answers, and its security schemes."""
    statuses: set[int] = {429}
    schemes: list[str] = []
    for call in _calls(route.dependant):
        name = getattr(call, "__name__", "")
        if name in SCHEMES:
            statuses.add(401)
            schemes.append(SCHEMES[name])
        if name == "ops_auth":  # a console user's token whose role may not (ops_forbidden)
            statuses.add(403)
    if _takes_parameters(route.dependant):
        statuses.add(422)
    if route.body_field is not None:
        statuses |= {400, 413}
    return statuses, schemes


def document_errors(app: FastAPI, routers: Iterable[APIRouter], prefix: str = "") -> None:
    """Build the app's OpenAPI document with every error status of every route of `routers`
    (included in `app` under `prefix`), once, then cached as FastAPI does."""
    routes = [r for router in routers for r in router.routes if isinstance(r, APIRoute)]

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        doc = get_openapi(
            title=app.title,
            version=app.version,
            description=app.description,
            routes=app.routes,
        )
        components = doc.setdefault("components", {})
        schemas = components.setdefault("schemas", {})
        for model in (ErrorMessage, ErrorDetail, ErrorBody):
            schemas[model.__name__] = model.model_json_schema(
                ref_template="#/components/schemas/{model}"
            )
            schemas[model.__name__].pop("$defs", None)
        schemas.pop("HTTPValidationError", None)
        schemas.pop("ValidationError", None)
        components.setdefault("securitySchemes", {}).update(SECURITY_SCHEMES)
        for route in routes:
            if not route.include_in_schema:
                continue
            statuses, schemes = _route_statuses(route)
            path = doc["paths"].get(prefix + route.path_format, {})
            for method in route.methods:
                operation = path.get(method.lower())
                if operation is None:
                    continue
                responses = operation.setdefault("responses", {})
                for status in sorted(statuses | _declared_errors(responses)):
                    responses[str(status)] = _error_response(status)
                if schemes:
                    operation["security"] = [{scheme: []} for scheme in schemes]
        app.openapi_schema = doc
        return doc

    app.openapi = openapi  # type: ignore[method-assign]


def allowed_methods(app: FastAPI, path: str) -> list[str]:
    """The methods the document lists for `path` (a literal route before a template, e.g.
    /ops/gates/counts before /ops/gates/{gate_id}), for a 405's `Allow`: the router alone
    names only the first route that matched the path, not every route on it."""
    paths = app.openapi().get("paths", {})
    matching = [path] if path in paths else [t for t in paths if _template(t).fullmatch(path)]
    methods = {m.upper() for t in matching for m in paths[t] if m.upper() in _METHODS}
    return sorted(methods)


_METHODS = {"GET", "PUT", "POST", "DELETE", "PATCH", "HEAD", "OPTIONS", "TRACE"}


def _template(path_template: str) -> re.Pattern[str]:
    parts = re.split(r"(\{[^/{}]+\})", path_template)
    return re.compile("".join("[^/]+" if p.startswith("{") else re.escape(p) for p in parts))


def _declared_errors(responses: dict[str, Any]) -> set[int]:
    """The error statuses a route's decorator declared (or FastAPI's own 422)."""
    return {int(s) for s in responses if s.isdigit() and int(s) in WHY}
