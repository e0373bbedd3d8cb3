"""Routes for e-invoices (发票): a kiosk asks for one after payment or pickup; finance lists
them and exports CSV. Thin over services.invoices."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response
from pydantic import Field

from backend_stub.deps import BackendDep, KioskDep, OpsDep
from backend_stub.openapi_errors import errors
from backend_stub.schemas import IsoDate, Strict, Text
from backend_stub.services import invoices

router = APIRouter()


class InvoiceBody(Strict):
    title_kind: str = Field(pattern="^(individual|company)$")
    title: Text = Field("", max_length=100)
    tax_number: str = Field("", max_length=32)
    email: str = Field("", max_length=254)
    phone: str = Field("", max_length=20)


@router.post(
    "/orders/{order_id}/invoice", tags=["invoices"], status_code=201, responses=errors(404, 409)
)
def post_invoice(
    order_id: str, body: InvoiceBody, bk: BackendDep, kiosk_id: KioskDep
) -> dict[str, Any]:
    """Ask for the e-invoice of a paid order this kiosk sold or printed: an individual or a
    company title (its 18-character unified social credit code checked), sent to an e-mail
    or a phone. Issued through the tax platform when one is configured (`status` issued or
    refused), else recorded `requested`. Personal data answered masked."""
    return invoices.request_invoice(bk, order_id, body.model_dump(), kiosk_id, bk.now())


Day = Annotated[IsoDate, Query(alias="from")]


@router.get("/ops/invoices", tags=["ops"], responses=errors(401, 422))
def get_invoices(
    bk: BackendDep, _: OpsDep, day_from: Day, to: Annotated[IsoDate, Query()]
) -> dict[str, Any]:
    """Invoices requested `from` .. `to` (local days, both included), for finance."""
    found = invoices.list_invoices(bk, day_from, to)
    return {"invoices": found, "count": len(found)}


CSV_ANSWER = {200: {"description": "CSV", "content": {"text/csv": {"schema": {"type": "string"}}}}}


@router.get(
    "/ops/invoices.csv",
    tags=["ops"],
    response_class=Response,
    responses={**errors(401, 422), **CSV_ANSWER},
)
def get_invoices_csv(
    bk: BackendDep, _: OpsDep, day_from: Day, to: Annotated[IsoDate, Query()]
) -> Response:
    """The same list as CSV (UTF-8 with BOM, so spreadsheet programs read the Chinese)."""
    text = invoices.invoices_csv(invoices.list_invoices(bk, day_from, to))
    name = f"invoices-{day_from}-{to}.csv"
    return Response(
        "\ufeff" + text,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.post("/ops/invoices/issue-pending", tags=["ops"], responses=errors(401))
def post_issue_pending(bk: BackendDep, _: OpsDep) -> dict[str, Any]:
    """Issue again every invoice the tax platform did not answer; counts by status."""
    return {"statuses": invoices.issue_pending(bk, bk.now())}
