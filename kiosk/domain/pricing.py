"""Prices and quotes in integer fen: slot prices, member discount, coupons, points.

Order of a quote: subtotal -> member tier discount -> coupon -> points. The total never goes
below 0. Every rule that depends on time takes `now`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from kiosk.domain.errors import RuleError

POINTS_PER_YUAN_REDEEMED = 100  # 100 points pay 1 yuan (100 fen)
POINTS_REDEEM_STEP = 100
POINTS_MAX_SHARE_PERCENT = 50  # points pay at most half of what is left to pay
POINTS_EARNED_PER_YUAN = 1


@dataclass(frozen=True)
class PriceRules:
    """How a product's base (weekday, off-season) price changes by day."""

    weekend_percent: int = 0
    peak_percent: int = 0
    peak_months: frozenset[int] = frozenset()


def unit_price_fen(base_fen: int, day: date, rules: PriceRules, slot_percent: int = 0) -> int:
    """The price of one ticket on `day` in a slot adjusted by `slot_percent` (e.g. -10)."""
    percent = 100 + slot_percent
    if day.weekday() >= 5:
        percent += rules.weekend_percent
    if day.month in rules.peak_months:
        percent += rules.peak_percent
    return max(0, base_fen * percent // 100)


@dataclass(frozen=True)
class QuoteLine:
    product_id: str
    ticket_type_id: str
    unit_fen: int
    quantity: int

    @property
    def amount_fen(self) -> int:
        return self.unit_fen * self.quantity


@dataclass(frozen=True)
class Coupon:
    code: str
    kind: str  # "amount" (value in fen) or "percent" (value 1-100)
    value: int
    min_spend_fen: int = 0
    product_ids: frozenset[str] = frozenset()  # empty: every product
    valid_from: datetime | None = None
    valid_until: datetime | None = None


@dataclass(frozen=True)
class Quote:
    subtotal_fen: int
    member_discount_fen: int
    coupon_discount_fen: int
    points_used: int
    points_discount_fen: int
    total_fen: int
    lines: tuple[QuoteLine, ...] = field(default_factory=tuple)

    @property
    def points_earned(self) -> int:
        return points_earned(self.total_fen)


def points_earned(paid_fen: int) -> int:
    return max(0, paid_fen) // 100 * POINTS_EARNED_PER_YUAN


def coupon_discount_fen(coupon: Coupon, lines: Sequence[QuoteLine], now: datetime) -> int:
    """What `coupon` takes off these lines at `now`; RuleError when it does not apply."""
    if coupon.valid_from and now < coupon.valid_from:
        raise RuleError("coupon_not_started")
    if coupon.valid_until and now > coupon.valid_until:
        raise RuleError("coupon_expired")
    eligible = sum(
        line.amount_fen
        for line in lines
        if not coupon.product_ids or line.product_id in coupon.product_ids
    )
    if eligible <= 0:
        raise RuleError("coupon_not_applicable")
    if eligible < coupon.min_spend_fen:
        raise RuleError("coupon_min_spend", f"minimum {coupon.min_spend_fen / 100:.2f} yuan")
    if coupon.kind == "percent":
        return eligible * min(max(coupon.value, 0), 100) // 100
    return min(max(coupon.value, 0), eligible)


def max_redeemable_points(payable_fen: int, balance: int) -> int:
    """The most points (a multiple of the step) that may pay for `payable_fen`."""
    cap_fen = payable_fen * POINTS_MAX_SHARE_PERCENT // 100
    cap_points = cap_fen * POINTS_PER_YUAN_REDEEMED // 100
    most = min(cap_points, max(balance, 0))
    return most - most % POINTS_REDEEM_STEP


def quote(
    lines: Iterable[QuoteLine],
    *,
    now: datetime,
    member_discount_percent: int = 0,
    coupon: Coupon | None = None,
    points_to_redeem: int = 0,
    points_balance: int = 0,
) -> Quote:
    """The price of an order. Raises RuleError for a coupon or points request that fails."""
    lines = tuple(lines)
    for line in lines:
        if line.quantity <= 0 or line.unit_fen < 0:
            raise RuleError("quantity_invalid")
    subtotal = sum(line.amount_fen for line in lines)
    member_discount = subtotal * min(max(member_discount_percent, 0), 100) // 100
    payable = subtotal - member_discount
    coupon_discount = 0
    if coupon is not None:
        # the coupon applies to the lines at the member price, proportionally
        keep = 100 - min(max(member_discount_percent, 0), 100)
        scaled = [
            QuoteLine(ln.product_id, ln.ticket_type_id, ln.amount_fen * keep // 100, 1)
            for ln in lines
        ]
        coupon_discount = min(coupon_discount_fen(coupon, scaled, now), payable)
    payable -= coupon_discount
    if points_to_redeem < 0 or points_to_redeem % POINTS_REDEEM_STEP:
        raise RuleError("points_invalid")
    if points_to_redeem > points_balance:
        raise RuleError("points_insufficient")
    if points_to_redeem > max_redeemable_points(payable, points_balance):
        raise RuleError("points_over_limit")
    points_fen = points_to_redeem * 100 // POINTS_PER_YUAN_REDEEMED
    total = max(0, payable - points_fen)
    return Quote(
        subtotal_fen=subtotal,
        member_discount_fen=member_discount,
        coupon_discount_fen=coupon_discount,
        points_used=points_to_redeem,
        points_discount_fen=points_fen,
        total_fen=total,
        lines=lines,
    )


def allocate(total_fen: int, weights: Sequence[int]) -> list[int]:
    """Split `total_fen` over items in proportion to `weights` (largest remainder); sums exactly."""
    if not weights:
        return []
    whole = sum(weights)
    if whole <= 0:
        shares = [total_fen // len(weights)] * len(weights)
        shares[0] += total_fen - sum(shares)
        return shares
    shares = [total_fen * w // whole for w in weights]
    remainders = [total_fen * w % whole for w in weights]
    rest = total_fen - sum(shares)
    order = sorted(range(len(weights)), key=lambda i: remainders[i], reverse=True)
    for i in order[:rest]:
        shares[i] += 1
    return shares
