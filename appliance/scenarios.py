"""The scenarios `kiosk play NAME` plays (and the tests assert on): one journey each, the
tourist's part scripted.

Each scenario starts a flow, plays the person's part through the emulators (placing the ID card,
showing a payment code to the camera) and taps, and returns a JSON-able outcome.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Awaitable, Callable
from datetime import date, timedelta
from typing import Any

from appliance.tourist import Emulators, Tourist
from kiosk.flows.addons import AddonFlow
from kiosk.flows.aftersales import AfterSalesFlow
from kiosk.flows.base import Flow, Outcome
from kiosk.flows.membership import MembershipFlow
from kiosk.flows.pickup import PickupFlow
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
    if tomorrow or not _open(state.data["slots"], min_remaining):
        tomorrow = (date.fromisoformat(state.data["date"]) + timedelta(days=1)).isoformat()
        t.tap("choose_date", date=tomorrow)
        while t.flow.state.seq == state.seq or t.flow.state.screen != "choose_slot":
            await asyncio.sleep(0.02)
        state = t.flow.state
    t.tap("choose_slot", slot_id=_open(state.data["slots"], min_remaining)[0]["id"])


def _open(slots: list[dict[str, Any]], n: int) -> list[dict[str, Any]]:
    return [s for s in slots if s["status"] == "open" and s["remaining"] >= n]


async def buy_admission(
    t: Tourist,
    counts: dict[str, int],
    code: str | None,
    *,
    member_qr: str = "",
    tomorrow: bool = False,
) -> None:
    """The walk-up tourist: slot, counts, phone, confirm, and pays with `code` (None: QR)."""
    await pick_slot(t, sum(counts.values()), tomorrow)
    await t.until("choose_tickets")
    for type_id, n in counts.items():
        t.tap("set_count", ticket_type_id=type_id, count=n)
    t.tap("next")
    await t.until("extras")
    t.tap("set_phone", phone="13900139000")
    if member_qr:
        await t.show_code(member_qr)
    t.tap("next")
    await t.until("review")
    t.tap("confirm")
    await t.until("pay")
    if code is None:
        t.tap("pay_qr")
    else:
        await t.show_code(pay_code(code))


async def _purchase(
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


async def purchase(k: Kiosk, emu: Emulators | None) -> dict[str, Any]:
    return await _purchase("purchase", k, emu, k.options.get("pay_code") or PAY_OK)


async def payment_userpaying(k: Kiosk, emu: Emulators | None) -> dict[str, Any]:
    return await _purchase("payment-userpaying", k, emu, PAY_USERPAYING, {"ADM-ADULT": 1})


async def payment_timeout_reversed(k: Kiosk, emu: Emulators | None) -> dict[str, Any]:
    """A code that stays `userpaying`: polled until the deadline, reversed; then the tourist
    walks away and the kiosk clears itself."""
    flow = PurchaseFlow(k.ports, product_id="ADM")
    t = Tourist(flow, emu, k.hub)

    async def tourist() -> None:
        await buy_admission(t, {"ADM-ADULT": 1}, PAY_NEVER)
        await t.until("pay_waiting")
        # back on `pay` with the reversal told, after the poll deadline
        while not any(m.key == "pay.reversed" for m in flow.told):
            await asyncio.sleep(0.1)
        t.tap("cancel")

    outcome = await drive(flow, tourist)
    result = outcome_dict("payment-timeout-reversed", k, emu, outcome)
    result["ok"] = any(m["key"] == "pay.reversed" for m in result["told"])
    return result


async def paper_out_resume(k: Kiosk, emu: Emulators | None) -> dict[str, Any]:
    result = await _purchase(
        "paper-out-resume", k, emu, PAY_OK, {"ADM-ADULT": 2, "ADM-CHILD": 1}, paper_out_after=1
    )
    result["ok"] = result["result"] == "done" and any(
        m["key"] == "print.stopped" for m in result["told"]
    )
    return result


async def pickup_id(k: Kiosk, emu: Emulators | None) -> dict[str, Any]:
    flow = PickupFlow(k.ports)
    t = Tourist(flow, emu, k.hub)

    async def tourist() -> None:
        await t.until("pickup_identify")
        t.place_card("zhang_wei")
        await t.until("done", "pickup_none", timeout=30)
        t.lift_card()

    return outcome_dict("pickup-id", k, emu, await drive(flow, tourist))


async def pickup_order(k: Kiosk, emu: Emulators | None) -> dict[str, Any]:
    flow = PickupFlow(k.ports)
    t = Tourist(flow, emu, k.hub)

    async def tourist() -> None:
        await t.until("pickup_identify")
        await t.show_code("KO1:MT55000002")
        await t.until("done", "pickup_none", timeout=30)

    return outcome_dict("pickup-order", k, emu, await drive(flow, tourist))


async def addon_with_parent(k: Kiosk, emu: Emulators | None) -> dict[str, Any]:
    bought = await _purchase("purchase", k, emu, PAY_OK, {"ADM-ADULT": 1})
    admission = k.ports.journal.tickets_of(bought["order_id"])[0].layout["qr_text"]
    flow = AddonFlow(k.ports)
    t = Tourist(flow, emu, k.hub)

    async def tourist() -> None:
        await t.until("addon_identify")
        await t.show_code(admission)  # the printed admission ticket
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

    result = outcome_dict("addon-with-parent", k, emu, await drive(flow, tourist))
    result["parent_order_no"] = bought["order_no"]
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


async def member_points(k: Kiosk, emu: Emulators | None) -> dict[str, Any]:
    before = await k.ports.client.member("M1001")
    bought = await _purchase("purchase", k, emu, PAY_OK, {"ADM-ADULT": 1}, member_qr="KM1:M1001")
    flow = MembershipFlow(k.ports)
    t = Tourist(flow, emu, k.hub)

    async def tourist() -> None:
        await t.until("member_identify")
        await t.show_code("KM1:M1001")
        await t.until("member")
        t.tap("done")

    outcome = await drive(flow, tourist)
    result = outcome_dict("member-points", k, emu, outcome)
    result.update(
        order_no=bought["order_no"],
        order_id=bought["order_id"],
        tickets_printed=bought["tickets_printed"],
        points_before=before.points,
        points_after=outcome.data.get("points"),
        points_earned=bought["data"].get("points_earned"),
    )
    result["told"] = bought["told"] + result["told"]
    result["ok"] = outcome.data.get("points", 0) > before.points
    return result


async def _aftersales(
    name: str, k: Kiosk, emu: Emulators | None, dearer: bool = False
) -> dict[str, Any]:
    # tomorrow's ticket: today's slots are inside the refund/rebook cut-offs
    bought = await _purchase("purchase", k, emu, PAY_OK, {"ADM-ADULT": 1}, tomorrow=True)
    ticket = k.ports.journal.tickets_of(bought["order_id"])[0]
    flow = AfterSalesFlow(k.ports, name)
    t = Tourist(flow, emu, k.hub)

    async def tourist() -> None:
        await t.until("aftersales_identify")
        await t.show_code(ticket.layout["qr_text"])
        await t.until("aftersales_choose")
        t.tap("toggle", ticket_id=ticket.ticket_id)
        t.tap("next")
        if name == "rebook":
            state = await t.until("rebook_slot")
            pick = max if dearer else min
            target = pick(_open(state.data["slots"], 1), key=lambda s: s["prices"]["ADM-ADULT"])
            t.tap("choose_slot", slot_id=target["id"])
        await t.until("aftersales_confirm", "aftersales_refused")
        if t.flow.state.screen == "aftersales_confirm":
            t.tap("confirm")
        if dearer:  # the difference is paid first, with a payment code
            await t.until("pay", "aftersales_refused", timeout=30)
            if t.flow.state.screen == "pay":
                await t.show_code(pay_code(PAY_OK))
        await t.until(
            "done" if name == "rebook" else "aftersales_done", "aftersales_refused", timeout=60
        )

    result = outcome_dict(name, k, emu, await drive(flow, tourist))
    result["original_ticket_png"] = bought["tickets_printed"][0]["png"]
    return result


async def rebook(k: Kiosk, emu: Emulators | None) -> dict[str, Any]:
    return await _aftersales("rebook", k, emu)


async def rebook_dearer(k: Kiosk, emu: Emulators | None) -> dict[str, Any]:
    return await _aftersales("rebook", k, emu, dearer=True)


async def refund(k: Kiosk, emu: Emulators | None) -> dict[str, Any]:
    return await _aftersales("refund", k, emu)


SCENARIOS: dict[str, Scenario] = {
    "purchase": purchase,
    "pickup-id": pickup_id,
    "pickup-order": pickup_order,
    "addon-with-parent": addon_with_parent,
    "addon-without-parent": addon_without_parent,
    "member-points": member_points,
    "rebook": rebook,
    "rebook-dearer": rebook_dearer,
    "refund": refund,
    "paper-out-resume": paper_out_resume,
    "payment-userpaying": payment_userpaying,
    "payment-timeout-reversed": payment_timeout_reversed,
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
