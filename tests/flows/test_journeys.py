"""Each journey end to end: the backend in its own process, the emulators on real transports
(camera MJPEG over HTTP, ID card over a pty, ESC/POS printer over TCP), the real drivers."""

from __future__ import annotations

from collections import Counter

import httpx
import pytest

from appliance.tourist import Emulators
from backend_stub.process import BackendProcess
from backend_stub.seed import DEMO_ORDER_NOS
from kiosk.config import KioskConfig
from tests.flows.conftest import api, printed_codes, run_journey


def told(result: dict) -> list[str]:
    return [m["key"] for m in result["told"]]


def test_purchase_prints_one_ticket_per_person_and_marks_them_printed(
    backend: BackendProcess, kiosk_config: KioskConfig, emulators: Emulators
) -> None:
    result = run_journey("purchase", kiosk_config, emulators)
    assert result["result"] == "done"
    order = api(backend, f"/orders/{result['order_id']}")
    assert order["status"] == "paid"
    assert [t["status"] for t in order["tickets"]] == ["printed", "printed"]
    assert sorted(printed_codes(emulators)) == sorted(t["code"] for t in order["tickets"])
    assert all(t["png"].endswith(".png") for t in result["tickets_printed"])
    progress = [m["params"] for m in result["told"] if m["key"] == "print.printing"]
    assert [(p["done"], p["total"]) for p in progress] == [(0, 2), (1, 2)]  # 1 of 2, 2 of 2


def test_pickup_by_id_card_prints_the_ota_order_with_masked_holder(
    backend: BackendProcess, kiosk_config: KioskConfig, emulators: Emulators
) -> None:
    result = run_journey("pickup-id", kiosk_config, emulators)
    assert result["order_no"] == DEMO_ORDER_NOS["CT88000001"]  # Ctrip's order, our number
    assert len(result["tickets_printed"]) == 1
    text = "\n".join(emulators.printer.tickets[0].lines)
    assert "张*" in text and "110***********2375" in text
    assert "110101199003072375" not in text and "张伟" not in text


def test_pickup_by_order_qr_prints_every_ticket_of_the_order(
    backend: BackendProcess, kiosk_config: KioskConfig, emulators: Emulators
) -> None:
    result = run_journey("pickup-order", kiosk_config, emulators)
    assert result["order_no"] == DEMO_ORDER_NOS["MT55000002"]
    assert len(printed_codes(emulators)) == 3
    assert {t["status"] for t in api(backend, f"/orders/{result['order_id']}")["tickets"]} == {
        "printed"
    }


def test_addon_sold_to_the_holder_of_an_admission_ticket(
    backend: BackendProcess, kiosk_config: KioskConfig, emulators: Emulators
) -> None:
    result = run_journey("addon-with-parent", kiosk_config, emulators)
    assert result["result"] == "done"
    order = api(backend, f"/orders/{result['order_id']}")
    assert [t["product_id"] for t in order["tickets"]] == ["CABLE"]
    assert order["tickets"][0]["status"] == "printed"


def test_addon_refused_without_admission_says_why(
    backend: BackendProcess, kiosk_config: KioskConfig, emulators: Emulators
) -> None:
    result = run_journey("addon-without-parent", kiosk_config, emulators)
    assert result["result"] == "refused"
    assert "error.parent_ticket_required" in told(result)
    assert "addon.offer_admission_with_addon" in told(result)
    assert result["order_id"] == "" and printed_codes(emulators) == []


def test_member_earns_points_on_a_purchase(
    backend: BackendProcess, kiosk_config: KioskConfig, emulators: Emulators
) -> None:
    result = run_journey("member-points", kiosk_config, emulators)
    assert result["points_earned"] > 0
    assert result["points_after"] == result["points_before"] + result["points_earned"]
    assert api(backend, "/members/M1001")["points"] == result["points_after"]


def test_rebook_moves_the_ticket_and_prints_it_again_with_a_new_code(
    backend: BackendProcess, kiosk_config: KioskConfig, emulators: Emulators
) -> None:
    result = run_journey("rebook", kiosk_config, emulators)
    assert result["result"] == "done", told(result)
    order = api(backend, f"/orders/{result['order_id']}")
    codes = printed_codes(emulators)
    assert len(codes) == 2 and codes[0] != codes[1]  # the original and the rebooked ticket
    assert order["tickets"][0]["code"] == codes[1]
    assert order["tickets"][0]["status"] == "printed"


def test_rebook_to_a_dearer_slot_pays_the_difference_then_prints_the_moved_ticket(
    backend: BackendProcess, kiosk_config: KioskConfig, emulators: Emulators
) -> None:
    result = run_journey("rebook-dearer", kiosk_config, emulators)
    assert result["result"] == "done", told(result)
    assert "rebook.pay_difference" in told(result)
    due = next(m for m in result["told"] if m["key"] == "rebook.pay_difference")["params"]
    order = api(backend, f"/orders/{result['order_id']}")
    ticket = order["tickets"][0]
    assert due["due_fen"] == result["data"]["due_fen"] > 0
    assert ticket["paid_fen"] == ticket["unit_fen"]  # the old price plus the difference paid
    codes = printed_codes(emulators)
    assert len(codes) == 2 and codes[1] == ticket["code"] != codes[0]  # moved, new code
    assert ticket["status"] == "printed" and ticket["slot_id"] != ""
    old = httpx.post(f"{backend.url}/api/v1/tickets/verify", json={"code": codes[0]},
                     headers=backend.kiosk_headers(), timeout=5)  # fmt: skip
    assert old.json()["error"]["code"] == "ticket_invalid"  # the old code opens nothing


def test_refund_of_tomorrows_ticket(
    backend: BackendProcess, kiosk_config: KioskConfig, emulators: Emulators
) -> None:
    result = run_journey("refund", kiosk_config, emulators)
    assert result["result"] == "done", told(result)
    order = api(backend, f"/orders/{result['order_id']}")
    assert order["status"] == "refunded"
    assert result["data"]["refunded_fen"] + result["data"]["fee_fen"] == order["total_fen"]


def test_paper_out_stops_names_the_missing_and_prints_only_those_after_restock(
    backend: BackendProcess, kiosk_config: KioskConfig, emulators: Emulators
) -> None:
    result = run_journey("paper-out-resume", kiosk_config, emulators)
    assert result["result"] == "done"
    stopped = next(m for m in result["told"] if m["key"] == "print.stopped")
    assert stopped["params"]["code"] == "paper_out" and stopped["params"]["missing"] == 2
    assert len(emulators.printer.partials) == 1
    codes = Counter(printed_codes(emulators))
    order = api(backend, f"/orders/{result['order_id']}")
    assert codes == Counter(t["code"] for t in order["tickets"])  # each exactly once


def test_userpaying_is_polled_until_paid(
    backend: BackendProcess, kiosk_config: KioskConfig, emulators: Emulators
) -> None:
    result = run_journey("payment-userpaying", kiosk_config, emulators)
    assert result["result"] == "done"
    assert "pay.confirm_on_phone" in told(result)
    assert api(backend, f"/orders/{result['order_id']}")["status"] == "paid"


def test_payment_never_confirmed_is_reversed_after_the_deadline(
    backend: BackendProcess, kiosk_config: KioskConfig, emulators: Emulators
) -> None:
    result = run_journey("payment-timeout-reversed", kiosk_config, emulators)
    assert "pay.reversed" in told(result)
    assert result["result"] == "cancelled"
    assert printed_codes(emulators) == []


def test_native_qr_payment_is_polled_until_the_phone_pays(
    backend: BackendProcess, kiosk_config: KioskConfig, emulators: Emulators
) -> None:
    import asyncio

    import httpx

    from appliance.scenarios import buy_admission
    from appliance.tourist import Tourist
    from kiosk.flows.purchase import PurchaseFlow
    from kiosk.startup import open_kiosk

    async def go() -> tuple[str, str]:
        async with open_kiosk(kiosk_config) as k:
            flow = PurchaseFlow(k.ports, product_id="ADM")
            t = Tourist(flow, emulators, k.hub)
            task = asyncio.create_task(flow.run())
            await buy_admission(t, {"ADM-ADULT": 1}, None)
            state = await t.until("pay_qr")
            order_id, pid = state.data["order_id"], state.data["payment_id"]
            async with httpx.AsyncClient(headers=backend.kiosk_headers()) as http:
                paid = await http.post(  # the customer's phone scans the QR and pays
                    f"{backend.url}/api/v1/simulator/orders/{order_id}/payments/{pid}/scan"
                )
                paid.raise_for_status()
            await t.until("done", timeout=30)
            await task
            return state.data["code_url"], order_id

    code_url, order_id = asyncio.run(asyncio.wait_for(go(), 60))
    assert code_url
    assert api(backend, f"/orders/{order_id}")["status"] == "paid"
    assert len(printed_codes(emulators)) == 1


def test_addon_for_a_holder_recognised_by_id_card_adult_and_child_lines(
    backend: BackendProcess, kiosk_config: KioskConfig, emulators: Emulators
) -> None:
    import asyncio

    from appliance.scenarios import PAY_OK, pay_code, pick_slot
    from appliance.tourist import Tourist
    from kiosk.flows.addons import AddonFlow
    from kiosk.startup import open_kiosk

    async def go() -> str:
        async with open_kiosk(kiosk_config) as k:
            flow = AddonFlow(k.ports)
            t = Tourist(flow, emulators, k.hub)
            task = asyncio.create_task(flow.run())
            await t.until("addon_identify")
            emulators.idcard.place_card("zhang_wei")  # his Ctrip admission is for today
            await t.until("addon_choose")
            emulators.idcard.lift_card()
            t.tap("choose_product", product_id="CABLE")
            state = await t.until("choose_slot")
            if not [s for s in state.data["slots"] if s["status"] == "open"]:
                t.tap("cancel")
                await task
                return ""  # his admission is for today, and today's cable car has closed
            await pick_slot(t, 1)
            await t.until("choose_tickets")
            t.tap("set_count", ticket_type_id="CABLE-ADULT", count=1)
            t.tap("set_count", ticket_type_id="CABLE-CHILD", count=1)  # two lines, one parent
            t.tap("next")
            await t.until("extras")
            t.tap("next")
            await t.until("review")
            t.tap("confirm")
            state = await t.until("pay", "error")
            assert state.screen == "pay", state.messages
            await t.show_code(pay_code(PAY_OK))
            await t.until("done", timeout=30)
            return (await task).order_id

    order_id = asyncio.run(asyncio.wait_for(go(), 60))
    if not order_id:
        pytest.skip("no cable car slot left today for today's admission")
    order = api(backend, f"/orders/{order_id}")
    assert [t["product_id"] for t in order["tickets"]] == ["CABLE", "CABLE"]
    assert sorted(t["ticket_type_id"] for t in order["tickets"]) == ["CABLE-ADULT", "CABLE-CHILD"]
    assert {t["status"] for t in order["tickets"]} == {"printed"}
    assert sorted(printed_codes(emulators)) == sorted(t["code"] for t in order["tickets"])


def test_addon_refused_then_admission_and_addon_bought_together_in_one_payment(
    backend: BackendProcess, kiosk_config: KioskConfig, emulators: Emulators
) -> None:
    import asyncio

    from appliance.scenarios import PAY_OK, pay_code, pick_slot
    from appliance.tourist import Tourist
    from kiosk.flows.addons import AddonFlow
    from kiosk.startup import open_kiosk

    async def go() -> tuple[str, dict, int]:
        async with open_kiosk(kiosk_config) as k:
            flow = AddonFlow(k.ports)
            t = Tourist(flow, emulators, k.hub)
            task = asyncio.create_task(flow.run())
            await t.until("addon_identify")
            emulators.idcard.place_card("li_na")  # 李娜 holds no admission
            await t.until("addon_refused")
            emulators.idcard.lift_card()
            t.tap("buy_admission", product_id="CABLE")
            await pick_slot(t, 2, tomorrow=True)  # the admission's slot, tomorrow
            await t.until("choose_tickets")
            t.tap("set_count", ticket_type_id="ADM-ADULT", count=1)
            t.tap("set_count", ticket_type_id="ADM-CHILD", count=1)
            t.tap("next")
            state = await t.until("choose_slot")  # now the cable car's, on that same date
            assert state.data["product"]["id"] == "CABLE" and "choose_date" not in state.actions
            t.tap(
                "choose_slot",
                slot_id=next(
                    s["id"]
                    for s in state.data["slots"]
                    if s["status"] == "open" and s["remaining"] >= 2
                ),
            )
            await t.until("extras")
            t.tap("next")
            review = await t.until("review")
            seq = review.seq
            t.tap("confirm")
            while flow.state.seq == seq:
                await asyncio.sleep(0.02)
            assert flow.state.screen == "pay", flow.state.messages
            await t.show_code(pay_code(PAY_OK))
            await t.until("done", timeout=30)
            outcome = await task
            return outcome.order_id, dict(review.data), state.data["date"]

    order_id, review, day = asyncio.run(asyncio.wait_for(go(), 60))
    order = api(backend, f"/orders/{order_id}")
    assert order["status"] == "paid" and order["total_fen"] == review["estimate_fen"]
    assert sorted(t["ticket_type_id"] for t in order["tickets"]) == [
        "ADM-ADULT", "ADM-CHILD", "CABLE-ADULT", "CABLE-CHILD"
    ]  # fmt: skip
    assert {t["date"] for t in order["tickets"]} == {day}
    assert {t["status"] for t in order["tickets"]} == {"printed"}
    assert sorted(printed_codes(emulators)) == sorted(t["code"] for t in order["tickets"])
    assert sum(t["paid_fen"] for t in order["tickets"]) == order["total_fen"]  # paid once, whole


def test_refunding_the_admission_takes_its_cable_car_along_and_no_add_on_after(
    backend: BackendProcess, kiosk_config: KioskConfig, emulators: Emulators
) -> None:
    """父子票 kept after the sale, through the kiosk's own screens: the admission is refunded
    with its unused cable car in one refund (money back once), the gate refuses the cable car's
    code, and the refunded admission buys no add-on."""
    result = run_journey("addon-refused-after-parent-refund", kiosk_config, emulators)
    assert result["ok"], told(result)
    assert result["result"] == "refused" and "error.parent_ticket_required" in told(result)
    assert result["order_id"] == ""  # the refused attempt placed no order
    parent = api(backend, f"/orders/{result['parent_order_id']}")
    addon = api(backend, f"/orders/{result['addon_order_id']}")
    assert [t["status"] for t in parent["tickets"] + addon["tickets"]] == ["refunded"] * 2
    refund = result["refund"]
    assert parent["refunded_fen"] + addon["refunded_fen"] == refund["refunded_fen"]
    assert refund["refunded_fen"] + refund["fee_fen"] == parent["total_fen"] + addon["total_fen"]
    codes = printed_codes(emulators)  # the admission and the cable car, as printed
    assert len(codes) == 2
    for code in codes:  # neither opens a gate any more
        gate = httpx.post(f"{backend.url}/api/v1/tickets/verify", json={"code": code},
                          headers=backend.kiosk_headers(), timeout=5)  # fmt: skip
        assert gate.json()["error"]["code"] in ("ticket_refunded", "ticket_invalid")
