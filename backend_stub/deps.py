"""FastAPI dependencies the routers share: the backend, the calling kiosk (bearer token), the
ops token, the Idempotency-Key header; each also as an `Annotated` alias for a route's signature.

Dependencies are `async def`: FastAPI runs a plain `def` dependency in a worker thread, a
thread hop per dependency per request (measured: the biggest cost after the socket)."""

from __future__ import annotations

import secrets
from typing import Annotated

from fastapi import Depends, Header, Request

from backend_stub.context import Backend
from kiosk.domain.errors import RuleError


def bearer(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


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


BackendDep = Annotated[Backend, Depends(get_backend)]
KioskDep = Annotated[str, Depends(kiosk_auth)]
OpsDep = Annotated[None, Depends(ops_auth)]
IdemKey = Annotated[str | None, Header(alias="Idempotency-Key", max_length=128)]
