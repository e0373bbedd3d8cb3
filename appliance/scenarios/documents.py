"""Real-name tickets: every document the holder screen takes (a card on the reader, a
document typed, an adult without one that a supervisor allows)."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Awaitable, Callable
from typing import Any

from appliance.scenarios.common import (
    PAY_OK,
    drive,
    outcome_dict,
    pay_code,
    pick_slot,
)
from appliance.tourist import Emulators, Tourist
from kiosk.flows.base import SMART_CARD
from kiosk.flows.purchase import PurchaseFlow
from kiosk.startup import Kiosk
from peripherals.smartcard.protocol import SmartCardData

# real-name tickets: every document the holder screen takes -----------------------------------
BUNDLE_ADULT = {"BUNDLE-ADULT": 1}  # the seed's real-name product: one document per ticket
STAFF_SUPERVISOR = SmartCardData(uid="04B5000101", kind="staff", staff_id="S001", role="supervisor")
SUPERVISOR_PIN = "246810"  # the demo seed's S001


async def buy_real_name(
    t: Tourist, holder: Callable[[Tourist], Awaitable[None]], code: str = PAY_OK
) -> None:
    """One adult bundle ticket (real-name): slot, count, the holder's part, phone, confirm,
    pay with a payment code."""
    await pick_slot(t, 1)
    await t.until("choose_tickets")
    for type_id, n in BUNDLE_ADULT.items():
        t.tap("set_count", ticket_type_id=type_id, count=n)
    t.tap("next")
    await t.until("holder")
    await holder(t)
    await t.until("extras")
    t.tap("set_phone", phone="13900139000")
    t.tap("next")
    await t.until("review")
    t.tap("confirm")
    await t.until("pay")
    await t.show_code(pay_code(code))
    await t.until("done", "error", timeout=60)


async def _real_name(
    name: str, k: Kiosk, emu: Emulators | None, holder: Callable[[Tourist], Awaitable[None]]
) -> dict[str, Any]:
    flow = PurchaseFlow(k.ports, product_id="BUNDLE")
    t = Tourist(flow, emu, k.hub)
    result = outcome_dict(name, k, emu, await drive(flow, lambda: buy_real_name(t, holder)))
    result["holders"] = flow.holder_views()
    return result


async def foreign_card_purchase(k: Kiosk, emu: Emulators | None) -> dict[str, Any]:
    """史密斯's foreign permanent residence card (USA110080051501) on the reader: sent as
    foreign_permanent, a real-name bundle ticket is bought and prints with the number masked."""

    async def holder(t: Tourist) -> None:
        t.place_card("foreign_smith")
        await t.until("extras")
        t.lift_card()

    return await _real_name("foreign-card-purchase", k, emu, holder)


async def passport_purchase(k: Kiosk, emu: Emulators | None) -> dict[str, Any]:
    """A passport typed on the holder screen: a number too short first (refused on the kiosk,
    naming the passport), then a right one with the holder's name."""
    number = f"E{secrets.randbelow(10**8):08d}"  # a fresh number: one ticket per document

    async def holder(t: Tourist) -> None:
        t.tap("enter_holder", doc_type="passport", doc_number="E12", name="SMITH JOHN")
        while not any(m.key == "holder.invalid_passport" for m in t.flow.told):
            await asyncio.sleep(0.02)
        t.tap("enter_holder", doc_type="passport", doc_number=number, name="SMITH JOHN")

    return await _real_name("passport-purchase", k, emu, holder)


async def staff_allows_no_document(k: Kiosk, emu: Emulators | None) -> dict[str, Any]:
    """An adult without a document: the supervisor's staff card (S001) and PIN allow him; the
    backend audits it and the ticket prints 无证件·工作人员放行 / No document, allowed by staff."""

    async def holder(t: Tourist) -> None:
        t.tap("staff_allows")
        await t.until("holder_staff_card")
        t.tap(SMART_CARD, card=STAFF_SUPERVISOR)  # the card the smart card reader hands over
        await t.until("holder_staff_pin")
        t.tap("enter_pin", pin=SUPERVISOR_PIN)

    return await _real_name("staff-allows-no-document", k, emu, holder)
