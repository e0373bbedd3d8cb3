"""Routes for selling: health, keys, catalog, slots, orders, payments. Thin over services.

The payment simulator's route (`simulator_router`) exists only in demo mode (app.py)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import JSONResponse

from backend_stub.deps import BackendDep, IdemKey, KioskDep
from backend_stub.openapi_errors import errors, replayed
from backend_stub.replies import created_or_replayed
from backend_stub.schemas import IsoDate, OrderRequest, PaymentRequest
from backend_stub.services import catalog, orders, payments, possession, price_rollouts, quote

router = APIRouter()
simulator_router = APIRouter()  # demo mode only
NOT_MODIFIED: dict[int | str, dict[str, Any]] = {304: {"description": "Unchanged (If-None-Match)"}}


@router.get("/health", tags=["system"])
def health(bk: BackendDep) -> dict[str, Any]:
    return {"status": "ok", "catalog_version": bk.catalog().version, "time": bk.now().isoformat()}


@router.get("/keys", tags=["system"])
def keys(bk: BackendDep) -> dict[str, Any]:
    """The public keys that verify ticket codes offline (Ed25519, raw, base64url), by `kid`
    (each code names its kid): the active key first, then retired keys whose tickets are still
    good (`verify_until`)."""
    return {"keys": bk.keys.public_view(bk.today())}


@router.get("/catalog", tags=["catalog"], responses=NOT_MODIFIED)
def get_catalog(request: Request, bk: BackendDep, kiosk_id: KioskDep) -> Response:
    """The catalog this kiosk is served: a kiosk of the canary group gets a staged price change
    before the others (services.price_rollouts); the ETag changes with what it holds."""
    current = price_rollouts.served_catalog(bk, kiosk_id, bk.now())
    headers = {"ETag": current.etag, "Cache-Control": "no-cache"}
    if request.headers.get("if-none-match") == current.etag:
        return Response(status_code=304, headers=headers)
    return JSONResponse(current.body, headers=headers)


@router.get("/slots", tags=["catalog"], responses=errors(404))
def get_slots(
    bk: BackendDep,
    kiosk_id: KioskDep,
    product_id: Annotated[str, Query(max_length=64)],
    date: IsoDate,
) -> list[dict[str, Any]]:
    return catalog.list_slots(bk, product_id, date, bk.now(), kiosk_id)


@router.post(
    "/orders", tags=["orders"], status_code=201, responses=replayed() | errors(403, 404, 409)
)
def post_order(
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


@router.post("/orders/quote", tags=["orders"], responses=errors(404, 409))
def post_quote(body: OrderRequest, bk: BackendDep, kiosk_id: KioskDep) -> dict[str, Any]:
    """What this order would cost, line by line (member, coupon and points discounts), holding
    nothing: the same pricing `POST /orders` charges. A coupon or points request refused
    answers the refusal the order would get (coupon_expired, coupon_min_spend...)."""
    return quote.quote_order(bk, body, bk.now(), kiosk_id)


@router.post("/orders/{order_id}/cancel", tags=["orders"], responses=errors(404, 409))
def cancel_order(order_id: str, bk: BackendDep, kiosk_id: KioskDep) -> dict[str, Any]:
    """Give up this kiosk's unpaid order (the tourist left): seats back at once. Idempotent;
    409 payment_in_progress while a payment waits for the customer (reverse it first)."""
    return orders.cancel_order(bk, order_id, bk.now(), kiosk_id=kiosk_id)


@router.get("/orders/{order_id}", tags=["orders"], responses=errors(404))
def get_order(order_id: str, bk: BackendDep, kiosk_id: KioskDep) -> dict[str, Any]:
    """The order with its tickets' gate codes, for the kiosk that took it or was given it by
    proof (pickup, a rebooking): the print path. Any other kiosk: 404 `order_not_found`."""
    return possession.order_for_kiosk(bk, order_id, kiosk_id, bk.now())


@router.post(
    "/orders/{order_id}/payments",
    tags=["payments"],
    status_code=201,
    responses=replayed() | errors(404, 409, 503),
)
def post_payment(
    order_id: str,
    body: PaymentRequest,
    response: Response,
    bk: BackendDep,
    kiosk_id: KioskDep,
    idempotency_key: IdemKey = None,
) -> dict[str, Any]:
    """Pay an order this kiosk took. Without a payment provider (a production start before
    issue 15): 503 `payment_not_configured`."""
    return created_or_replayed(
        response,
        payments.start_payment(bk, order_id, body, idempotency_key, bk.now(), kiosk_id=kiosk_id),
    )


@router.get(
    "/orders/{order_id}/payments/{payment_id}", tags=["payments"], responses=errors(404, 409)
)
def get_payment(
    order_id: str, payment_id: str, bk: BackendDep, kiosk_id: KioskDep
) -> dict[str, Any]:
    return payments.poll_payment(bk, order_id, payment_id, bk.now(), kiosk_id=kiosk_id)


@router.post(
    "/orders/{order_id}/payments/{payment_id}/cancel",
    tags=["payments"],
    responses=errors(404, 409),
)
def cancel_payment(
    order_id: str, payment_id: str, bk: BackendDep, kiosk_id: KioskDep
) -> dict[str, Any]:
    return payments.cancel_payment(bk, order_id, payment_id, bk.now(), kiosk_id=kiosk_id)


@simulator_router.post(
    "/simulator/orders/{order_id}/payments/{payment_id}/scan",
    tags=["simulator"],
    responses=errors(404, 409),
)
def simulate_scan(
    order_id: str, payment_id: str, bk: BackendDep, kiosk_id: KioskDep
) -> dict[str, Any]:
    """Demo mode only (the payment simulator): the customer scans the native QR and pays."""
    return payments.simulate_qr_paid(bk, order_id, payment_id, bk.now(), kiosk_id=kiosk_id)
