"""Routes for tickets: printed, pickup, parents, rebook, refund (the gate: api_gates)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from backend_stub.deps import BackendDep, IdemKey, KioskDep
from backend_stub.schemas import RebookRequest, TicketRefs
from backend_stub.services import aftersales, rebook, tickets

router = APIRouter()
Q = Query(max_length=512)


@router.post("/tickets/{ticket_id}/printed", tags=["tickets"])
async def post_printed(ticket_id: str, bk: BackendDep, _: KioskDep) -> dict[str, Any]:
    return tickets.mark_printed(bk, ticket_id, bk.now())


@router.get("/pickup", tags=["pickup"])
async def get_pickup(
    bk: BackendDep,
    _: KioskDep,
    id_number: Annotated[str, Q] = "",
    order_no: Annotated[str, Q] = "",
    phone_last4: Annotated[str, Q] = "",
    code: Annotated[str, Q] = "",
) -> dict[str, Any]:
    found = tickets.find_for_pickup(
        bk, bk.now(), id_number=id_number, order_no=order_no, phone_last4=phone_last4, code=code
    )
    return {"orders": found}


@router.get("/parents", tags=["pickup"])
async def get_parents(
    bk: BackendDep,
    _: KioskDep,
    date: date,
    id_number: Annotated[str, Q] = "",
    phone: Annotated[str, Q] = "",
    ticket_code: Annotated[str, Q] = "",
) -> dict[str, Any]:
    found = tickets.find_parents(
        bk, date, id_number=id_number, phone=phone, ticket_code=ticket_code
    )
    return {"tickets": found}


@router.post("/orders/{order_id}/refund", tags=["after-sales"])
async def post_refund(
    order_id: str,
    body: TicketRefs,
    bk: BackendDep,
    kiosk_id: KioskDep,
    idempotency_key: IdemKey = None,
) -> dict:
    """Refund (a parent with its unused add-ons); a retry with the same Idempotency-Key
    returns the first answer. An order a kiosk did not take: 409 `refund_at_<channel>` /
    `refund_at_agency` saying where to ask."""
    return aftersales.refund_tickets(
        bk, order_id, body.ticket_ids, bk.now(), kiosk_id=kiosk_id, idem_key=idempotency_key
    )


@router.post("/orders/{order_id}/rebook", tags=["after-sales"])
async def post_rebook(
    order_id: str,
    body: RebookRequest,
    response: Response,
    bk: BackendDep,
    kiosk_id: KioskDep,
    idempotency_key: IdemKey = None,
) -> dict:
    """Cheaper or equal slot: 200, `status` `done`, the difference back. Dearer: 202,
    `status` `payment_required`, `payment_order` (a held difference order of `due_fen`) to
    pay with the payment calls; the tickets move when it is paid."""
    answer, pending = rebook.rebook_tickets(
        bk,
        order_id,
        body.ticket_ids,
        body.slot_id,
        bk.now(),
        kiosk_id=kiosk_id,
        idem_key=idempotency_key,
    )
    if pending:
        response.status_code = 202
    return answer
