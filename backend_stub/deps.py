"""FastAPI dependencies the routers share: the backend, the calling kiosk (bearer token), the
ops token, the Idempotency-Key header; each also as an `Annotated` alias for a route's signature.

A kiosk token stands for one kiosk id (services.credentials, stored hashed): every call made
with it acts as that kiosk, whatever the request says. An ops token opens the ops and channel
API.

The routes that ask the store are plain `def`: FastAPI runs them in its threadpool, so a
query (and, on PostgreSQL, a wait for a lock) never blocks the event loop and the worker's other
requests. The token lookups stay `async def` and go to a thread only on PostgreSQL (`off_loop`):
a SQLite lookup takes microseconds, less than the thread hop (docs/backend.md "Locking")."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, ParamSpec, TypeVar

from fastapi import Depends, Header, Request
from starlette.concurrency import run_in_threadpool

from backend_stub.console.auth import ops_caller
from backend_stub.context import Backend
from backend_stub.services.credentials import KIOSK, subject_for
from kiosk.domain.errors import RuleError

P = ParamSpec("P")
T = TypeVar("T")


async def off_loop(bk: Backend, call: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """`call(*args)` in the threadpool on PostgreSQL (a round trip, maybe a lock wait), at once
    on SQLite (in-process, microseconds)."""
    if bk.store.dialect == "sqlite":
        return call(*args, **kwargs)
    return await run_in_threadpool(call, *args, **kwargs)


def bearer(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


async def kiosk_auth(request: Request) -> str:
    """The kiosk id the request's bearer token is bound to (FastAPI dependency)."""
    bk: Backend = request.app.state.backend
    kiosk_id = await off_loop(bk, subject_for, bk.store, KIOSK, bearer(request))
    if kiosk_id is None:
        raise RuleError("unauthorized")
    return kiosk_id


def ops_auth(request: Request) -> None:
    """A per-user API token of the console whose role allows this call (any role reads, admin
    and operations write; 401 `ops_unauthorized`, 403 `ops_forbidden`), or a machine ops
    credential (`--ops-token`): console.auth.ops_caller."""
    ops_caller(request)


async def get_backend(request: Request) -> Backend:
    return request.app.state.backend


BackendDep = Annotated[Backend, Depends(get_backend)]
KioskDep = Annotated[str, Depends(kiosk_auth)]
OpsDep = Annotated[None, Depends(ops_auth)]
IdemKey = Annotated[str | None, Header(alias="Idempotency-Key", max_length=128)]
