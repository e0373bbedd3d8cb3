"""Routes for tickets: printed, pickup, parents, after-sales lookup, rebook, refund (the gate:
api_gates). No lookup answers with gate codes; refund and rebook take proof (a ticket's code or
a holder's ID number), services.possession."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from backend_stub.deps import BackendDep, IdemKey, KioskDep
from backend_stub.openapi_errors import accepted, errors
from backend_stub.schemas import IsoDate, RebookRequest, TicketRefs
from backend_stub.services import aftersales, limits, possession, rebook, tickets

router = APIRouter()
Q = Query(max_length=512)


@router.post("/tickets/{ticket_id}/printed", tags=["tickets"], responses=errors(404, 409))
def post_printed(ticket_id: str, bk: BackendDep, kiosk_id: KioskDep) -> dict[str, Any]:
    """A ticket printed at this kiosk (one that may print its order; else 404)."""
    return tickets.mark_printed(bk, ticket_id, bk.now(), kiosk_id=kiosk_id)


@router.get("/pickup", tags=["pickup"])
def get_pickup(
    bk: BackendDep,
    kiosk_id: KioskDep,
    id_number: Annotated[str, Q] = "",
    order_no: Annotated[str, Q] = "",
    phone: Annotated[str, Q] = "",
    code: Annotated[str, Q] = "",
) -> dict[str, Any]:
    """Paid orders waiting to print, by the holder's ID number, the order number (or the
    channel's order id) with the buyer's FULL phone number, the order QR `KO1:<order_no>`, or
    a ticket's code. No gate codes: this kiosk may then print them (`GET /orders/{id}`).
    Rate-limited per kiosk and per ID number, phone and order number (429, services.limits)."""
    people = limits.person_keys(bk, id_number=id_number, phone=phone, order_no=order_no)
    limits.check_lookup(bk, kiosk_id, people)
    found = tickets.find_for_pickup(
        bk,
        bk.now(),
        kiosk_id=kiosk_id,
        id_number=id_number,
        order_no=order_no,
        phone=phone,
        code=code,
    )
    return {"orders": found}


@router.get("/aftersales", tags=["after-sales"], responses=errors(403, 404))
def get_aftersales(
    bk: BackendDep,
    kiosk_id: KioskDep,
    ticket_code: Annotated[str, Q] = "",
    id_number: Annotated[str, Q] = "",
) -> dict[str, Any]:
    """The orders to refund or rebook, by what the person shows at the kiosk: a ticket's code,
    or the ID card of a holder (or a group's guide). No gate codes. Rate-limited as pickup."""
    limits.check_lookup(bk, kiosk_id, limits.person_keys(bk, id_number=id_number))
    found = tickets.find_for_aftersales(bk, bk.now(), ticket_code=ticket_code, id_number=id_number)
    return {"orders": found}


@router.get("/parents", tags=["pickup"])
def get_parents(
    bk: BackendDep,
    kiosk_id: KioskDep,
    date: IsoDate,
    id_number: Annotated[str, Q] = "",
    phone: Annotated[str, Q] = "",
    ticket_code: Annotated[str, Q] = "",
) -> dict[str, Any]:
    """Admission (or bundle) tickets held that day by an ID number, a phone, or a ticket's
    code: parents for add-ons. Rate-limited as pickup."""
    limits.check_lookup(bk, kiosk_id, limits.person_keys(bk, id_number=id_number, phone=phone))
    found = tickets.find_parents(
        bk, date, id_number=id_number, phone=phone, ticket_code=ticket_code
    )
    return {"tickets": found}


@router.post("/orders/{order_id}/refund", tags=["after-sales"], responses=errors(403, 404, 409))
def post_refund(
    order_id: str,
    body: TicketRefs,
    bk: BackendDep,
    kiosk_id: KioskDep,
    idempotency_key: IdemKey = None,
) -> dict:
    """Refund (a parent with its unused add-ons); a retry with the same Idempotency-Key
    returns the first answer. An order a kiosk did not take: 409 `refund_at_<channel>` /
    `refund_at_agency` saying where to ask. Proof (`ticket_code` or `id_number`) that the
    person holds the order: without it 403 `proof_required`, not matching 403
    `proof_mismatch`."""
    now = bk.now()
    possession.check_proof(
        bk,
        order_id,
        kiosk_id,
        now,
        ticket_code=body.ticket_code,
        id_number=body.id_number,
        idem_key=idempotency_key,
        action="refund",
    )
    return aftersales.refund_tickets(
        bk, order_id, body.ticket_ids, now, kiosk_id=kiosk_id, idem_key=idempotency_key
    )


@router.post(
    "/orders/{order_id}/rebook",
    tags=["after-sales"],
    responses=accepted("A dearer slot: the difference to pay first") | errors(403, 404, 409),
)
def post_rebook(
    order_id: str,
    body: RebookRequest,
    response: Response,
    bk: BackendDep,
    kiosk_id: KioskDep,
    idempotency_key: IdemKey = None,
) -> dict:
    """Cheaper or equal slot: 200, `status` `done`, the difference back. Dearer: 202,
    `status` `payment_required`, `payment_order` (a held difference order of `due_fen`) to
    pay with the payment calls; the tickets move when it is paid. Proof as for a refund;
    this kiosk may then print the moved tickets (`GET /orders/{id}`)."""
    now = bk.now()
    possession.check_proof(
        bk,
        order_id,
        kiosk_id,
        now,
        ticket_code=body.ticket_code,
        id_number=body.id_number,
        to_print=True,
        idem_key=idempotency_key,
        action="rebook",
    )
    answer, pending = rebook.rebook_tickets(
        bk,
        order_id,
        body.ticket_ids,
        body.slot_id,
        now,
        kiosk_id=kiosk_id,
        idem_key=idempotency_key,
    )
    if pending:
        response.status_code = 202
    return answer
