"""Every kiosk journey that pays, against each provider's sandbox: the real kiosk (flows,
journal, client), the device emulators, the backend process paying through the real adapter
over HTTP. One lean journey per provider: buy by payment code, buy by native QR, refund the
first ticket (money back through the provider), rebook the second to a dearer slot (the
difference paid by code)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from appliance.scenarios.aftersales import refund_tickets
from appliance.scenarios.common import (
    buy_admission,
    drive,
    open_slots,
    outcome_dict,
    pay_code,
    purchase_admission,
)
from appliance.tourist import Emulators, Tourist
from backend_stub.process import BackendProcess
from kiosk.config import KioskConfig
from kiosk.flows.aftersales import AfterSalesFlow
from kiosk.flows.purchase import PurchaseFlow
from kiosk.startup import Kiosk, open_kiosk
from tests.payments.conftest import CODES, Sandbox, wait_for


@pytest.fixture
def emulators(artifacts_dir: Path) -> Iterator[Emulators]:
    emu = Emulators.start(artifacts_dir / "tickets")
    yield emu
    emu.stop()


async def qr_purchase(k: Kiosk, emu: Emulators, backend: BackendProcess, sandbox: Sandbox) -> str:
    """Buy by native QR: the customer's phone pays the QR (the sandbox is told the scan)."""
    flow = PurchaseFlow(k.ports, product_id="ADM")
    t = Tourist(flow, emu, k.hub)
    task = asyncio.create_task(flow.run())
    await buy_admission(t, {"ADM-ADULT": 1}, None, tomorrow=True)
    state = await t.until("pay_qr")
    order_id, pid = state.data["order_id"], state.data["payment_id"]
    async with httpx.AsyncClient(base_url=backend.url, headers=backend.kiosk_headers()) as http:
        p = (await http.get(f"/api/v1/orders/{order_id}/payments/{pid}")).json()
    sandbox.scan(p["trade_no"])
    await t.until("done", timeout=30)
    await task
    return str(order_id)


async def rebook_dearer(k: Kiosk, emu: Emulators, ticket: Any, code: str) -> dict[str, Any]:
    """Move a ticket to the dearest open slot; the difference paid with `code`."""
    flow = AfterSalesFlow(k.ports, "rebook")
    t = Tourist(flow, emu, k.hub)

    async def tourist() -> None:
        await t.until("aftersales_identify")
        await t.show_code(ticket.layout["qr_text"])
        await t.until("aftersales_choose")
        t.tap("toggle", ticket_id=ticket.ticket_id)
        t.tap("next")
        state = await t.until("rebook_slot")
        target = max(open_slots(state.data["slots"], 1), key=lambda s: s["prices"]["ADM-ADULT"])
        t.tap("choose_slot", slot_id=target["id"])
        await t.until("aftersales_confirm")
        t.tap("confirm")
        await t.until("pay", timeout=30)
        await t.show_code(pay_code(code))
        await t.until("done", timeout=60)

    return outcome_dict("rebook", k, emu, await drive(flow, tourist))


def test_every_paying_journey_through_the_provider(
    paying_backend: BackendProcess,
    sandbox: Sandbox,
    provider: str,
    emulators: Emulators,
    tmp_path: Path,
) -> None:
    config = KioskConfig(data_dir=str(tmp_path / "kiosk"), backend_url=paying_backend.url)
    emulators.configure(config)
    config.timeouts.payment_poll_seconds = 4.0
    code = CODES[provider]
    before = set(sandbox.trades())

    async def go() -> dict[str, Any]:
        async with open_kiosk(config) as k:
            bought = await purchase_admission(
                "purchase", k, emulators, code, {"ADM-ADULT": 1}, tomorrow=True
            )
            qr_order = await qr_purchase(k, emulators, paying_backend, sandbox)
            first = k.ports.journal.tickets_of(bought["order_id"])[0]
            refunded = await refund_tickets(
                k, emulators, first.layout["qr_text"], [first.ticket_id]
            )
            second = k.ports.journal.tickets_of(qr_order)[0]
            rebooked = await rebook_dearer(k, emulators, second, code)
            return {"bought": bought, "qr": qr_order, "refunded": refunded, "rebooked": rebooked}

    done = asyncio.run(asyncio.wait_for(go(), 150))
    http = httpx.Client(base_url=paying_backend.url, headers=paying_backend.kiosk_headers())
    bought = http.get(f"/api/v1/orders/{done['bought']['order_id']}").json()
    qr_paid = http.get(f"/api/v1/orders/{done['qr']}").json()
    assert done["bought"]["ok"] and len(done["bought"]["tickets_printed"]) == 1
    assert qr_paid["status"] in ("paid", "partially_refunded") and qr_paid["total_fen"] > 0
    assert done["refunded"]["result"] == "done", done["refunded"]["told"]
    assert bought["status"] == "refunded"
    assert done["rebooked"]["result"] == "done", done["rebooked"]["told"]
    assert len(done["rebooked"]["tickets_printed"]) == 1  # the moved ticket, reprinted
    trades = sandbox.trades()
    paid = {no: t for no, t in trades.items() if t["state"] == "SUCCESS" and no not in before}
    # three charges: the code purchase, the QR purchase, the rebooking's difference
    assert {no[: len("P") + len(bought["order_no"])] for no in paid} >= {
        "P" + bought["order_no"],
        "P" + qr_paid["order_no"],
    }
    assert len(paid) == 3 and all(t["pay_calls"] <= 1 for t in paid.values())
    code_trade = next(t for no, t in paid.items() if no.startswith("P" + bought["order_no"]))
    refunds = wait_for(lambda: sandbox.trade(code_trade["out_trade_no"])["refunds"])
    assert sum(r["amount_fen"] for r in refunds.values()) == bought["refunded_fen"] > 0
