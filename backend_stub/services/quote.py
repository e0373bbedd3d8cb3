"""`POST /orders/quote`: what an order would cost, line by line, without holding anything.

The price comes from `services.orders.price_order`, the very function `place_order` charges
with, so the quote a kiosk shows is the total the order is held at (while nothing in the
catalog, the coupon's uses or the member's points changed in between). A refused coupon or
points request answers the refusal an order would get (coupon_invalid, coupon_expired,
coupon_not_started, coupon_min_spend, coupon_not_applicable, coupon_used_up, points_invalid,
points_insufficient, points_over_limit, points_need_member, member_not_found).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from backend_stub.context import Backend
from backend_stub.schemas import OrderRequest
from backend_stub.services.orders import PlannedTicket, price_order
from kiosk.domain.pricing import (
    POINTS_PER_YUAN_REDEEMED,
    POINTS_REDEEM_STEP,
    Coupon,
    allocate,
    max_redeemable_points,
)


def quote_order(
    bk: Backend, req: OrderRequest, now: datetime, kiosk_id: str | None = None
) -> dict[str, Any]:
    priced = price_order(bk, req, now, kiosk_id=kiosk_id)  # the kiosk's catalog (a canary's)
    q, planned, coupon, member = priced.quote, priced.planned, priced.coupon, priced.member
    units = [t.unit_fen for t in planned]
    tier_percent = int(member["discount_percent"]) if member else 0
    member_shares = allocate(q.member_discount_fen, units)
    after_member = [u - m for u, m in zip(units, member_shares, strict=True)]
    eligible = [
        a if coupon and (not coupon.product_ids or t.product.id in coupon.product_ids) else 0
        for t, a in zip(planned, after_member, strict=True)
    ]
    coupon_shares = (
        allocate(q.coupon_discount_fen, eligible) if q.coupon_discount_fen else [0] * len(units)
    )
    after_coupon = [a - c for a, c in zip(after_member, coupon_shares, strict=True)]
    points_shares = (
        allocate(q.points_discount_fen, after_coupon) if q.points_discount_fen else [0] * len(units)
    )
    lines = _lines(planned, member_shares, coupon_shares, points_shares)
    payable = q.subtotal_fen - q.member_discount_fen - q.coupon_discount_fen
    balance = int(member["points"]) if member else 0
    return {
        "lines": lines,
        "subtotal_fen": q.subtotal_fen,
        "member": _member_view(member, tier_percent, balance),
        "member_discount_fen": q.member_discount_fen,
        "coupon": _coupon_view(bk, coupon) if coupon else None,
        "coupon_discount_fen": q.coupon_discount_fen,
        "points_used": q.points_used,
        "points_discount_fen": q.points_discount_fen,
        "points_max": max_redeemable_points(payable, balance) if member else 0,
        "points_step": POINTS_REDEEM_STEP,
        "points_per_yuan": POINTS_PER_YUAN_REDEEMED,
        "total_fen": q.total_fen,
        "points_earned": q.points_earned,
    }


def _lines(
    planned: list[PlannedTicket], member: list[int], coupon: list[int], points: list[int]
) -> list[dict[str, Any]]:
    """One line per order line (product, type, slot): quantity, amount and each discount."""
    out: dict[int, dict[str, Any]] = {}
    for t, m, c, p in zip(planned, member, coupon, points, strict=True):
        line = out.setdefault(
            t.line_index,
            {
                "product_id": t.product.id,
                "product_name": {"zh": t.product.name_zh, "en": t.product.name_en},
                "ticket_type_id": t.ticket_type.id,
                "ticket_type_name": {"zh": t.ticket_type.name_zh, "en": t.ticket_type.name_en},
                "slot_id": t.slot["id"],
                "unit_fen": t.unit_fen,
                "quantity": 0,
                "amount_fen": 0,
                "member_discount_fen": 0,
                "coupon_discount_fen": 0,
                "points_discount_fen": 0,
                "total_fen": 0,
            },
        )
        line["quantity"] += 1
        line["amount_fen"] += t.unit_fen
        line["member_discount_fen"] += m
        line["coupon_discount_fen"] += c
        line["points_discount_fen"] += p
        line["total_fen"] += t.unit_fen - m - c - p
    return [out[i] for i in sorted(out)]


def _shares(discount_fen: int, weights: list[int]) -> list[int]:
    """`discount_fen` spread over the tickets in proportion to `weights` (none: zeros)."""
    return allocate(discount_fen, weights) if discount_fen else [0] * len(weights)


def _member_view(member: dict[str, Any] | None, percent: int, points: int) -> dict[str, Any] | None:
    if member is None:
        return None
    return {
        "id": member["id"],
        "tier": member["tier"],
        "discount_percent": percent,
        "points": points,
    }


def _coupon_view(bk: Backend, coupon: Coupon) -> dict[str, Any]:
    row = bk.store.one("SELECT name_zh, name_en FROM coupons WHERE code = ?", (coupon.code,))
    name = {"zh": row["name_zh"] or "", "en": row["name_en"] or ""} if row else {}
    return {"code": coupon.code, "kind": coupon.kind, "value": coupon.value, "name": name}
