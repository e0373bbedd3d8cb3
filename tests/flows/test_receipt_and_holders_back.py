"""Issue 16 follow-ups, played against the real backend and the emulators: a receipt slip after
a purchase (paper out first: a clear message, the tickets untouched; then printed) and after a
pickup from the start screen (paid on an OTA: the slip says so, and the e-invoice is refused
with the channel's zh/en message); Back on the real-name holder screens."""

from __future__ import annotations

import asyncio
import re
from typing import Any

from appliance.scenarios.common import PAY_OK, buy_admission, drive, pick_slot
from appliance.tourist import Emulators, Tourist
from backend_stub.process import BackendProcess
from backend_stub.seed import DEMO_ORDER_NOS
from kiosk.config import KioskConfig
from kiosk.domain.ids import resident_id_check_char
from kiosk.flows.after_sale import AfterSaleFlow
from kiosk.flows.home import JourneyLoop
from kiosk.flows.purchase import PurchaseFlow
from kiosk.startup import open_kiosk
from peripherals.printer.ticket_bytes import yuan
from tests.flows.conftest import api


async def next_state(t: Tourist, screen: str, timeout: float = 20.0) -> Any:
    """The next state published on `screen` after now."""
    seq = t.flow.state.seq
    async with asyncio.timeout(timeout):
        while t.flow.state.seq == seq or t.flow.state.screen != screen:
            await asyncio.sleep(0.02)
    return t.flow.state


def keys(state: Any) -> list[str]:
    return [m.key for m in state.messages]


def receipts(emu: Emulators) -> list[list[str]]:
    return [p.lines for p in emu.printer.tickets if "购物小票 RECEIPT" in p.lines]


def test_a_receipt_after_a_purchase_paper_out_first_then_printed(
    kiosk_config: KioskConfig, emulators: Emulators, backend: BackendProcess
) -> None:
    async def go() -> dict[str, Any]:
        async with open_kiosk(kiosk_config) as k:
            flow = PurchaseFlow(k.ports, product_id="ADM")
            t = Tourist(flow, emulators, k.hub)

            async def buyer() -> None:
                await buy_admission(t, {"ADM-ADULT": 2}, PAY_OK, phone=None)
                await t.until("done", "error", timeout=60)

            bought = await drive(flow, buyer)
            tickets = [p.png for p in emulators.printer.tickets if p.complete]
            after = AfterSaleFlow(k.ports, bought, flow.state)
            a = Tourist(after, emulators, k.hub)
            seen: dict[str, Any] = {"bought": bought}

            async def asker() -> None:
                state = await a.until("done")
                seen["offers"] = list(state.data["offers"])
                emulators.printer.empty_paper()
                a.tap("receipt")
                state = await next_state(a, "done", 30)
                seen["paper_out"] = state.messages[0]
                seen["offers_after_paper_out"] = list(state.data["offers"])
                emulators.printer.refill()
                a.tap("receipt")
                state = await next_state(a, "done", 30)
                seen["printed"] = keys(state)
                seen["offers_after"] = list(state.data["offers"])
                a.tap("cancel")

            await drive(after, asker)
            seen["tickets_before"] = tickets
            return seen

    seen = asyncio.run(asyncio.wait_for(go(), 120))
    bought = seen["bought"]
    assert bought.result == "done" and len(bought.printed) == 2
    assert seen["offers"] == ["invoice", "receipt"]
    # paper out: said clearly, the tickets already out untouched, the receipt may be asked again
    assert seen["paper_out"].key == "receipt.paper_out"
    assert seen["paper_out"].params["code"] == "paper_out"
    assert seen["offers_after_paper_out"] == ["invoice", "receipt"]
    tickets = [p for p in emulators.printer.tickets if p.qr_payloads]
    assert [p.png for p in tickets] == seen["tickets_before"] and len(tickets) == 2
    # refilled: printed once, then no longer offered
    assert seen["printed"][0] == "receipt.printed" and seen["offers_after"] == ["invoice"]
    [slip] = receipts(emulators)
    text = "\n".join(slip)
    assert bought.order_no in text and kiosk_config.kiosk_id in text
    assert any(r.startswith("2 x ￥") for r in slip)
    [total] = [r for r in slip if r.startswith("合计 TOTAL")]
    assert total.endswith(yuan(api(backend, f"/orders/{bought.order_id}")["total_fen"]))
    # the wallet and its trade number masked (wrapped onto the next row when long)
    assert re.search(r"支付 Paid: 微信支付 WeChat Pay\s+\w{4}\*{4,}\w{4}\n", text), text
    assert "非发票 NOT A TAX INVOICE" in slip


def test_after_a_pickup_a_receipt_and_the_ota_invoice_refused(
    kiosk_config: KioskConfig, emulators: Emulators
) -> None:
    order_no = DEMO_ORDER_NOS["CT88000001"]  # paid on Ctrip

    async def go() -> dict[str, Any]:
        async with open_kiosk(kiosk_config) as k:
            session = JourneyLoop(k.ports, k.hub)
            run = asyncio.create_task(session.run_once())
            while session.current.state.screen != "home":
                await asyncio.sleep(0.02)
            emulators.camera.show_code(f"KO1:{order_no}", seconds=1.5)
            async with asyncio.timeout(60):
                while session.current.name != "after_sale" or (
                    session.current.state.screen != "done"
                ):
                    await asyncio.sleep(0.02)
            a = Tourist(session.current, emulators, k.hub)
            seen: dict[str, Any] = {"first": a.flow.state}
            a.tap("receipt")
            seen["receipt"] = await next_state(a, "done", 30)
            a.tap("invoice")
            seen["invoice"] = await next_state(a, "done", 30)
            a.tap("cancel")
            seen["outcome"] = await run
            return seen

    seen = asyncio.run(asyncio.wait_for(go(), 120))
    first = seen["first"]
    assert first.data["journey"] == "pickup" and first.data["offers"] == ["invoice", "receipt"]
    assert seen["outcome"].order_no == order_no
    assert keys(seen["receipt"])[0] == "receipt.printed"
    [slip] = receipts(emulators)
    assert any("已在携程支付 Paid on Ctrip" in r for r in slip) and order_no in "".join(slip)
    refusal = seen["invoice"].messages[0]
    assert refusal.key == "error.invoice_from_channel"
    assert "携程" not in refusal.params["en"] and refusal.params["zh"] and refusal.params["en"]
    assert seen["invoice"].data["offers"] == []  # nothing more to offer: Finish


def _resident_id(first17: str) -> str:
    return first17 + resident_id_check_char(first17)


def test_back_on_the_holder_screens_keeps_what_was_entered(
    kiosk_config: KioskConfig, emulators: Emulators
) -> None:
    one, two = _resident_id("44030419850612123"), _resident_id("44030419900101456")

    async def go() -> dict[str, Any]:
        async with open_kiosk(kiosk_config) as k:
            flow = PurchaseFlow(k.ports, product_id="BUNDLE")
            t = Tourist(flow, emulators, k.hub)
            seen: dict[str, Any] = {}

            async def tourist() -> None:
                await pick_slot(t, 2)
                await t.until("choose_tickets")
                t.tap("set_count", ticket_type_id="BUNDLE-ADULT", count=2)
                t.tap("next")
                state = await t.until("holder")
                seen["first"] = (state.data["index"], "back" in state.actions)
                t.tap("enter_holder", doc_type="id_card", doc_number=one, name="欧阳一")
                state = await next_state(t, "holder")
                seen["second"] = (state.data["index"], dict(state.data["entered"]))
                t.tap("back")  # to the first visitor: what was entered is kept
                state = await next_state(t, "holder")
                seen["back_to_first"] = (state.data["index"], dict(state.data["entered"]),
                                         "keep_holder" in state.actions)  # fmt: skip
                t.tap("back")  # and out of the holders: the ticket counts, kept
                state = await next_state(t, "choose_tickets")
                seen["counts"] = dict(state.data["counts"])
                t.tap("next")
                state = await next_state(t, "holder")
                seen["forward_first"] = dict(state.data["entered"])
                t.tap("keep_holder")
                state = await next_state(t, "holder")
                seen["forward_second"] = (state.data["index"], dict(state.data["entered"]))
                t.tap("enter_holder", doc_type="id_card", doc_number=one, name="欧阳一")
                state = await next_state(t, "holder")
                seen["same_twice"] = keys(state)
                t.tap("enter_holder", doc_type="id_card", doc_number=two, name="欧阳二")
                state = await t.until("extras")
                seen["holders"] = [h["doc_number"] for h in state.data["holder_views"]]
                t.tap("cancel")

            outcome = await drive(flow, tourist)
            seen["result"] = outcome.result
            return seen

    seen = asyncio.run(asyncio.wait_for(go(), 90))
    assert seen["first"] == (1, True)
    assert seen["second"] == (2, {})  # nobody entered for the second visitor yet
    index, entered, keep = seen["back_to_first"]
    assert index == 1 and keep and entered["doc_number"] == one[:3] + "*" * 11 + one[-4:]
    assert seen["counts"] == {"BUNDLE-ADULT": 2}
    assert seen["forward_first"] == entered
    assert seen["forward_second"] == (2, {})
    assert seen["same_twice"] == ["holder.same_id_twice"]
    assert seen["holders"] == [entered["doc_number"], two[:3] + "*" * 11 + two[-4:]]
    assert seen["result"] == "cancelled"
