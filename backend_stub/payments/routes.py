"""The ops route of the reconciliation reports (the console's alert page comes later)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from backend_stub.deps import BackendDep, OpsDep
from backend_stub.payments.reconcile import reconcile, report
from backend_stub.schemas import IsoDate

router = APIRouter()


@router.get("/ops/reconciliation", tags=["ops"])
def get_reconciliation(bk: BackendDep, _: OpsDep, date: IsoDate) -> dict[str, Any]:
    """The latest reconciliation of each payment provider for `date`: its mismatches
    (missing_ours, missing_theirs, amount_differs, state_differs), never corrected by itself."""
    return report(bk, date)


@router.post("/ops/reconciliation", tags=["ops"])
def run_reconciliation(bk: BackendDep, _: OpsDep, date: IsoDate) -> dict[str, Any]:
    """Reconcile `date` now (as `kiosk backend reconcile --date D`); the report."""
    reconcile(bk, date)
    return report(bk, date)
