"""Coupons, points, going back and the e-invoice (issue 16): a member buys two adult
tickets with a coupon typed, a coupon that is refused, a coupon scanned, points spent, walks
back from the payment prompt to the product choice and forward again; a tourist asks for a
company's e-invoice after paying."""

from __future__ import annotations

import asyncio
from typing import Any

from appliance.scenarios.common import (
    PAY_OK,
    buy_admission,
    drive,
    outcome_dict,
    pay_code,
    pick_slot,
)
from appliance.tourist import Emulators, Tourist
from kiosk.flows.after_sale import AfterSaleFlow
from kiosk.flows.purchase import PurchaseFlow
from kiosk.startup import Kiosk

COMPANY = {"title": "YUNTAI TRAVEL CO LTD", "tax_number": "91350100M000100Y43"}


def _quote(t: Tourist) -> dict[str, Any]:
    return dict(t.flow.state.data.get("quote") or {})


async def _changed(t: Tourist, screen: str) -> dict[str, Any]:
    """After a tap on `screen`: the next state published there (the flow re-quoted)."""
    seq = t.flow.state.seq
    while t.flow.state.seq == seq or t.flow.state.screen != screen:
        await t.until(screen)
        if t.flow.state.seq == seq:
            await asyncio.sleep(0.02)
    return dict(t.flow.state.data)


async def coupon_points(k: Kiosk, emu: Emulators | None) -> dict[str, Any]:
    """Two adults; EXPIRED5 refused, WELCOME10 typed, the member card's QR, 100 points, then
    Back from the payment prompt to the product choice and forward again: the same total."""
    flow = PurchaseFlow(k.ports)
    t = Tourist(flow, emu, k.hub)
    seen: dict[str, Any] = {}

    async def to_extras() -> None:
        await t.until("choose_product")
        t.tap("choose_product", product_id="ADM")
        await pick_slot(t, 2)
        await t.until("choose_tickets")
        t.tap("set_count", ticket_type_id="ADM-ADULT", count=2)
        t.tap("next")
        await t.until("extras")

    async def tourist() -> None:
        await to_extras()
        seen["before"] = _quote(t)
        t.tap("set_coupon", code="EXPIRED5")
        await _changed(t, "extras")
        seen["refused"] = [m.as_dict() for m in flow.state.messages]
        t.tap("set_coupon", code="welcome10")
        await _changed(t, "extras")
        seen["coupon"] = _quote(t)
        if emu is not None:
            await t.show_code("KM1:M2002")  # the member QR: gold, 10 % off, points
        seen["member"] = _quote(t)
        seen["points_options"] = list(flow.state.data.get("points_options", []))
        t.tap("set_points", points=100)
        await _changed(t, "extras")
        seen["points"] = _quote(t)
        t.tap("next")
        await t.until("review")
        t.tap("confirm")
        state = await t.until("pay")
        seen["pay_total"] = state.data["total_fen"]
        # back, step by step, to the product choice; then forward again
        walked = []
        for _ in range(4):
            t.tap("back")
            screen = (await _next_screen(t)).screen
            walked.append(screen)
        seen["walked_back"] = walked
        t.tap("choose_product", product_id="ADM")
        state = await t.until("choose_slot")
        t.tap("choose_slot", slot_id=state.data["chosen_slot_id"])
        state = await t.until("choose_tickets")
        seen["counts_kept"] = dict(state.data["counts"])
        t.tap("next")
        state = await t.until("extras")
        seen["kept"] = {k: state.data[k] for k in ("coupon_code", "member_id", "points_to_redeem")}
        t.tap("next")
        await t.until("review")
        t.tap("confirm")
        state = await t.until("pay")
        seen["pay_total_again"] = state.data["total_fen"]
        if emu is not None:
            await t.show_code(pay_code(PAY_OK))
        await t.until("done", "error", timeout=60)

    outcome = await drive(flow, tourist)
    result = outcome_dict("coupon-points", k, emu, outcome)
    result["seen"] = seen
    result["ok"] = outcome.result == "done" and seen["pay_total"] == seen["pay_total_again"]
    return result


async def _next_screen(t: Tourist) -> Any:
    seq = t.flow.state.seq
    while t.flow.state.seq == seq:
        await asyncio.sleep(0.02)
    return t.flow.state


async def invoice(k: Kiosk, emu: Emulators | None) -> dict[str, Any]:
    """One adult bought and paid; then a company's e-invoice: a wrong tax number refused, the
    right one, the phone; issued (or recorded when no tax platform is configured)."""
    flow = PurchaseFlow(k.ports, product_id="ADM")
    t = Tourist(flow, emu, k.hub)

    async def buyer() -> None:
        await buy_admission(t, {"ADM-ADULT": 1}, PAY_OK, phone=None)
        await t.until("done", "error", timeout=60)

    bought = await drive(flow, buyer)
    after = AfterSaleFlow(k.ports, bought, flow.state)
    a = Tourist(after, emu, k.hub)
    seen: dict[str, Any] = {}

    async def asker() -> None:
        await a.until("done")
        a.tap("invoice")
        await a.until("invoice_title")
        a.tap("title_kind", kind="company")
        await a.until("invoice_company")
        a.tap("set_title", title=COMPANY["title"])
        await a.until("invoice_tax_number")
        a.tap("set_tax_number", tax_number=COMPANY["tax_number"][:-1] + "4")
        state = await _next_screen(a)
        seen["refused"] = [m.as_dict() for m in state.messages]
        a.tap("back")  # one step back: the name is kept
        state = await a.until("invoice_company")
        seen["kept_title"] = state.data["form"]["title"]
        a.tap("set_title", title=COMPANY["title"])
        await a.until("invoice_tax_number")
        a.tap("set_tax_number", tax_number=COMPANY["tax_number"])
        await a.until("invoice_contact")
        a.tap("set_contact", contact="13800138000")
        state = await a.until("invoice_done", timeout=30)
        seen["done"] = [m.as_dict() for m in state.messages]
        a.tap("cancel")  # finish

    outcome = await drive(after, asker)
    result = outcome_dict("invoice", k, emu, bought)
    result["seen"] = seen
    result["invoice_result"] = outcome.result
    result["ok"] = bought.result == "done" and any(
        m["key"] in ("invoice.issued", "invoice.recorded") for m in seen.get("done", [])
    )
    return result
