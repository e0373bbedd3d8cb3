"""Add-ons (父子票): bought on the admission ticket held, refused without one, and refused
again once the admission was refunded (the binding is kept after the sale)."""

from __future__ import annotations

from typing import Any

from appliance.scenarios.aftersales import refund_tickets
from appliance.scenarios.common import (
    PAY_OK,
    drive,
    outcome_dict,
    pay_code,
    pick_slot,
    purchase_admission,
)
from appliance.tourist import Emulators, Tourist
from kiosk.flows.addons import AddonFlow
from kiosk.startup import Kiosk


async def buy_addon(k: Kiosk, emu: Emulators | None, parent_code: str, name: str) -> dict[str, Any]:
    """The tourist in the park shows his admission ticket and buys one cable car ticket on it
    (the add-on's date is the admission's), paid with a payment code."""
    flow = AddonFlow(k.ports)
    t = Tourist(flow, emu, k.hub)

    async def tourist() -> None:
        await t.until("addon_identify")
        await t.show_code(parent_code)  # the printed admission ticket
        await t.until("addon_choose")
        t.tap("choose_product", product_id="CABLE")
        await pick_slot(t, 1)
        await t.until("choose_tickets")
        t.tap("set_count", ticket_type_id="CABLE-ADULT", count=1)
        t.tap("next")
        await t.until("extras")
        t.tap("next")
        await t.until("review")
        t.tap("confirm")
        await t.until("pay")
        await t.show_code(pay_code(PAY_OK))
        await t.until("done", "error", timeout=60)

    return outcome_dict(name, k, emu, await drive(flow, tourist))


async def addon_with_parent(k: Kiosk, emu: Emulators | None) -> dict[str, Any]:
    bought = await purchase_admission("purchase", k, emu, PAY_OK, {"ADM-ADULT": 1})
    admission = k.ports.journal.tickets_of(bought["order_id"])[0].layout["qr_text"]
    result = await buy_addon(k, emu, admission, "addon-with-parent")
    result["parent_order_no"] = bought["order_no"]
    return result


async def addon_refused_after_parent_refund(k: Kiosk, emu: Emulators | None) -> dict[str, Any]:
    """父子票 kept after the sale: tomorrow's admission, a cable car ticket bound to it; the
    admission is refunded at the kiosk and takes its unused cable car along (money back once);
    afterwards the same admission ticket no longer buys an add-on."""
    bought = await purchase_admission("purchase", k, emu, PAY_OK, {"ADM-ADULT": 1}, tomorrow=True)
    admission = k.ports.journal.tickets_of(bought["order_id"])[0]
    addon = await buy_addon(k, emu, admission.layout["qr_text"], "addon-with-parent")
    refunded = await refund_tickets(k, emu, admission.layout["qr_text"], [admission.ticket_id])
    flow = AddonFlow(k.ports)
    t = Tourist(flow, emu, k.hub)

    async def tourist() -> None:
        await t.until("addon_identify")
        await t.show_code(admission.layout["qr_text"])
        await t.until("addon_refused", "addon_choose")
        t.tap("cancel")

    result = outcome_dict("addon-refused-after-parent-refund", k, emu, await drive(flow, tourist))
    parent_order = await k.ports.client.get_order(bought["order_id"])
    addon_order = await k.ports.client.get_order(addon["order_id"])
    statuses = {
        "admission": [tk.status for tk in parent_order.tickets],
        "cable_car": [tk.status for tk in addon_order.tickets],
    }
    result.update(
        parent_order_no=bought["order_no"],
        parent_order_id=bought["order_id"],
        addon_order_no=addon["order_no"],
        addon_order_id=addon["order_id"],
        refund=refunded["data"],
        ticket_statuses=statuses,
        ok=result["result"] == "refused"
        and addon["result"] == "done"
        and refunded["result"] == "done"
        and set(statuses["admission"] + statuses["cable_car"]) == {"refunded"},
    )
    return result


async def addon_without_parent(k: Kiosk, emu: Emulators | None) -> dict[str, Any]:
    flow = AddonFlow(k.ports)
    t = Tourist(flow, emu, k.hub)

    async def tourist() -> None:
        await t.until("addon_identify")
        t.place_card("li_na")  # 李娜 holds no admission
        await t.until("addon_refused")
        t.lift_card()
        t.tap("cancel")

    result = outcome_dict("addon-without-parent", k, emu, await drive(flow, tourist))
    result["ok"] = result["result"] == "refused"
    return result
