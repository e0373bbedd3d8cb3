"""FastAPI dependencies the routers share: the backend, the calling kiosk (bearer token), the
ops token, the Idempotency-Key header; each also as an `Annotated` alias for a route's signature.

A kiosk token stands for one kiosk id (services.credentials, stored hashed): every call made
with it acts as that kiosk, whatever the request says. An ops token opens the ops and channel
API.

Dependencies are `async def`: FastAPI runs a plain `def` dependency in a worker thread, a
thread hop per dependency per request (measured: the biggest cost after the socket)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request

from backend_stub.context import Backend
from backend_stub.services.credentials import KIOSK, OPS, subject_for
from kiosk.domain.errors import RuleError


def bearer(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


async def kiosk_auth(request: Request) -> str:
    """The kiosk id the request's bearer token is bound to (FastAPI dependency)."""
    bk: Backend = request.app.state.backend
    kiosk_id = subject_for(bk.store, KIOSK, bearer(request))
    if kiosk_id is None:
        raise RuleError("unauthorized")
    return kiosk_id


async def ops_auth(request: Request) -> None:
    bk: Backend = request.app.state.backend
    if subject_for(bk.store, OPS, bearer(request)) is None:
        raise RuleError("ops_unauthorized")


async def get_backend(request: Request) -> Backend:
    return request.app.state.backend


BackendDep = Annotated[Backend, Depends(get_backend)]
KioskDep = Annotated[str, Depends(kiosk_auth)]
OpsDep = Annotated[None, Depends(ops_auth)]
IdemKey = Annotated[str | None, Header(alias="Idempotency-Key", max_length=128)]
