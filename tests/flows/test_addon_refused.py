"""An add-on's admission lookup the backend refuses, and the ID card on the reader (real backend
over HTTP with its per-person lookup limit set low, real ID card emulator over the pty, the real
watcher and hub): the same waits and retries as pickup (kiosk.flows.lookup_retry).

- Too many lookups for one ID number (429 with Retry-After): the kiosk says to leave the card
  on the reader, waits, and looks again with the card still lying there.
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
from kiosk.config import KioskConfig
from kiosk.domain.errors import ERRORS
from kiosk.flows.addons import AddonFlow
from kiosk.flows.base import Outcome
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

Script = Callable[[Tourist, AddonFlow], Awaitable[None]]


@pytest.fixture(scope="module")
def backend(
    tmp_path_factory: pytest.TempPathFactory, backend_db: BackendDb
) -> Iterator[BackendProcess]:
    with limited_backend(backend_db(tmp_path_factory.mktemp("backend") / "backend.db")) as bk:
        yield bk


def addons(config: KioskConfig, emulators: Emulators, script: Script) -> Outcome:
    async def go() -> Outcome:
        async with open_kiosk(config) as k:
            flow = AddonFlow(k.ports)
            t = Tourist(flow, emulators, k.hub)
            return await drive(flow, lambda: script(t, flow), timeout=45)

    return asyncio.run(go())


async def chooses_addons(t: Tourist, flow: AddonFlow, seen: dict[str, object]) -> None:
    """The add-ons his admission allows are offered; he lifts the card and cancels."""
    state = await t.until("addon_choose", "addon_refused", timeout=15)
    seen["screen"] = state.screen
    seen["addons"] = [a["id"] for a in state.data.get("addons", [])]
    t.lift_card()
    t.tap("cancel")


def test_too_many_lookups_wait_and_the_card_left_on_the_reader_finds_the_admission(
    backend: BackendProcess, kiosk_config: KioskConfig, emulators: Emulators
) -> None:
    seen: dict[str, object] = {}

    async def script(t: Tourist, flow: AddonFlow) -> None:
        await t.until("addon_identify")
        seen["wait"] = use_up_lookups(backend, demo_card("zhang_wei").id_number)
        t.place_card("zhang_wei")  # his admission is for today; he leaves the card there
        await until_told(flow, "error.pickup_lookup_wait_card")
        seen["wait_actions"] = flow.state.actions
        await chooses_addons(t, flow, seen)

    outcome = addons(kiosk_config, emulators, script)
    assert float(str(seen["wait"])) >= 1
    assert seen["wait_actions"] == ("cancel",)  # waiting: only cancel is offered
    assert seen["screen"] == "addon_choose" and "CABLE" in seen["addons"]  # type: ignore[operator]
    info = ERRORS["pickup_lookup_wait_card"]
    assert said(outcome, "pickup_lookup_wait_card") == {"zh": info.zh, "en": info.en}
    assert emulators.idcard.commands[READ] == 1  # placed once: the card lying there was used


def test_network_down_the_kiosk_retries_then_lifting_and_placing_the_card_again_works(
    backend: BackendProcess, kiosk_config: KioskConfig, emulators: Emulators
) -> None:
    seen: dict[str, object] = {}
    with network_through_proxy(backend, kiosk_config) as proxy:

        async def script(t: Tourist, flow: AddonFlow) -> None:
            await t.until("addon_identify")
            proxy.cut()  # the network goes down
            t.place_card("zhang_wei")
            await until_told(flow, "net.retrying")
            await until_told(flow, "error.addon_network_down")
            proxy.heal()  # it is back; the card lying there is not read twice by itself
            await asyncio.sleep(0.5)
            seen["told"] = flow.state.screen
            t.lift_card()  # as the screen says: lift the card and place it again
            await asyncio.sleep(1.0)  # two missed polls: lifted
            t.place_card("zhang_wei")
            await chooses_addons(t, flow, seen)

        outcome = addons(kiosk_config, emulators, script)
    assert seen["told"] == "addon_identify"  # told there, the screen still takes a card
    assert seen["screen"] == "addon_choose" and "CABLE" in seen["addons"]  # type: ignore[operator]
    info = ERRORS["addon_network_down"]
    assert said(outcome, "addon_network_down") == {"zh": info.zh, "en": info.en}
    assert "lift your ID card and place it again" in info.en and "重新放上" in info.zh
    assert emulators.idcard.commands[READ] == 2
