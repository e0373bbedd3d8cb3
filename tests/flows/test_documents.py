"""Real-name tickets with every document the holder screen takes, end to end: the backend in its
own process, the ID card reader emulator on a pty, the camera and printer emulators.

- a foreign permanent residence card on the reader reaches the backend as `foreign_permanent`
  and buys a real-name ticket (it used to be sent as `id_card` and refused);
- a passport typed: a wrong number is refused on the kiosk naming the passport, a right one
  buys the ticket;
- an adult without a document: a supervisor's staff card and PIN allow him; an operator's may
  not; the backend audits it and the ticket prints 无证件·工作人员放行.
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from appliance import scenarios
from appliance.tourist import Emulators, Tourist
from backend_stub.process import BackendProcess
from kiosk.config import KioskConfig
from kiosk.flows.base import SMART_CARD
from kiosk.flows.purchase import PurchaseFlow
from kiosk.startup import open_kiosk
from peripherals.smartcard.protocol import SmartCardData
from tests.flows.conftest import api, printed_codes, run_journey


def told(result: dict[str, Any]) -> list[str]:
    return [m["key"] for m in result["told"]]


def printed_text(emu: Emulators) -> str:
    return "\n".join(line for t in emu.printer.tickets for line in t.lines)


def test_foreign_permanent_residence_card_on_the_reader_buys_a_real_name_ticket(
    backend: BackendProcess, kiosk_config: KioskConfig, emulators: Emulators
) -> None:
    result = run_journey("foreign-card-purchase", kiosk_config, emulators)
    assert result["result"] == "done", told(result)
    order = api(backend, f"/orders/{result['order_id']}")
    assert order["status"] == "paid"
    [ticket] = order["tickets"]
    assert ticket["product_id"] == "BUNDLE" and ticket["status"] == "printed"
    assert ticket["holder"]["doc_type"] == "foreign_permanent"
    assert ticket["holder"]["doc_number"] == "USA********1501"
    assert printed_codes(emulators) == [ticket["code"]]
    # masked on the summary and on paper, never whole
    assert result["holders"][0]["doc_number"] == "USA********1501"
    assert result["holders"][0]["doc_type"] == "foreign_permanent"
    text = printed_text(emulators)
    assert "USA********1501" in text and "USA110080051501" not in text
    assert "史**" in text and "史密斯" not in text


def test_passport_typed_wrong_is_refused_naming_it_then_buys(
    backend: BackendProcess, kiosk_config: KioskConfig, emulators: Emulators
) -> None:
    result = run_journey("passport-purchase", kiosk_config, emulators)
    assert result["result"] == "done", told(result)
    assert "holder.invalid_passport" in told(result)
    [ticket] = api(backend, f"/orders/{result['order_id']}")["tickets"]
    assert ticket["holder"]["doc_type"] == "passport"
    assert ticket["holder"]["name"] == "S*********"
    assert ticket["status"] == "printed"


def test_supervisor_allows_an_adult_without_a_document_audited_and_printed(
    backend: BackendProcess, kiosk_config: KioskConfig, emulators: Emulators
) -> None:
    result = run_journey("staff-allows-no-document", kiosk_config, emulators)
    assert result["result"] == "done", told(result)
    [ticket] = api(backend, f"/orders/{result['order_id']}")["tickets"]
    assert ticket["holder"]["doc_type"] == "none"
    assert ticket["holder"]["doc_waived_by"] == "S001"
    assert result["holders"][0]["allowed_by_staff"] is True
    audit = httpx.get(
        f"{backend.url}/api/v1/ops/staff-audit", headers=backend.ops_headers(), timeout=5
    ).json()["entries"]
    assert any(
        e["staff_id"] == "S001" and e["ticket_id"] == ticket["id"] and e["order_id"] == result[
            "order_id"] for e in audit
    )  # fmt: skip
    text = printed_text(emulators)
    assert "无证件·工作人员放行" in text and "No document, allowed by staff" in text


def test_an_operator_may_not_allow_no_document_and_a_wrong_pin_says_so(
    backend: BackendProcess, kiosk_config: KioskConfig, emulators: Emulators
) -> None:
    operator = SmartCardData(uid="04B5000202", kind="staff", staff_id="S002", role="operator")

    async def go() -> tuple[list[str], list[dict[str, str]], str]:
        async with open_kiosk(kiosk_config) as k:
            flow = PurchaseFlow(k.ports, product_id="BUNDLE")
            t = Tourist(flow, emulators, k.hub)

            async def tourist() -> None:
                await scenarios.pick_slot(t, 1)
                await t.until("choose_tickets")
                t.tap("set_count", ticket_type_id="BUNDLE-ADULT", count=1)
                t.tap("next")
                await t.until("holder")
                t.tap("staff_allows")
                await t.until("holder_staff_card")
                t.tap(SMART_CARD, card=operator)
                await t.until("holder_staff_pin")
                t.tap("enter_pin", pin="000000")
                while flow.state.messages[0].key != "staff.wrong_pin":
                    await asyncio.sleep(0.02)
                t.tap("enter_pin", pin="135790")  # S002's own PIN: an operator
                await t.until("holder_staff_card")
                t.tap("back")
                await t.until("holder")
                t.tap("cancel")

            outcome = await scenarios.drive(flow, tourist)
            audit = [e["action"] for e in k.ports.journal.audit_log(10)]
            return [m.key for m in outcome.told], audit, outcome.result

    keys, audit, result = asyncio.run(go())
    assert "staff.wrong_pin" in keys and "holder.staff_not_allowed" in keys
    assert "allow_no_document_refused" in audit and "wrong_pin" in audit
    assert result != "paid" and printed_codes(emulators) == []
