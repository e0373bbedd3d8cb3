"""The summary (`extras`) re-quotes the cart whenever the tourist comes (back) to it. When the
cart changed under a coupon or points chosen earlier (Back, fewer tickets), the server refuses
that quote: the summary says why and what to do next there, drops what was refused and shows
the price the order will really cost, instead of the old quote and a refusal only at confirm.

The backend is the real one over HTTP (one per module); the member QR goes through the camera
emulator; the order is paid and printed at the price the summary showed."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from appliance.scenarios.common import PAY_OK, drive, pay_code, pick_slot
from appliance.tourist import Emulators, Tourist
from backend_stub.process import BackendProcess
from kiosk.config import KioskConfig
from kiosk.domain.errors import ERRORS
from kiosk.flows.base import FlowState
from kiosk.flows.purchase import PurchaseFlow
from kiosk.startup import open_kiosk
from tests.flows.conftest import api


async def _changed(t: Tourist, screen: str) -> FlowState:
    """The next state the flow publishes (on `screen`)."""
    seq = t.flow.state.seq
    while t.flow.state.seq == seq or t.flow.state.screen != screen:
        await asyncio.sleep(0.02)
    return t.flow.state


async def _coupon_then_fewer(t: Tourist, seen: dict[str, FlowState]) -> None:
    """One adult (¥120 and more) with WELCOME10 (¥10 off orders of ¥100+); back: a senior
    (¥60) instead."""
    t.tap("set_count", ticket_type_id="ADM-ADULT", count=1)
    t.tap("next")
    await t.until("extras")
    t.tap("set_coupon", code="WELCOME10")
    seen["chosen"] = await _changed(t, "extras")


async def _points_then_fewer(t: Tourist, seen: dict[str, FlowState]) -> None:
    """Two adults for the gold member (5,000 points), all of them spent; back: a senior."""
    t.tap("set_count", ticket_type_id="ADM-ADULT", count=2)
    t.tap("next")
    await t.until("extras")
    await t.show_code("KM1:M2002")
    while not t.flow.state.data.get("member_id"):
        await _changed(t, "extras")
    t.tap("set_points", points=max(t.flow.state.data["points_options"]))
    seen["chosen"] = await _changed(t, "extras")


@pytest.mark.parametrize(
    ("choose", "told", "dropped"),
    [
        (_coupon_then_fewer, "coupon_min_spend", "coupon_code"),
        (_points_then_fewer, "points_over_limit", "points_to_redeem"),
    ],
    ids=["coupon", "points"],
)
def test_a_coupon_or_points_the_smaller_cart_no_allows_are_told_on_the_summary(
    choose: Any,
    told: str,
    dropped: str,
    backend: BackendProcess,
    kiosk_config: KioskConfig,
    emulators: Emulators,
) -> None:
    seen: dict[str, FlowState] = {}

    async def go() -> str:
        async with open_kiosk(kiosk_config) as k:
            flow = PurchaseFlow(k.ports, product_id="ADM")
            t = Tourist(flow, emulators, k.hub)

            async def tourist() -> None:
                await pick_slot(t, 2)
                await t.until("choose_tickets")
                await choose(t, seen)
                t.tap("back")
                await t.until("choose_tickets")
                t.tap("set_count", ticket_type_id="ADM-ADULT", count=0)
                t.tap("set_count", ticket_type_id="ADM-SENIOR", count=1)
                t.tap("next")
                seen["again"] = await t.until("extras")
                if dropped == "points_to_redeem":  # the most the smaller order allows
                    t.tap("set_points", points=max(seen["again"].data["points_options"]))
                    seen["changed"] = await _changed(t, "extras")
                t.tap("next")
                seen["review"] = await t.until("review")
                t.tap("confirm")
                seen["pay"] = await t.until("pay")
                await t.show_code(pay_code(PAY_OK))
                await t.until("done", "error", timeout=60)

            outcome = await drive(flow, tourist)
            assert outcome.result == "done", outcome
            return outcome.order_id

    order_id = asyncio.run(asyncio.wait_for(go(), 90))
    chosen, again = seen["chosen"], seen["again"]
    assert chosen.data[dropped]  # the coupon or points were taken for the bigger cart
    # back on the summary: why (the one table's words), then what to do next, on that screen
    keys = [m.key for m in again.messages]
    assert keys[0] == f"error.{told}"
    assert keys[1] in (f"coupon.next.{told}", "points.next")
    reason = again.messages[0].params
    assert (reason["zh"], reason["en"]) == (ERRORS[told].zh, ERRORS[told].en)
    # what was refused is dropped: the quote shown is the senior's alone, at full price
    assert not again.data[dropped]
    quote = again.data["quote"]
    assert [(q["ticket_type_id"], q["quantity"]) for q in quote["lines"]] == [("ADM-SENIOR", 1)]
    assert quote["coupon"] is None and quote["points_used"] == 0
    assert again.data["total_fen"] == quote["total_fen"]
    # the tourist goes on from there (more points for the member) and pays what was shown
    shown = seen.get("changed", again).data["total_fen"]
    assert seen["review"].data["total_fen"] == shown == seen["pay"].data["total_fen"]
    order = api(backend, f"/orders/{order_id}")
    assert order["status"] == "paid" and order["total_fen"] == shown
    if dropped == "points_to_redeem":
        most = max(again.data["points_options"])
        assert again.messages[1].params == {"most": most}
        assert 0 < most < chosen.data["points_to_redeem"]
        assert seen["changed"].data["quote"]["points_used"] == most
