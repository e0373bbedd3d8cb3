"""Buying admission (payment cases, paper out), picking up an order booked online, and a
member earning points."""

from __future__ import annotations

import asyncio
from typing import Any

from appliance.scenarios.common import (
    PAY_NEVER,
    PAY_OK,
    PAY_USERPAYING,
    buy_admission,
    drive,
    outcome_dict,
    purchase_admission,
)
from appliance.tourist import Emulators, Tourist
from backend_stub.seed import DEMO_ORDER_NOS
from kiosk.flows.membership import MembershipFlow
from kiosk.flows.pickup import PickupFlow
from kiosk.flows.purchase import PurchaseFlow
from kiosk.startup import Kiosk
from peripherals.idcard.protocol import IdCardData


async def purchase(k: Kiosk, emu: Emulators | None) -> dict[str, Any]:
    return await purchase_admission("purchase", k, emu, k.options.get("pay_code") or PAY_OK)


async def payment_userpaying(k: Kiosk, emu: Emulators | None) -> dict[str, Any]:
    return await purchase_admission("payment-userpaying", k, emu, PAY_USERPAYING, {"ADM-ADULT": 1})


async def payment_timeout_reversed(k: Kiosk, emu: Emulators | None) -> dict[str, Any]:
    """A code that stays `userpaying`: polled until the deadline, reversed; then the tourist
    walks away and the kiosk clears itself."""
    flow = PurchaseFlow(k.ports, product_id="ADM")
    t = Tourist(flow, emu, k.hub)

    async def tourist() -> None:
        await buy_admission(t, {"ADM-ADULT": 1}, PAY_NEVER)
        await t.until("pay_waiting")
        # back on `pay` with the reversal told, after the poll deadline
        while not any(m.key == "pay.reversed" for m in flow.told):
            await asyncio.sleep(0.1)
        t.tap("cancel")

    outcome = await drive(flow, tourist)
    result = outcome_dict("payment-timeout-reversed", k, emu, outcome)
    result["ok"] = any(m["key"] == "pay.reversed" for m in result["told"])
    return result


async def paper_out_resume(k: Kiosk, emu: Emulators | None) -> dict[str, Any]:
    result = await purchase_admission(
        "paper-out-resume", k, emu, PAY_OK, {"ADM-ADULT": 2, "ADM-CHILD": 1}, paper_out_after=1
    )
    result["ok"] = result["result"] == "done" and any(
        m["key"] == "print.stopped" for m in result["told"]
    )
    return result


async def pickup_id(
    k: Kiosk, emu: Emulators | None, *, card: IdCardData | str = "zhang_wei"
) -> dict[str, Any]:
    """The tourist places their ID card (张伟's demo card unless another is given: the bench's
    tourists each bring their own) and takes the tickets of every order waiting for it."""
    flow = PickupFlow(k.ports)
    t = Tourist(flow, emu, k.hub)

    async def tourist() -> None:
        await t.until("pickup_identify")
        t.place_card(card)
        await t.until("done", "pickup_none", timeout=30)
        t.lift_card()

    return outcome_dict("pickup-id", k, emu, await drive(flow, tourist))


async def pickup_order(
    k: Kiosk, emu: Emulators | None, *, order_no: str = DEMO_ORDER_NOS["MT55000002"]
) -> dict[str, Any]:
    """The tourist shows the order QR (Meituan's demo order unless another order number is
    given) and takes its tickets."""
    flow = PickupFlow(k.ports)
    t = Tourist(flow, emu, k.hub)

    async def tourist() -> None:
        await t.until("pickup_identify")
        await t.show_code(f"KO1:{order_no}")
        await t.until("done", "pickup_none", timeout=30)

    return outcome_dict("pickup-order", k, emu, await drive(flow, tourist))


async def member_points(k: Kiosk, emu: Emulators | None) -> dict[str, Any]:
    before = await k.ports.client.member("M1001")
    bought = await purchase_admission(
        "purchase", k, emu, PAY_OK, {"ADM-ADULT": 1}, member_qr="KM1:M1001"
    )
    flow = MembershipFlow(k.ports)
    t = Tourist(flow, emu, k.hub)

    async def tourist() -> None:
        await t.until("member_identify")
        await t.show_code("KM1:M1001")
        await t.until("member")
        t.tap("done")

    outcome = await drive(flow, tourist)
    result = outcome_dict("member-points", k, emu, outcome)
    result.update(
        order_no=bought["order_no"],
        order_id=bought["order_id"],
        tickets_printed=bought["tickets_printed"],
        points_before=before.points,
        points_after=outcome.data.get("points"),
        points_earned=bought["data"].get("points_earned"),
    )
    result["told"] = bought["told"] + result["told"]
    result["ok"] = outcome.data.get("points", 0) > before.points
    return result
