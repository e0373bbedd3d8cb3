"""Routes for the gate (检票): verify a ticket at a gate, the revocation list gates sync, exit
counts; and for ops, the gates and their in/out counts per day."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from backend_stub.deps import BackendDep, KioskDep, OpsDep
from backend_stub.openapi_errors import errors
from backend_stub.schemas import GateExit, GateSetup, IsoDate, VerifyRequest
from backend_stub.services import gate, limits, revocations

router = APIRouter()


@router.post("/tickets/verify", tags=["gate"], responses=errors(404, 409))
def post_verify(body: VerifyRequest, bk: BackendDep, kiosk_id: KioskDep) -> dict[str, Any]:
    """What a gate calls with a ticket's `code`, or a real-name holder's `id_number`, and its
    `gate_id`: signature, the current code, the day, the slot's entry window, the entry of this
    gate's component not used, an add-on's parent valid (and entered, where the product says);
    then the admission is recorded. Without `gate_id`: the day only, the ticket's entrance.
    Rate-limited per gate token and per ID number (429, services.limits)."""
    limits.check_verify(bk, kiosk_id, body.id_number)
    return gate.verify(
        bk,
        bk.now(),
        code=body.code,
        id_number=body.id_number,
        gate_id=body.gate_id,
        departure_id=body.departure_id,
    )


@router.get("/tickets/revoked", tags=["gate"])
def get_revoked(
    bk: BackendDep,
    _: KioskDep,
    since: Annotated[int, Query(ge=0, le=2**62)] = 0,
    limit: Annotated[int, Query(ge=1, le=revocations.MAX_PAGE)] = revocations.MAX_PAGE,
) -> dict[str, Any]:
    """Codes that no longer open a gate (refunded, refunded by a channel, replaced by a
    rebooking) after cursor `since`; sync again from `next_since`."""
    return revocations.revoked_since(bk, since, limit)


@router.post("/gates/{gate_id}/exits", tags=["gate"], responses=errors(404))
def post_exits(gate_id: str, body: GateExit, bk: BackendDep, _: KioskDep) -> dict:
    """People counted out through a gate."""
    return gate.record_exits(bk, gate_id, body.people, bk.now())


@router.get("/ops/gates", tags=["ops"])
def get_gates(bk: BackendDep, _: OpsDep) -> dict[str, Any]:
    return {"gates": gate.list_gates(bk)}


@router.put("/ops/gates/{gate_id}", tags=["ops"])
def put_gate(gate_id: str, body: GateSetup, bk: BackendDep, _: OpsDep) -> dict[str, Any]:
    """Add or change a gate: the component it admits (`ADM`, `CABLE`, `GLASS`...), its name."""
    return gate.set_gate(bk, gate_id, body.component, body.name_zh, body.name_en)


@router.get("/ops/gates/counts", tags=["ops"])
def get_gate_counts(date: IsoDate, bk: BackendDep, _: OpsDep) -> dict[str, Any]:
    """In/out counts per gate on a day."""
    return gate.gate_counts(bk, date)
