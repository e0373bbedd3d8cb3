"""An ID card placed while the last tourist's `done` screen still shows is read by the start
screen that follows (the next tourist in the queue), through the real watcher over the pty;
a card its own journey already used is not read a second time when left on the reader; a card
left behind and swapped quickly for the next tourist's is read (the chip serial tells them
apart)."""

from __future__ import annotations

import asyncio

from appliance.tourist import Emulators
from backend_stub.seed import DEMO_ORDER_NOS
from kiosk.config import KioskConfig
from kiosk.flows.base import Flow
from kiosk.flows.home import JourneyLoop
from kiosk.startup import open_kiosk

READ = (0x30, 0x01)  # the SAM's read-card command: the watcher read a placed card
ZHANG_WEI_ORDER = DEMO_ORDER_NOS["CT88000001"]  # 张伟's OTA order, found by his ID card


async def _until_screen(session: JourneyLoop, flow: str, screen: str, timeout: float) -> Flow:
    deadline = asyncio.get_running_loop().time() + timeout
    while (session.current.name, session.current.state.screen) != (flow, screen):
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(
                f"waited {timeout} s for {flow}/{screen}, still on "
                f"{session.current.name}/{session.current.state.screen}"
            )
        await asyncio.sleep(0.02)
    return session.current


def test_a_card_placed_on_the_last_done_screen_is_read_when_the_start_screen_comes_back(
    kiosk_config: KioskConfig, emulators: Emulators
) -> None:
    async def go() -> tuple[str, str, str]:
        async with open_kiosk(kiosk_config) as k:
            session = JourneyLoop(k.ports, k.hub)
            # the first tourist picks up Meituan's order with its QR
            first = asyncio.create_task(session.run_once())
            await _until_screen(session, "home", "home", 10)
            emulators.camera.show_code(f"KO1:{DEMO_ORDER_NOS['MT55000002']}", seconds=1.5)
            done = await _until_screen(session, "after_sale", "done", 20)
            # the next tourist places their card while "take your tickets" still shows
            reads = emulators.idcard.commands[READ]
            emulators.idcard.place_card("zhang_wei")
            while emulators.idcard.commands[READ] == reads:
                await asyncio.sleep(0.02)
            await asyncio.sleep(0.3)  # the read card reached the hub (and the done screen)
            done.act("cancel")  # the first tourist taps Finish
            first_no = (await first).order_no
            # the start screen comes back with 张伟's card lying on the reader
            second = asyncio.create_task(session.run_once())
            done = await _until_screen(session, "after_sale", "done", 10)
            done.act("cancel")
            second_no = (await second).order_no
            # 张伟 walks away leaving his card: the start screen does not read it again
            third = asyncio.create_task(session.run_once())
            await _until_screen(session, "home", "home", 10)
            await asyncio.sleep(1.0)  # the watcher polls the card lying there ~3 times
            still = f"{session.current.name}/{session.current.state.screen}"
            third.cancel()
            return first_no, second_no, still

    first_no, second_no, still = asyncio.run(asyncio.wait_for(go(), 60))
    assert first_no == DEMO_ORDER_NOS["MT55000002"]
    assert second_no == ZHANG_WEI_ORDER
    assert still == "home/home"


def test_a_card_left_behind_and_swapped_quickly_for_the_next_one_is_read(
    kiosk_config: KioskConfig, emulators: Emulators
) -> None:
    """李娜 leaves her card after being told nothing waits; the next tourist, 王秀英, lifts it
    and puts her own down 0.1 s later, sooner than the two missed polls (0.6-0.9 s) a removal
    needs. The reader's chip serial tells the cards apart: her order prints."""

    async def go() -> tuple[str, str]:
        async with open_kiosk(kiosk_config) as k:
            session = JourneyLoop(k.ports, k.hub)
            first = asyncio.create_task(session.run_once())
            await _until_screen(session, "home", "home", 10)
            emulators.idcard.place_card("li_na")
            none = await _until_screen(session, "pickup", "pickup_none", 10)
            none.act("cancel")  # and walks away, her card left on the reader
            first_result = (await first).result
            second = asyncio.create_task(session.run_once())
            await _until_screen(session, "home", "home", 10)
            await asyncio.sleep(0.5)  # the card rests: polled every 0.3 s
            emulators.idcard.lift_card()
            await asyncio.sleep(0.1)
            emulators.idcard.place_card("wang_xiuying")
            done = await _until_screen(session, "after_sale", "done", 10)
            done.act("cancel")
            return first_result, (await second).order_no

    first_result, second_no = asyncio.run(asyncio.wait_for(go(), 60))
    assert first_result == "none"
    assert second_no == DEMO_ORDER_NOS["MP66000003"]  # 王秀英's mini-program order
