"""Routes for the calendar (ops): slot templates and closing a day."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from backend_stub.deps import BackendDep, OpsDep
from backend_stub.openapi_errors import errors
from backend_stub.schemas import CloseDay, IsoDate, SlotTemplateBody
from backend_stub.services import calendar, closures

router = APIRouter()


@router.get("/ops/calendar/templates", tags=["calendar"])
def get_templates(bk: BackendDep, _: OpsDep, product_id: str | None = None) -> dict[str, Any]:
    return {"templates": calendar.list_templates(bk, product_id)}


@router.post("/ops/calendar/templates", tags=["calendar"], status_code=201, responses=errors(404))
def post_template(body: SlotTemplateBody, bk: BackendDep, _: OpsDep) -> dict[str, Any]:
    """A slot template: its product's days are generated on the rolling window, new days
    only once the product has a calendar."""
    return calendar.create_template(bk, body, bk.now())


@router.put("/ops/calendar/templates/{template_id}", tags=["calendar"], responses=errors(404))
def put_template(
    template_id: str, body: SlotTemplateBody, bk: BackendDep, _: OpsDep
) -> dict[str, Any]:
    """Replace a template; it applies to the days generated from now on."""
    return calendar.update_template(bk, template_id, body, bk.now())


@router.post("/ops/calendar/close", tags=["calendar"], responses=errors(404))
def post_close_day(body: CloseDay, bk: BackendDep, _: OpsDep) -> dict[str, Any]:
    """Close products' slots on a date (weather): kiosk-paid tickets are refunded in full at
    once; channel and agency orders are listed to settle with them."""
    return closures.close_day(bk, body, bk.now())


@router.get("/ops/calendar/closures", tags=["calendar"])
def get_closures(bk: BackendDep, _: OpsDep, since: IsoDate | None = None) -> dict[str, Any]:
    return {"closures": closures.closed_days(bk, since or bk.today())}
