"""The scenarios `kiosk play NAME` plays (and the tests assert on): one journey each, the
tourist's part scripted.

Each scenario starts a flow, plays the person's part through the emulators (placing the ID card,
showing a payment code to the camera) and taps, and returns a JSON-able outcome. They live by
area: common.py (what they share), sales.py, addons.py, aftersales.py, documents.py.
"""

from __future__ import annotations

from typing import Any

from appliance.scenarios.addons import (
    addon_refused_after_parent_refund,
    addon_with_parent,
    addon_without_parent,
    buy_addon,
)
from appliance.scenarios.aftersales import rebook, rebook_dearer, refund, refund_tickets
from appliance.scenarios.common import (
    PAY_FAILS,
    PAY_NEVER,
    PAY_OK,
    PAY_USERPAYING,
    Scenario,
    buy_admission,
    drive,
    outcome_dict,
    pay_code,
    pick_slot,
    purchase_admission,
)
from appliance.scenarios.coupons import coupon_points, invoice
from appliance.scenarios.documents import (
    foreign_card_purchase,
    passport_purchase,
    staff_allows_no_document,
)
from appliance.scenarios.sales import (
    member_points,
    paper_out_resume,
    payment_timeout_reversed,
    payment_userpaying,
    pickup_id,
    pickup_order,
    purchase,
)
from appliance.scenarios.seats import seats_side_by_side

__all__ = [
    "PAY_FAILS",
    "PAY_NEVER",
    "PAY_OK",
    "PAY_USERPAYING",
    "SCENARIOS",
    "Scenario",
    "buy_addon",
    "buy_admission",
    "describe",
    "drive",
    "outcome_dict",
    "pay_code",
    "pick_slot",
    "purchase_admission",
    "refund_tickets",
]

SCENARIOS: dict[str, Scenario] = {
    "purchase": purchase,
    "pickup-id": pickup_id,
    "pickup-order": pickup_order,
    "addon-with-parent": addon_with_parent,
    "addon-without-parent": addon_without_parent,
    "addon-refused-after-parent-refund": addon_refused_after_parent_refund,
    "member-points": member_points,
    "rebook": rebook,
    "rebook-dearer": rebook_dearer,
    "refund": refund,
    "paper-out-resume": paper_out_resume,
    "payment-userpaying": payment_userpaying,
    "payment-timeout-reversed": payment_timeout_reversed,
    "foreign-card-purchase": foreign_card_purchase,
    "passport-purchase": passport_purchase,
    "staff-allows-no-document": staff_allows_no_document,
    "coupon-points": coupon_points,
    "invoice": invoice,
    "seats": seats_side_by_side,
}


def describe(result: dict[str, Any]) -> str:
    lines = [f"journey {result.get('journey')}: {result.get('result', '')}"]
    if result.get("order_no"):
        lines.append(f"  order {result['order_no']} ({result.get('order_id')})")
    for t in result.get("tickets_printed", []):
        lines.append(f"  printed {t['ticket_id']}  {t['png']}")
    for tid in result.get("tickets_missing", []):
        lines.append(f"  MISSING {tid}")
    for m in result.get("told", []):
        params = ", ".join(f"{k}={v}" for k, v in m["params"].items())
        lines.append(f"  told: {m['key']}" + (f" ({params})" if params else ""))
    for h in result.get("holders", []):
        doc = h["doc_name"]["en"]
        lines.append(f"  holder: {doc} {h['doc_number']} {h['name']}".rstrip())
    if result.get("replayed"):
        lines.append(f"  replayed: {result['replayed']}")
    return "\n".join(lines)
