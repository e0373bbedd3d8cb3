"""How many times a coupon has been used: the orders that carry it, held or paid (a hold that
expired or was cancelled gives its use back). Its limit is `coupons.usage_limit` (0: none)."""

from __future__ import annotations

from backend_stub.context import Backend

UNUSED_STATUSES = ("cancelled", "expired")


def coupon_uses(bk: Backend, code: str) -> int:
    row = bk.store.one(
        "SELECT COUNT(*) AS n FROM orders WHERE coupon_code = ? AND status NOT IN (?, ?)",
        (code, *UNUSED_STATUSES),
    )
    return int(row["n"]) if row else 0
