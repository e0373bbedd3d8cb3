"""The ops API of the catalog side of the console (issue 13B): staged price changes (draft ->
canary -> all, or rolled back), the preview of a kiosk's catalog at a time, and which catalog
version each kiosk runs. Callers are console users by their API token (console.auth
`api_user`): any role reads, operations and admin change. Thin over
services.price_rollouts; every change audited there."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from pydantic import Field

from backend_stub.console.auth import ADMIN, FINANCE, OPERATIONS, VIEWER, ConsoleUser, api_user
from backend_stub.deps import BackendDep
from backend_stub.openapi_errors import errors
from backend_stub.schemas import Id, PriceChange, Strict
from backend_stub.services import price_rollouts
from kiosk.domain.errors import RuleError

router = APIRouter()
Reader = Annotated[ConsoleUser, Depends(api_user(ADMIN, OPERATIONS, FINANCE, VIEWER))]
Writer = Annotated[ConsoleUser, Depends(api_user(ADMIN, OPERATIONS))]
AUTH = errors(401, 403)


LOCAL_TIME = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2})?$"  # the area's local time


class PriceChangeRequest(Strict):
    prices: list[PriceChange] = Field(min_length=1, max_length=500)
    effective_at: str | None = Field(
        None,
        pattern=LOCAL_TIME,
        description="local time, e.g. 2026-12-01T08:00; omitted or past: now",
    )
    note: str = Field("", max_length=200)


class CanaryRequest(Strict):
    group: str = Field("canary", min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_-]+$")


def _local(at: str | None, name: str) -> datetime | None:
    """A local time as the pattern allows it, or invalid_time (a 31 February, an hour 25)."""
    if not at:
        return None
    try:
        return datetime.fromisoformat(at)
    except ValueError as exc:
        raise RuleError("invalid_time", name) from exc


@router.get("/ops/price-changes", tags=["prices"], responses=AUTH)
def get_price_changes(bk: BackendDep, _: Reader) -> dict[str, Any]:
    """The latest price changes, newest first, with their stage and version."""
    return {"changes": price_rollouts.list_changes(bk)}


@router.post("/ops/price-changes", tags=["prices"], status_code=201, responses=AUTH | errors(404))
def post_price_change(
    body: PriceChangeRequest, bk: BackendDep, user: Writer
) -> dict[str, Any]:
    """A draft change of base prices from `effective_at`; nothing is served until pushed."""
    prices: dict[str, int | None] = {p.ticket_type_id: p.base_fen for p in body.prices}
    return price_rollouts.create_change(
        bk, user, prices, _local(body.effective_at, "effective_at"), body.note, bk.now()
    )


@router.post(
    "/ops/price-changes/{change_id}/canary", tags=["prices"], responses=AUTH | errors(404, 409)
)
def post_canary(
    change_id: Annotated[str, Id], body: CanaryRequest, bk: BackendDep, user: Writer
) -> dict[str, Any]:
    """Serve a draft to the kiosks of `group` first (one change on canary at a time)."""
    return price_rollouts.push_canary(bk, user, change_id, bk.now(), body.group)


@router.post(
    "/ops/price-changes/{change_id}/all", tags=["prices"], responses=AUTH | errors(404, 409)
)
def post_all(change_id: Annotated[str, Id], bk: BackendDep, user: Writer) -> dict:
    """Serve the change to every kiosk (it becomes the catalog's prices at its time)."""
    return price_rollouts.push_all(bk, user, change_id, bk.now())


@router.post(
    "/ops/price-changes/{change_id}/rollback",
    tags=["prices"],
    responses=AUTH | errors(404, 409),
)
def post_rollback(change_id: Annotated[str, Id], bk: BackendDep, user: Writer) -> dict:
    """Drop a draft or canary change: canary kiosks go back to the prices of before."""
    return price_rollouts.rollback(bk, user, change_id, bk.now())


@router.get("/ops/catalog/preview", tags=["prices"], responses=AUTH | errors(404))
def get_preview(
    bk: BackendDep,
    _: Reader,
    at: Annotated[str | None, Query(pattern=LOCAL_TIME, description="local time")] = None,
    change_id: Annotated[str | None, Query(max_length=64)] = None,
    audience: Literal["all", "canary", "other"] = "all",
) -> dict[str, Any]:
    """The catalog as a kiosk will be served it at `at` (default now), with a change on top
    for `all` / `canary` kiosks, or without it for `other` kiosks."""
    when = _local(at, "at") or bk.now()
    return price_rollouts.preview(bk, when, change_id, audience)


@router.get("/ops/catalog/fleet", tags=["prices"], responses=AUTH)
def get_fleet(bk: BackendDep, _: Reader) -> dict[str, Any]:
    """Each kiosk: its group, the catalog version it reports and the one it should run."""
    return {"kiosks": price_rollouts.fleet_versions(bk, bk.now())}
