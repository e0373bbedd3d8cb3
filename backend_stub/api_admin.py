"""Routes for members, staff, kiosk heartbeats, channel import and ops."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from backend_stub.deps import BackendDep, KioskDep, OpsDep
from backend_stub.openapi_errors import errors, replayed
from backend_stub.replies import created_or_replayed
from backend_stub.schemas import (
    ChannelOrder,
    GroupOrder,
    GroupRoster,
    Heartbeat,
    IsoDate,
    PricesRequest,
    SlotCapacity,
    StaffVerify,
)
from backend_stub.services import groups, limits, members, ops, signing, staff_grants

router = APIRouter()


@router.get("/members/{member_id}", tags=["members"], responses=errors(404))
def get_member(member_id: str, bk: BackendDep, _: KioskDep) -> dict[str, Any]:
    return members.get_member(bk, member_id)


@router.post("/staff/verify", tags=["staff"])
async def post_staff_verify(body: StaffVerify, bk: BackendDep, kiosk_id: KioskDep) -> dict:
    """The staff member; a supervisor also gets a short-lived `grant_token` that lets an adult
    without a document through (a holder's `staff_grant`). Wrong PINs lock the staff id and
    the kiosk out for a while (429 `staff_locked`, `Retry-After`; services.staff_pins)."""
    limits.check_staff_pin_rate(bk, kiosk_id)
    staff = await ops.verify_staff(bk, body.staff_id, body.pin, kiosk_id, bk.now())
    return staff_grants.grant_for(bk, kiosk_id, staff, bk.now())


@router.get("/ops/staff-audit", tags=["ops"])
def get_staff_audit(bk: BackendDep, _: OpsDep) -> dict[str, Any]:
    """Who let whom through without a document: when, which kiosk, order and ticket."""
    return {"entries": staff_grants.audit_log(bk)}


@router.post("/kiosks/{kiosk_id}/heartbeat", tags=["fleet"], responses=errors(403))
def post_heartbeat(
    kiosk_id: str, body: Heartbeat, bk: BackendDep, token_kiosk_id: KioskDep
) -> dict:
    """A kiosk's heartbeat, for itself only: another kiosk id than its token's is 403
    `kiosk_mismatch`."""
    return ops.record_heartbeat(bk, kiosk_id, body, bk.now(), token_kiosk_id=token_kiosk_id)


@router.post("/ops/keys/rotate", tags=["ops"])
def post_rotate_key(bk: BackendDep, _: OpsDep) -> dict[str, Any]:
    """A new ticket signing key signs from now on; the old one still verifies the codes it
    signed until their last day (`GET /keys`). Same as `kiosk backend rotate-key`."""
    return signing.rotate_key(bk, bk.now())


@router.post(
    "/channels/{channel}/orders",
    tags=["channels"],
    status_code=201,
    responses=replayed() | errors(403, 404, 409),
)
def post_channel_order(
    channel: str, body: ChannelOrder, response: Response, bk: BackendDep, _: OpsDep
) -> dict[str, Any]:
    return created_or_replayed(response, ops.import_channel_order(bk, channel, body, bk.now()))


@router.post(
    "/ops/groups", tags=["ops"], status_code=201, responses=replayed() | errors(403, 404, 409)
)
def post_group(
    body: GroupOrder, response: Response, bk: BackendDep, _: OpsDep
) -> dict[str, Any]:
    """A guide's group (团体): one real-name ticket per roster entry, paid; picked up at a
    kiosk as one order. Idempotent by `group_ref` (201 then 200)."""
    return created_or_replayed(response, groups.book_group(bk, body, bk.now()))


@router.put("/ops/groups/{order_id}", tags=["ops"], responses=errors(404, 409))
def put_group_roster(
    order_id: str, body: GroupRoster, bk: BackendDep, _: OpsDep
) -> dict[str, Any]:
    """Amend a group's roster (the whole new list) until its slot starts: kept members keep
    their tickets, removed ones are voided, added ones get new tickets; seats follow."""
    return groups.amend_group(bk, order_id, body, bk.now())


@router.put("/ops/prices", tags=["ops"], responses=errors(404))
def put_prices(body: PricesRequest, bk: BackendDep, _: OpsDep) -> dict[str, Any]:
    return ops.set_prices(bk, body, bk.now())


@router.put("/ops/slots/{slot_id}", tags=["ops"], responses=errors(404))
def put_slot(slot_id: str, body: SlotCapacity, bk: BackendDep, _: OpsDep) -> dict:
    return ops.set_slot_capacity(bk, slot_id, body.capacity)


@router.get("/ops/kiosks", tags=["ops"])
def get_kiosks(bk: BackendDep, _: OpsDep) -> dict[str, Any]:
    return {"kiosks": ops.list_kiosks(bk, bk.now())}


@router.get("/ops/reports/sales", tags=["ops"])
def get_sales(date: IsoDate, bk: BackendDep, _: OpsDep) -> dict[str, Any]:
    return ops.sales_report(bk, date)
