"""Going back inside a journey (kiosk.flows.steps): from the payment prompt one step at a time
to the product choice, what was chosen kept, and forward again to the same total; the hold
given up on the way back."""

from __future__ import annotations

from tests.flows.conftest import api, run_journey


def test_back_from_the_payment_prompt_to_the_product_and_forward_to_the_same_total(
    kiosk_config, emulators, backend
):
    result = run_journey("coupon-points", kiosk_config, emulators)
    seen = result["seen"]
    assert seen["walked_back"] == ["extras", "choose_tickets", "choose_slot", "choose_product"]
    assert seen["counts_kept"] == {"ADM-ADULT": 2}
    assert seen["kept"] == {
        "coupon_code": "WELCOME10",
        "member_id": "M2002",
        "points_to_redeem": 100,
    }
    assert seen["pay_total_again"] == seen["pay_total"] == seen["points"]["total_fen"]
    assert result["result"] == "done" and len(result["tickets_printed"]) == 2
    # the order paid is the second one: the first hold was given up on the way back
    order = api(backend, f"/orders/{result['order_id']}")
    assert order["total_fen"] == seen["pay_total"] and order["status"] == "paid"
