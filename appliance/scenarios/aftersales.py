"""Rebooking and refunding at the kiosk, with the ticket shown as proof."""

from __future__ import annotations

from typing import Any

from appliance.scenarios.common import (
    PAY_OK,
    drive,
    open_slots,
    outcome_dict,
    pay_code,
    purchase_admission,
)
from appliance.tourist import Emulators, Tourist
from kiosk.flows.aftersales import AfterSalesFlow
from kiosk.startup import Kiosk


async def _aftersales(
    name: str, k: Kiosk, emu: Emulators | None, dearer: bool = False
) -> dict[str, Any]:
    # tomorrow's ticket: today's slots are inside the refund/rebook cut-offs
    bought = await purchase_admission("purchase", k, emu, PAY_OK, {"ADM-ADULT": 1}, tomorrow=True)
    ticket = k.ports.journal.tickets_of(bought["order_id"])[0]
    if name == "refund":
        result = await refund_tickets(k, emu, ticket.layout["qr_text"], [ticket.ticket_id])
    else:
        result = await rebook_ticket(k, emu, ticket.layout["qr_text"], ticket.ticket_id, dearer)
    result["original_ticket_png"] = bought["tickets_printed"][0]["png"]
    return result


async def _identify_and_choose(t: Tourist, proof_code: str, ticket_ids: list[str]) -> None:
    """At the change/refund screens: show the ticket (the proof), tick the tickets, next."""
    await t.until("aftersales_identify")
    await t.show_code(proof_code)
    await t.until("aftersales_choose")
    for ticket_id in ticket_ids:
        t.tap("toggle", ticket_id=ticket_id)
    t.tap("next")


async def refund_tickets(
    k: Kiosk, emu: Emulators | None, proof_code: str, ticket_ids: list[str]
) -> dict[str, Any]:
    """The tourist shows a ticket of the order and refunds `ticket_ids` at the kiosk."""
    flow = AfterSalesFlow(k.ports, "refund")
    t = Tourist(flow, emu, k.hub)

    async def tourist() -> None:
        await _identify_and_choose(t, proof_code, ticket_ids)
        await t.until("aftersales_confirm", "aftersales_refused")
        if t.flow.state.screen == "aftersales_confirm":
            t.tap("confirm")
        await t.until("aftersales_done", "aftersales_refused", timeout=60)

    return outcome_dict("refund", k, emu, await drive(flow, tourist))


async def rebook_ticket(
    k: Kiosk, emu: Emulators | None, proof_code: str, ticket_id: str, dearer: bool
) -> dict[str, Any]:
    """The tourist shows the ticket and moves it to the cheapest (or dearest) open slot;
    a dearer one is paid first with a payment code."""
    flow = AfterSalesFlow(k.ports, "rebook")
    t = Tourist(flow, emu, k.hub)

    async def tourist() -> None:
        await _identify_and_choose(t, proof_code, [ticket_id])
        state = await t.until("rebook_slot")
        pick = max if dearer else min
        target = pick(open_slots(state.data["slots"], 1), key=lambda s: s["prices"]["ADM-ADULT"])
        t.tap("choose_slot", slot_id=target["id"])
        await t.until("aftersales_confirm", "aftersales_refused")
        if t.flow.state.screen == "aftersales_confirm":
            t.tap("confirm")
        if dearer:  # the difference is paid first, with a payment code
            await t.until("pay", "aftersales_refused", timeout=30)
            if t.flow.state.screen == "pay":
                await t.show_code(pay_code(PAY_OK))
        await t.until("done", "aftersales_refused", timeout=60)

    return outcome_dict("rebook", k, emu, await drive(flow, tourist))


async def rebook(k: Kiosk, emu: Emulators | None) -> dict[str, Any]:
    return await _aftersales("rebook", k, emu)


async def rebook_dearer(k: Kiosk, emu: Emulators | None) -> dict[str, Any]:
    return await _aftersales("rebook", k, emu, dearer=True)


async def refund(k: Kiosk, emu: Emulators | None) -> dict[str, Any]:
    return await _aftersales("refund", k, emu)
