"""The summary re-quotes a cart changed under a coupon (real app, real backend; run under
`flock /tmp/kiosk-ui.lock`): the refusal and what to do next on the summary itself, in Chinese
and English, and the price the order will cost. Screenshots under
artifacts/ui/kiosk/portrait/NN_summary_coupon_dropped_<lang>.png."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.ui]

MODULE = "tests.ui.scenarios_requote"


def joined(texts: list[str]) -> str:
    return " ".join(texts)


def test_a_coupon_the_smaller_cart_no_longer_allows_is_told_on_the_summary(run_ui, kiosk_rig):
    result = run_ui("coupon_dropped_after_back", env=kiosk_rig, module=MODULE, timeout=90)
    read = result["result"]["read"]
    assert read["messages"] == ["error.coupon_min_spend", "coupon.next.coupon_min_spend"]
    zh, en = joined(read["zh"]), joined(read["en"])
    assert "未达到优惠券的最低消费" in zh and "再加购门票即可使用券 WELCOME10" in zh
    assert "minimum" not in zh  # the table's words, not the backend's English detail
    assert "minimum spend" in en.lower() and "WELCOME10" in en
    # the senior's price, no coupon line: what the order will cost
    assert "老年票" in zh and "优惠券  −¥" not in zh
    assert f"¥{read['total_fen'] // 100}" in zh
