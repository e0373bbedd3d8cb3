"""Confirming a payment on the phone has a deadline: near it the kiosk asks "still there?" and a
touch gives at least 20 s more (the tourist typing a PIN on a phone is not rushed off)."""

from __future__ import annotations

import asyncio
import time

from appliance.scenarios.common import PAY_NEVER, buy_admission
from appliance.tourist import Emulators, Tourist
from backend_stub.process import BackendProcess
from kiosk.config import KioskConfig
from kiosk.flows.checkout import MORE_TIME_SECONDS
from kiosk.flows.purchase import PurchaseFlow
from kiosk.startup import open_kiosk
from tests.flows.conftest import api


def test_still_there_near_the_payment_deadline_gives_more_time(
    backend: BackendProcess, kiosk_config: KioskConfig, emulators: Emulators
) -> None:
    assert MORE_TIME_SECONDS >= 20
    kiosk_config.timeouts.payment_poll_seconds = 3.0
    kiosk_config.timeouts.still_there_seconds = 2.0

    async def go() -> dict[str, object]:
        async with open_kiosk(kiosk_config) as k:
            flow = PurchaseFlow(k.ports, product_id="ADM")
            t = Tourist(flow, emulators, k.hub)
            task = asyncio.create_task(flow.run())
            await buy_admission(t, {"ADM-ADULT": 1}, PAY_NEVER)  # stays "userpaying"
            asked = await t.until("still_there", timeout=10)
            order_id = asked.data["order_id"]
            t.tap("continue")  # the tourist touches the screen
            after = await t.until("pay_waiting", timeout=5)
            seconds = int(after.messages[0].params["seconds"])
            touched = time.monotonic()
            await asyncio.sleep(4.0)  # past the first deadline (3 s): not reversed
            reversed_early = any(m.key == "pay.reversed" for m in flow.told)
            t.tap("cancel")  # then walks away
            await asyncio.wait_for(task, 20)
            return {
                "seconds": seconds,
                "early": reversed_early,
                "order_id": order_id,
                "waited": time.monotonic() - touched,
            }

    result = asyncio.run(asyncio.wait_for(go(), 60))
    assert result["seconds"] >= 20, result
    assert not result["early"], result
    assert api(backend, f"/orders/{result['order_id']}")["status"] != "paid"
