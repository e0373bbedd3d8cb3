"""A pickup lookup the backend refuses, and the ID card on the reader (real backend over HTTP,
real ID card emulator over the pty, the real watcher and hub).

- Too many lookups for one ID number (the backend's per-person limit, 429 with Retry-After):
  the kiosk says to leave the card on the reader, waits, and looks again with the card still
  lying there; a card lifted meanwhile is not looked up (its owner may have walked away), and
  placing it again works.
- The network down (our TCP proxy resets every connection): the kiosk retries, saying so, then
  says what to do next; lifting the card and placing it again works once the network is back.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator

import pytest

from appliance.scenarios import drive
from appliance.tourist import Emulators, Tourist
from backend_stub.process import BackendProcess
from backend_stub.seed import DEMO_ORDER_NOS
from kiosk.config import KioskConfig
from kiosk.domain.errors import ERRORS
from kiosk.flows.base import Outcome
from kiosk.flows.pickup import PickupFlow
from kiosk.startup import open_kiosk
from peripherals.idcard.emulator.cards import demo_card
from tests.flows.refused_lookups import (
    READ,
    BackendDb,
    limited_backend,
    network_through_proxy,
    said,
    until_told,
    use_up_lookups,
)

Script = Callable[[Tourist, PickupFlow], Awaitable[None]]


@pytest.fixture(scope="module")
def backend(
    tmp_path_factory: pytest.TempPathFactory, backend_db: BackendDb
) -> Iterator[BackendProcess]:
    with limited_backend(backend_db(tmp_path_factory.mktemp("backend") / "backend.db")) as bk:
        yield bk


def pickup(config: KioskConfig, emulators: Emulators, script: Script) -> Outcome:
    async def go() -> Outcome:
        async with open_kiosk(config) as k:
            flow = PickupFlow(k.ports)
            t = Tourist(flow, emulators, k.hub)
            return await drive(flow, lambda: script(t, flow), timeout=45)

    return asyncio.run(go())


def test_too_many_lookups_wait_and_the_card_left_on_the_reader_is_looked_up_again(
    backend: BackendProcess, kiosk_config: KioskConfig, emulators: Emulators
) -> None:
    waits: list[float] = []

    async def script(t: Tourist, flow: PickupFlow) -> None:
        await t.until("pickup_identify")
        waits.append(use_up_lookups(backend, demo_card("zhang_wei").id_number))
        t.place_card("zhang_wei")  # and leaves it there
        await until_told(flow, "error.pickup_lookup_wait_card")
        await t.until("done", "pickup_none", timeout=15)
        t.lift_card()

    outcome = pickup(kiosk_config, emulators, script)
    assert waits[0] >= 1
    assert outcome.result == "done" and outcome.order_no == DEMO_ORDER_NOS["CT88000001"]
    assert len(outcome.printed) == 1
    info = ERRORS["pickup_lookup_wait_card"]
    assert said(outcome, "pickup_lookup_wait_card") == {"zh": info.zh, "en": info.en}
    assert "留在阅读器上" in info.zh and "Leave your ID card on the reader" in info.en
    assert emulators.idcard.commands[READ] == 1  # placed once: the card lying there was used


def test_a_card_lifted_during_the_wait_is_not_looked_up_and_placing_it_again_works(
    backend: BackendProcess, kiosk_config: KioskConfig, emulators: Emulators
) -> None:
    seen: dict[str, object] = {}

    async def script(t: Tourist, flow: PickupFlow) -> None:
        await t.until("pickup_identify")
        wait = use_up_lookups(backend, demo_card("li_na").id_number)
        t.place_card("li_na")
        await until_told(flow, "error.pickup_lookup_wait_card")
        t.lift_card()  # 李娜 walks away while the kiosk waits
        await asyncio.sleep(wait + 1.0)
        seen["after_wait"] = (flow.state.screen, [m.key for m in flow.state.messages])
        t.place_card("li_na")  # ... and comes back
        await t.until("pickup_none", "done", timeout=15)
        t.lift_card()
        t.tap("cancel")

    outcome = pickup(kiosk_config, emulators, script)
    # the wait over, nothing was looked up with the card gone: the screen asks for it
    assert seen["after_wait"] == ("pickup_identify", ["pickup.identify"])
    assert emulators.idcard.commands[READ] == 2  # the second placement was read ...
    assert outcome.result == "none"  # ... and looked up: nothing waits for 李娜


def test_network_down_the_kiosk_retries_then_lifting_and_placing_the_card_again_prints(
    backend: BackendProcess, kiosk_config: KioskConfig, emulators: Emulators
) -> None:
    with network_through_proxy(backend, kiosk_config) as proxy:

        async def script(t: Tourist, flow: PickupFlow) -> None:
            await t.until("pickup_identify")
            proxy.cut()  # the network goes down
            t.place_card("wang_xiuying")
            await until_told(flow, "net.retrying")
            await until_told(flow, "error.pickup_network_down")
            proxy.heal()  # it is back; the card lying there is not read twice by itself
            await asyncio.sleep(0.5)
            assert flow.state.screen == "pickup_identify"
            t.lift_card()  # as the screen says: lift the card and place it again
            await asyncio.sleep(1.0)  # two missed polls: lifted
            t.place_card("wang_xiuying")
            await t.until("done", "pickup_none", timeout=15)
            t.lift_card()

        outcome = pickup(kiosk_config, emulators, script)
    assert outcome.result == "done" and outcome.order_no == DEMO_ORDER_NOS["MP66000003"]
    info = ERRORS["pickup_network_down"]
    assert said(outcome, "pickup_network_down") == {"zh": info.zh, "en": info.en}
    assert "lift your ID card and place it again" in info.en and "重新放上" in info.zh
    assert emulators.idcard.commands[READ] == 2
