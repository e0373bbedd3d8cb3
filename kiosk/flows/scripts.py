"""The scripted tourist of each journey `kiosk journey NAME` runs (and the tests assert on).

Each script starts a flow, plays the person's part through the emulators (placing the ID card,
showing a payment code to the camera) and taps, and returns a JSON-able outcome.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import date, timedelta
from typing import Any

from kiosk.flows.base import Flow, Outcome
from kiosk.flows.harness import Emulators, Kiosk, Tourist
from kiosk.flows.purchase import PurchaseFlow

# WeChat payment codes; the backend's simulator acts on the last digit:
# 0-5 success, 6-7 userpaying then success, 8 failed, 9 userpaying forever.
PAY_OK = "134567890123456780"
PAY_USERPAYING = "134567890123456786"
PAY_NEVER = "134567890123456789"
PAY_FAILS = "134567890123456788"

Script = Callable[[Kiosk, Emulators | None], Awaitable[dict[str, Any]]]


async def drive(flow: Flow, tourist: Callable[[], Awaitable[None]], timeout: float = 90) -> Outcome:
    """Run the flow and the tourist side by side; the flow's outcome."""
    task = asyncio.create_task(flow.run())
    try:
        await asyncio.wait_for(tourist(), timeout)
        return await asyncio.wait_for(task, timeout)
    finally:
        if not task.done():
            task.cancel()


def outcome_dict(name: str, k: Kiosk, emu: Emulators | None, outcome: Outcome) -> dict[str, Any]:
    pngs: dict[str, str] = {}
    if emu is not None:
        codes = (
            {
                t.ticket_id: t.layout.get("qr_text", "")
                for t in k.ports.journal.tickets_of(outcome.order_id)
            }
            if outcome.order_id
            else {}
        )
        for printed in emu.printer.tickets:
            for tid, code in codes.items():
                if code and code in printed.qr_payloads:
                    pngs[tid] = str(printed.png)
    return {
        "journey": name,
        "ok": outcome.result in ("done", "refused"),
        "result": outcome.result,
        "order_no": outcome.order_no,
        "order_id": outcome.order_id,
        "tickets_printed": [{"ticket_id": t, "png": pngs.get(t, "")} for t in outcome.printed],
        "tickets_missing": list(outcome.missing),
        "told": [m.as_dict() for m in outcome.told],
        "data": outcome.data,
    }


async def pick_slot(t: Tourist, min_remaining: int = 2) -> None:
    """On `choose_slot`: today's first open slot, or tomorrow's when today's have closed."""
    state = await t.until("choose_slot")
    if not _open(state.data["slots"], min_remaining):
        tomorrow = (date.fromisoformat(state.data["date"]) + timedelta(days=1)).isoformat()
        t.tap("choose_date", date=tomorrow)
        while t.flow.state.seq == state.seq or t.flow.state.screen != "choose_slot":
            await asyncio.sleep(0.02)
        state = t.flow.state
    t.tap("choose_slot", slot_id=_open(state.data["slots"], min_remaining)[0]["id"])


def _open(slots: list[dict[str, Any]], n: int) -> list[dict[str, Any]]:
    return [s for s in slots if s["status"] == "open" and s["remaining"] >= n]


async def buy_admission(t: Tourist, counts: dict[str, int], code: str | None) -> None:
    """The walk-up tourist: slot, counts, phone, confirm, and pays with `code` (None: QR)."""
    await pick_slot(t, sum(counts.values()))
    await t.until("choose_tickets")
    for type_id, n in counts.items():
        t.tap("set_count", ticket_type_id=type_id, count=n)
    t.tap("next")
    await t.until("extras")
    t.tap("set_phone", phone="13900139000")
    t.tap("next")
    await t.until("review")
    t.tap("confirm")
    await t.until("pay")
    if code is None:
        t.tap("pay_qr")
    else:
        await t.show_code(code)


async def purchase(k: Kiosk, emu: Emulators | None, code: str = PAY_OK) -> dict[str, Any]:
    flow = PurchaseFlow(k.ports, product_id="ADM")
    t = Tourist(flow, emu, k.hub)

    async def tourist() -> None:
        await buy_admission(t, {"ADM-ADULT": 1, "ADM-CHILD": 1}, code)
        await t.until("done", "error", timeout=60)

    return outcome_dict("purchase", k, emu, await drive(flow, tourist))


JOURNEYS: dict[str, Script] = {
    "purchase": purchase,
}


def describe(result: dict[str, Any]) -> str:
    lines = [f"journey {result.get('journey')}: {result.get('result', '')}"]
    if result.get("order_no"):
        lines.append(f"  order {result['order_no']} ({result.get('order_id')})")
    for t in result.get("tickets_printed", []):
        lines.append(f"  printed {t['ticket_id']}  {t['png']}")
    for tid in result.get("tickets_missing", []):
        lines.append(f"  MISSING {tid}")
    for m in result.get("told", []):
        params = ", ".join(f"{k}={v}" for k, v in m["params"].items())
        lines.append(f"  told: {m['key']}" + (f" ({params})" if params else ""))
    if result.get("replayed"):
        lines.append(f"  replayed: {result['replayed']}")
    return "\n".join(lines)
