"""Seated departures (座位): two adults book two seats side by side on tomorrow's first summit
shuttle bus with the one-tap best seats, pay with a payment code, and take two tickets, each
with its seat printed large."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

from appliance.scenarios.common import PAY_OK, drive, outcome_dict, pay_code
from appliance.tourist import Emulators, Tourist
from kiosk.flows.base import FlowState
from kiosk.flows.seats import SeatsFlow
from kiosk.startup import Kiosk


async def seats_side_by_side(k: Kiosk, emu: Emulators | None) -> dict[str, Any]:
    flow = SeatsFlow(k.ports)
    t = Tourist(flow, emu, k.hub)
    tomorrow = (k.ports.clock.now().date() + timedelta(days=1)).isoformat()

    async def tourist() -> None:
        await t.until("choose_departure")
        seq = flow.state.seq
        t.tap("choose_date", date=tomorrow)
        state = await after(t, "choose_departure", seq)
        first = next(d for d in state.data["departures"] if d["status"] == "open")
        t.tap("choose_departure", departure_id=first["id"])
        await t.until("choose_tickets")
        t.tap("set_count", ticket_type_id="SHUTTLE-ADULT", count=2)
        t.tap("next")
        await t.until("seat_map")
        seq = flow.state.seq
        t.tap("best")
        await after(t, "seat_map", seq)
        t.tap("next")
        await t.until("review")
        t.tap("confirm")
        await t.until("pay")
        await t.show_code(pay_code(PAY_OK))
        await t.until("done", "error", timeout=60)

    outcome = await drive(flow, tourist)
    result = outcome_dict("seats", k, emu, outcome)
    order = await k.ports.client.get_order(outcome.order_id) if outcome.order_id else None
    result["seats"] = [tk.raw.get("seat") for tk in order.tickets] if order else []
    return result


async def after(t: Tourist, screen: str, seq: int, timeout: float = 20.0) -> FlowState:
    """The first state of `screen` published after `seq` (the answer to the last tap)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while t.flow.state.seq <= seq or t.flow.state.screen != screen:
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError(f"waited for a new {screen}, still on {t.flow.state.screen}")
        await asyncio.sleep(0.02)
    return t.flow.state
