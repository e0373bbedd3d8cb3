from datetime import date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk.domain.errors import RuleError
from kiosk.domain.pricing import (
    Coupon,
    PriceRules,
    QuoteLine,
    allocate,
    max_redeemable_points,
    points_earned,
    quote,
    unit_price_fen,
)

NOW = datetime(2026, 11, 23, 10, 0)
RULES = PriceRules(weekend_percent=20, peak_percent=25, peak_months=frozenset({5, 10}))


def test_weekend_and_peak_prices() -> None:
    assert unit_price_fen(10000, date(2026, 11, 23), RULES) == 10000  # Monday, off season
    assert unit_price_fen(10000, date(2026, 11, 28), RULES) == 12000  # Saturday
    assert unit_price_fen(10000, date(2026, 10, 3), RULES) == 14500  # Saturday in peak
    assert unit_price_fen(10000, date(2026, 11, 23), RULES, slot_percent=-10) == 9000


def test_member_discount_then_coupon_then_points() -> None:
    lines = [QuoteLine("ADM", "ADULT", 12000, 2), QuoteLine("ADM", "CHILD", 6000, 1)]
    coupon = Coupon("WELCOME10", "amount", 1000, min_spend_fen=10000)
    q = quote(lines, now=NOW, member_discount_percent=5, coupon=coupon,
              points_to_redeem=500, points_balance=800)  # fmt: skip
    assert q.subtotal_fen == 30000
    assert q.member_discount_fen == 1500
    assert q.coupon_discount_fen == 1000
    assert q.points_discount_fen == 500
    assert q.total_fen == 30000 - 1500 - 1000 - 500
    assert q.points_earned == q.total_fen // 100


def test_coupon_rules() -> None:
    lines = [QuoteLine("CABLE", "ADULT", 8000, 1)]
    with pytest.raises(RuleError, match="coupon_min_spend"):
        quote(lines, now=NOW, coupon=Coupon("X", "amount", 500, min_spend_fen=9000))
    with pytest.raises(RuleError, match="coupon_not_applicable"):
        quote(lines, now=NOW, coupon=Coupon("X", "amount", 500, product_ids=frozenset({"ADM"})))
    with pytest.raises(RuleError, match="coupon_expired"):
        quote(lines, now=NOW, coupon=Coupon("X", "amount", 500, valid_until=datetime(2026, 1, 1)))
    q = quote(lines, now=NOW, coupon=Coupon("X", "percent", 10))
    assert q.total_fen == 7200


def test_points_rules() -> None:
    lines = [QuoteLine("ADM", "ADULT", 10000, 1)]
    with pytest.raises(RuleError, match="points_invalid"):
        quote(lines, now=NOW, points_to_redeem=150, points_balance=1000)
    with pytest.raises(RuleError, match="points_insufficient"):
        quote(lines, now=NOW, points_to_redeem=1100, points_balance=1000)
    with pytest.raises(RuleError, match="points_over_limit"):
        quote(lines, now=NOW, points_to_redeem=6000, points_balance=9000)
    assert max_redeemable_points(10000, 9000) == 5000


coupons = st.one_of(
    st.none(),
    st.builds(Coupon, st.just("C"), st.just("amount"), st.integers(0, 50000)),
    st.builds(Coupon, st.just("C"), st.just("percent"), st.integers(0, 100)),
)
lines_st = st.lists(
    st.builds(QuoteLine, st.sampled_from(["ADM", "CABLE"]), st.just("ADULT"),
              st.integers(0, 50000), st.integers(1, 20)),
    min_size=1, max_size=6,
)  # fmt: skip


@given(lines_st, st.integers(0, 100), coupons, st.integers(0, 100000), st.data())
def test_quote_total_is_consistent_and_never_negative(lines, percent, coupon, balance, data):
    payable_guess = sum(ln.amount_fen for ln in lines)
    points = data.draw(st.sampled_from([0, max_redeemable_points(payable_guess, balance) // 2]))
    points -= points % 100
    try:
        q = quote(lines, now=NOW, member_discount_percent=percent, coupon=coupon,
                  points_to_redeem=points, points_balance=balance)  # fmt: skip
    except RuleError as err:
        assert err.code in ("coupon_not_applicable", "points_over_limit")
        return
    assert q.total_fen >= 0
    assert q.total_fen <= q.subtotal_fen
    assert q.total_fen == max(0, q.subtotal_fen - q.member_discount_fen - q.coupon_discount_fen
                              - q.points_discount_fen)  # fmt: skip
    assert points_earned(q.total_fen) * 100 <= q.total_fen


@given(st.integers(0, 10**9), st.lists(st.integers(0, 10**6), min_size=1, max_size=30))
def test_allocation_sums_exactly(total, weights):
    shares = allocate(total, weights)
    assert sum(shares) == total
    assert all(s >= 0 for s in shares)
