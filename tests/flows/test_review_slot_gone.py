"""The entry time a tourist chose can close or sell out while they enter their details (its hour
ends, the weather closes the day, the last tickets go elsewhere). Confirming on the review
screen then must not leave them pressing pay with nothing but a refusal: the kiosk says why,
shows the entry times again with the cart kept, and the tourist pays for another one.

The backend is the real one over HTTP; the slot goes away through its ops API between the
review screen showing and the tourist's confirm."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from appliance.scenarios.common import PAY_OK, drive, pay_code, pick_slot
from appliance.tourist import Emulators, Tourist
from backend_stub.process import BackendProcess
from kiosk.config import KioskConfig
from kiosk.flows.base import FlowState
from kiosk.flows.purchase import PurchaseFlow
from kiosk.startup import open_kiosk
from tests.flows.conftest import api, printed_codes


def sell_out(backend: BackendProcess, slot: dict[str, Any]) -> None:
    """The entry time's last tickets go elsewhere: its capacity becomes what is sold."""
    listed = api(backend, f"/slots?product_id=ADM&date={slot['date']}")
    now = next(s for s in listed if s["id"] == slot["id"])
    sold = now["capacity"] - now["remaining"]
    httpx.put(f"{backend.url}/api/v1/ops/slots/{slot['id']}", json={"capacity": sold},
              headers=backend.ops_headers(), timeout=5).raise_for_status()  # fmt: skip


def close_the_day(backend: BackendProcess, slot: dict[str, Any]) -> None:
    """Staff close the day's admission (weather)."""
    httpx.post(f"{backend.url}/api/v1/ops/calendar/close",
               json={"date": slot["date"], "product_ids": ["ADM"], "reason_en": "storm"},
               headers=backend.ops_headers(), timeout=5).raise_for_status()  # fmt: skip


# closing the day last: the module's backend has no admission left today after it (what to do
# next is then another day)
@pytest.mark.parametrize(
    ("take_away", "told"),
    [
        (sell_out, ["error.sold_out", "purchase.choose_slot"]),
        (close_the_day, ["error.slot_closed", "purchase.no_slots"]),
    ],
    ids=["sold_out", "day_closed"],
)
def test_an_entry_time_gone_before_confirm_is_chosen_again_and_paid(
    take_away: Callable[[BackendProcess, dict[str, Any]], None],
    told: list[str],
    backend: BackendProcess,
    kiosk_config: KioskConfig,
    emulators: Emulators,
) -> None:
    seen: dict[str, FlowState] = {}

    async def go() -> tuple[str, str]:
        async with open_kiosk(kiosk_config) as k:
            flow = PurchaseFlow(k.ports, product_id="ADM")
            t = Tourist(flow, emulators, k.hub)

            async def tourist() -> None:
                await pick_slot(t, 2)
                await t.until("choose_tickets")
                t.tap("set_count", ticket_type_id="ADM-ADULT", count=1)
                t.tap("set_count", ticket_type_id="ADM-CHILD", count=1)
                t.tap("next")
                await t.until("extras")
                t.tap("set_phone", phone="13900139000")
                t.tap("next")
                seen["review"] = await t.until("review")
                take_away(backend, dict(seen["review"].data["slot"]))
                t.tap("confirm")
                seen["again"] = await t.until("choose_slot", "pay", timeout=10)
                await pick_slot(t, 2)  # another entry time (tomorrow's once today is closed)
                seen["review_again"] = await t.until("review")
                t.tap("confirm")
                await t.until("pay")
                await t.show_code(pay_code(PAY_OK))
                await t.until("done", "error", timeout=60)

            outcome = await drive(flow, tourist)
            return outcome.result, outcome.order_id

    result, order_id = asyncio.run(asyncio.wait_for(go(), 90))
    gone = seen["review"].data["slot"]["id"]
    # told why, and what to do next, on the entry times' screen
    again = seen["again"]
    assert again.screen == "choose_slot", again
    assert [m.key for m in again.messages] == told
    assert again.messages[0].params["zh"] and again.messages[0].params["en"]
    assert "back" in again.actions and "cancel" in again.actions
    # the cart kept: the same tickets reviewed at the new entry time, then paid and printed
    review_again = seen["review_again"]
    assert review_again.data["counts"] == {"ADM-ADULT": 1, "ADM-CHILD": 1}
    assert review_again.data["slot"]["id"] != gone
    assert result == "done"
    order = api(backend, f"/orders/{order_id}")
    assert order["status"] == "paid"
    assert {t["slot_id"] for t in order["tickets"]} == {review_again.data["slot"]["id"]}
    assert sorted(t["ticket_type_id"] for t in order["tickets"]) == ["ADM-ADULT", "ADM-CHILD"]
    assert sorted(printed_codes(emulators)) == sorted(t["code"] for t in order["tickets"])
