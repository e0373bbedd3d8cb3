"""Coupons and points on the summary: the server's quote line by line, a refused coupon told
with what to do next, a coupon applied, the member's points spent in steps; the e-invoice
after paying."""

from __future__ import annotations

from tests.flows.conftest import run_journey


def test_coupon_refused_then_applied_and_points_spent(kiosk_config, emulators, backend):
    result = run_journey("coupon-points", kiosk_config, emulators)
    seen = result["seen"]
    before, coupon, member, points = seen["before"], seen["coupon"], seen["member"], seen["points"]
    unit = before["lines"][0]["unit_fen"]
    assert before["total_fen"] == 2 * unit and before["coupon"] is None
    keys = [m["key"] for m in seen["refused"]]
    assert keys == ["error.coupon_expired", "coupon.next.coupon_expired"]
    assert seen["refused"][0]["params"]["zh"] == "优惠券不在有效期内"
    assert coupon["coupon"]["code"] == "WELCOME10" and coupon["coupon_discount_fen"] == 1000
    assert coupon["lines"][0]["coupon_discount_fen"] == 1000
    assert coupon["total_fen"] == 2 * unit - 1000
    # the gold member: 10 % off first, then the coupon
    assert member["member_discount_fen"] == 2 * unit // 10
    assert seen["points_options"][0] == 0 and all(p % 100 == 0 for p in seen["points_options"])
    assert points["points_used"] == 100 and points["total_fen"] == member["total_fen"] - 100
    assert result["result"] == "done"


def test_a_company_invoice_after_paying(kiosk_config, emulators, backend):
    result = run_journey("invoice", kiosk_config, emulators)
    seen = result["seen"]
    assert next(m["key"] for m in seen["refused"]) == "error.tax_number_invalid"
    assert seen["kept_title"] == "YUNTAI TRAVEL CO LTD"
    done = seen["done"][0]
    assert done["key"] == "invoice.recorded"  # no tax platform configured for this backend
    assert done["params"]["to"] == "138****8000"
    assert result["ok"]
