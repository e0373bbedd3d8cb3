"""A price change pushed mid-purchase is re-quoted before payment; an idle kiosk clears itself.
(Own module: its own backend process, since it changes prices.)"""

from __future__ import annotations

import asyncio

import httpx

from appliance.scenarios import PAY_OK, pick_slot
from appliance.tourist import Emulators, Tourist
from backend_stub.process import BackendProcess
from kiosk.config import KioskConfig
from kiosk.flows.purchase import PurchaseFlow
from kiosk.startup import open_kiosk


def test_price_change_before_payment_is_told_and_charged_at_the_new_price(
    backend: BackendProcess, kiosk_config: KioskConfig, emulators: Emulators
) -> None:
    async def go() -> tuple[dict, dict, str]:
        async with open_kiosk(kiosk_config) as k:
            flow = PurchaseFlow(k.ports, product_id="ADM")
            t = Tourist(flow, emulators, k.hub)
            task = asyncio.create_task(flow.run())
            await pick_slot(t, 1)
            await t.until("choose_tickets")
            t.tap("set_count", ticket_type_id="ADM-ADULT", count=1)
            t.tap("next")
            await t.until("extras")
            t.tap("next")
            await t.until("review")
            shown = dict(flow.state.data)
            resp = httpx.put(
                f"{backend.url}/api/v1/ops/prices",
                headers=backend.ops_headers(),
                json={"prices": [{"ticket_type_id": "ADM-ADULT", "base_fen": 20000}]},
            )
            resp.raise_for_status()
            seq = flow.state.seq
            t.tap("confirm")
            while flow.state.seq == seq:
                await asyncio.sleep(0.02)
            requoted = flow.state
            t.tap("confirm")
            await t.until("pay")
            order_total = flow.state.data["total_fen"]
            await t.show_code(PAY_OK)
            await t.until("done", timeout=30)
            await task
            return (
                shown,
                {
                    "key": requoted.messages[0].key,
                    **requoted.messages[0].params,
                    "total": order_total,
                },
                requoted.screen,
            )

    shown, requoted, screen = asyncio.run(asyncio.wait_for(go(), 60))
    assert screen == "review" and requoted["key"] == "review.price_changed"
    assert requoted["old_fen"] == shown["estimate_fen"]
    assert requoted["new_fen"] > requoted["old_fen"]
    assert requoted["total"] == requoted["new_fen"]  # the backend charged what was told


def test_idle_asks_still_there_then_clears_everything(
    kiosk_config: KioskConfig, emulators: Emulators
) -> None:
    kiosk_config.timeouts.idle_seconds = 0.4
    kiosk_config.timeouts.still_there_seconds = 0.4

    async def go() -> tuple[list[str], str, dict]:
        async with open_kiosk(kiosk_config) as k:
            flow = PurchaseFlow(k.ports, product_id="ADM")
            screens: list[str] = []
            flow.subscribe(lambda s: screens.append(s.screen))
            t = Tourist(flow, emulators, k.hub)
            task = asyncio.create_task(flow.run())
            await pick_slot(t, 1)
            await t.until("choose_tickets")
            t.tap("set_count", ticket_type_id="ADM-ADULT", count=3)
            outcome = await task  # the tourist walks away
            return screens, outcome.result, {"counts": flow.cart.counts, "slot": flow.cart.slot}

    screens, result, cart = asyncio.run(asyncio.wait_for(go(), 30))
    assert result == "idle"
    assert screens[-2:] == ["still_there", "home"]
    assert cart == {"counts": {}, "slot": None}


def test_touches_keep_the_journey_alive_without_changing_the_screen(
    kiosk_config: KioskConfig, emulators: Emulators
) -> None:
    kiosk_config.timeouts.idle_seconds = 0.5
    kiosk_config.timeouts.still_there_seconds = 0.4

    async def go() -> tuple[list[str], str, float]:
        async with open_kiosk(kiosk_config) as k:
            flow = PurchaseFlow(k.ports, product_id="ADM")
            t = Tourist(flow, emulators, k.hub)
            task = asyncio.create_task(flow.run())
            await pick_slot(t, 1)
            await t.until("choose_tickets")
            screens: list[str] = []
            flow.subscribe(lambda s: screens.append(s.screen))
            started = asyncio.get_running_loop().time()
            for _ in range(8):  # 1.6 s of touching, three idle timeouts' worth
                flow.touch()
                await asyncio.sleep(0.2)
            touched = list(screens)
            outcome = await task  # then the tourist walks away
            return touched, outcome.result, asyncio.get_running_loop().time() - started

    touched, result, lasted = asyncio.run(asyncio.wait_for(go(), 30))
    assert touched == ["choose_tickets"]  # the subscribe call; no still_there, no new screen
    assert result == "idle" and lasted > 1.6 + 0.5
