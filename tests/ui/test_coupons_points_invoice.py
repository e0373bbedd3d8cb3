"""Coupons, points, Back and the e-invoice through the real app: what the tourist reads on
each screen (screenshots under artifacts/ui/kiosk/<orientation>/)."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.ui]

MODULE = "tests.ui.scenarios_coupons"


def joined(texts: list[str]) -> str:
    return " ".join(texts)


# portrait only: the landscape review screen (two columns) is walked by the accessibility
# check with a many-lines sample in both orientations (tests/ui/test_accessibility.py); a
# second 50 s run here proved nothing more
@pytest.mark.parametrize("size", ["1080x1920"], ids=["portrait"])
def test_coupon_points_back_and_invoice_on_screen(run_ui, kiosk_rig, size):
    result = run_ui("coupons_points_back_invoice", size=size, env=kiosk_rig, module=MODULE,
                    timeout=180)["result"]  # fmt: skip
    read = result["read"]
    # the server's quote, line by line
    assert "成人票" in joined(read["quote"]) and "× 2" in joined(read["quote"])
    # refused with the reason and what to do next
    refused = joined(read["refused"])
    assert "优惠券不在有效期内" in refused and "换一张优惠券" in refused
    # accepted: the discount on the line and the coupon named
    coupon = joined(read["coupon"])
    assert "WELCOME10" in coupon and "−¥10" in coupon
    # the member's points spent: the new total before paying
    points = joined(read["points"])
    assert "会员折扣" in points and "，抵扣 ¥" in points
    assert f"¥{result['total'] // 100}" in joined(read["pay"])
    # back from the payment prompt to the product choice, forward again: the same total
    assert result["total_again"] == result["total"]
    # the done screen offers a receipt slip next to the e-invoice; printed (portrait run)
    assert read["receipt_offered"]
    if size == "1080x1920":
        assert "收据已打印" in joined(read["receipt"]) and "电子发票" in joined(read["receipt"])
    # the e-invoice: a wrong tax number told, then recorded and sent to the masked phone
    assert "统一社会信用代码" in joined(read["tax_refused"])
    assert read["tax_kept"].replace(" ", "") == "91350100M000100Y44"  # kept on screen to fix
    assert "138****8000" in joined(read["invoice"])
