"""Routes for selling: health, keys, catalog, slots, orders, payments. Thin over services."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse

from backend_stub.deps import BackendDep, IdemKey, KioskDep
from backend_stub.replies import created_or_replayed
from backend_stub.schemas import OrderRequest, PaymentRequest
from backend_stub.services import catalog, order_state, orders, payments

router = APIRouter()


@router.get("/health", tags=["system"])
async def health(bk: BackendDep) -> dict[str, Any]:
    return {"status": "ok", "catalog_version": bk.catalog().version, "time": bk.now().isoformat()}


@router.get("/keys", tags=["system"])
async def keys(bk: BackendDep) -> dict[str, Any]:
    """The public key that verifies ticket codes offline (Ed25519, raw, base64url)."""
    return {"keys": [{"kid": bk.key_id, "alg": "Ed25519", "public_key": bk.public_key_b64}]}


@router.get("/catalog", tags=["catalog"])
async def get_catalog(request: Request, bk: BackendDep, _: KioskDep) -> Response:
    current = bk.catalog()
    headers = {"ETag": current.etag, "Cache-Control": "no-cache"}
    if request.headers.get("if-none-match") == current.etag:
        return Response(status_code=304, headers=headers)
    return JSONResponse(current.body, headers=headers)


@router.get("/slots", tags=["catalog"])
async def get_slots(
    bk: BackendDep, _: KioskDep, product_id: Annotated[str, Query(max_length=64)], date: date
) -> list[dict[str, Any]]:
    return catalog.list_slots(bk, product_id, date, bk.now())


@router.post("/orders", tags=["orders"], status_code=201)
async def post_order(
    body: OrderRequest,
    response: Response,
    bk: BackendDep,
    kiosk_id: KioskDep,
    idempotency_key: IdemKey = None,
) -> dict[str, Any]:
    """Validate, price (the server's price, whatever the client thinks) and hold."""
    return created_or_replayed(
        response,
        orders.place_order(bk, body, now=bk.now(), kiosk_id=kiosk_id, idem_key=idempotency_key),
    )


@router.get("/orders/{order_id}", tags=["orders"])
async def get_order(order_id: str, bk: BackendDep, _: KioskDep) -> dict[str, Any]:
    return order_state.order_view(bk, order_id, bk.now())


@router.post("/orders/{order_id}/payments", tags=["payments"], status_code=201)
async def post_payment(
    order_id: str,
    body: PaymentRequest,
    response: Response,
    bk: BackendDep,
    _: KioskDep,
    idempotency_key: IdemKey = None,
) -> dict[str, Any]:
    return created_or_replayed(
        response, payments.start_payment(bk, order_id, body, idempotency_key, bk.now())
    )


@router.get("/orders/{order_id}/payments/{payment_id}", tags=["payments"])
async def get_payment(order_id: str, payment_id: str, bk: BackendDep, _: KioskDep) -> dict:
    return payments.poll_payment(bk, order_id, payment_id, bk.now())


@router.post("/orders/{order_id}/payments/{payment_id}/cancel", tags=["payments"])
async def cancel_payment(order_id: str, payment_id: str, bk: BackendDep, _: KioskDep) -> dict:
    return payments.cancel_payment(bk, order_id, payment_id, bk.now())


@router.post("/simulator/orders/{order_id}/payments/{payment_id}/scan", tags=["simulator"])
async def simulate_scan(order_id: str, payment_id: str, bk: BackendDep, _: KioskDep) -> dict:
    """The simulator only: the customer scans the native QR and pays."""
    return payments.simulate_qr_paid(bk, order_id, payment_id, bk.now())
