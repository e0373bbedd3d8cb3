"""What every scenario shares: the demo payment codes, running a flow beside its scripted
tourist, the outcome as JSON, choosing a slot, buying admission."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Awaitable, Callable
from datetime import date, timedelta
from typing import Any

from appliance.tourist import Emulators, Tourist
from kiosk.flows.base import Flow, Outcome
from kiosk.flows.purchase import PurchaseFlow
from kiosk.startup import Kiosk

# WeChat payment codes; the backend's simulator acts on the last digit:
# 0-5 success, 6-7 userpaying then success, 8 failed, 9 userpaying forever.
PAY_OK = "134567890123456780"  # (each script payment uses a fresh code: see pay_code)
PAY_USERPAYING = "134567890123456786"
PAY_NEVER = "134567890123456789"
PAY_FAILS = "134567890123456788"


def pay_code(like: str) -> str:
    """A fresh WeChat payment code behaving like `like` (same last digit): a real code is
    used once."""
    return like[:2] + f"{secrets.randbelow(10**15):015d}" + like[-1]


Scenario = Callable[[Kiosk, Emulators | None], Awaitable[dict[str, Any]]]


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


async def pick_slot(t: Tourist, min_remaining: int = 2, tomorrow: bool = False) -> None:
    """On `choose_slot`: today's first open slot, or tomorrow's (when asked, or when today's
    have all closed)."""
    state = await t.until("choose_slot")
    if tomorrow or not open_slots(state.data["slots"], min_remaining):
        tomorrow = (date.fromisoformat(state.data["date"]) + timedelta(days=1)).isoformat()
        t.tap("choose_date", date=tomorrow)
        while t.flow.state.seq == state.seq or t.flow.state.screen != "choose_slot":
            await asyncio.sleep(0.02)
        state = t.flow.state
    t.tap("choose_slot", slot_id=open_slots(state.data["slots"], min_remaining)[0]["id"])


def open_slots(slots: list[dict[str, Any]], n: int) -> list[dict[str, Any]]:
    return [s for s in slots if s["status"] == "open" and s["remaining"] >= n]


async def buy_admission(
    t: Tourist,
    counts: dict[str, int],
    code: str | None,
    *,
    member_qr: str = "",
    tomorrow: bool = False,
    phone: str | None = "13900139000",
) -> None:
    """The walk-up tourist: slot, counts, phone (None: none given), confirm, and pays with
    `code` (None: QR)."""
    await pick_slot(t, sum(counts.values()), tomorrow)
    await t.until("choose_tickets")
    for type_id, n in counts.items():
        t.tap("set_count", ticket_type_id=type_id, count=n)
    t.tap("next")
    await t.until("extras")
    if phone is not None:
        t.tap("set_phone", phone=phone)
    if member_qr:  # shown until the screen names the member: the phone tap above also
        await until_member(t, member_qr)  # changes the screen, which ends a show_code early
    t.tap("next")
    await t.until("review")
    t.tap("confirm")
    await t.until("pay")
    if code is None:
        t.tap("pay_qr")
    else:
        await t.show_code(pay_code(code))


async def until_member(t: Tourist, member_qr: str, timeout: float = 15.0) -> None:
    """Hold the member QR to the camera until the extras screen has the member."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not t.flow.state.data.get("member_id"):
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"member QR not read: {t.flow.state.messages}")
        await t.show_code(member_qr)


async def purchase_admission(
    name: str,
    k: Kiosk,
    emu: Emulators | None,
    code: str | None,
    counts: dict[str, int] | None = None,
    member_qr: str = "",
    paper_out_after: int = 0,
    tomorrow: bool = False,
) -> dict[str, Any]:
    flow = PurchaseFlow(k.ports, product_id="ADM")
    t = Tourist(flow, emu, k.hub)
    counts = counts or {"ADM-ADULT": 1, "ADM-CHILD": 1}

    async def tourist() -> None:
        await buy_admission(t, counts, code, member_qr=member_qr, tomorrow=tomorrow)
        if paper_out_after and emu is not None:
            await t.until("paper_out", "done", timeout=60)
            await asyncio.sleep(0.5)  # staff arrive with a new roll
            emu.printer.refill()
        await t.until("done", "error", timeout=60)

    if paper_out_after and emu is not None and emu.printer is not None:
        # paper for `paper_out_after` tickets only (a ticket is ~130 mm with its QR)
        emu.printer.set_paper(130.0 * paper_out_after + 10)
    return outcome_dict(name, k, emu, await drive(flow, tourist))
