"""Member and staff cards through the real smart card path: pcscd with the vpcd reader, the
card emulator on it, the PC/SC driver opened by `kiosk()` (or handed to the hub later)."""

from __future__ import annotations

import asyncio

from appliance.tourist import Emulators
from kiosk.config import KioskConfig
from kiosk.flows.home import JourneyLoop
from kiosk.startup import open_kiosk
from peripherals.smartcard.driver import PcscSmartCardReader
from peripherals.smartcard.emulator import SmartCardEmulator
from peripherals.status import DeviceState


async def until(session: JourneyLoop, flow: str, screen: str, timeout: float = 15.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while (session.current.name, session.current.state.screen) != (flow, screen):
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError(f"still on {session.current.name}/{session.current.state.screen}")
        await asyncio.sleep(0.02)


def test_staff_corner_press_then_staff_card_and_pin_open_maintenance(
    kiosk_config: KioskConfig,
    emulators: Emulators,
    smartcard_reader_name: str,
    smartcard_emulator: SmartCardEmulator,
) -> None:
    kiosk_config.devices.smartcard = smartcard_reader_name

    async def go() -> tuple[str, dict]:
        async with open_kiosk(kiosk_config) as k:  # names a reader: open_kiosk() opens it
            session = JourneyLoop(k.ports, k.hub)
            run = asyncio.create_task(session.run_once())
            await until(session, "home", "home")
            assert session.current.act("staff")  # the 5-second corner press
            await until(session, "staff", "staff_card")
            await asyncio.to_thread(smartcard_emulator.insert, "S001")
            await until(session, "staff", "staff_pin")
            staff_id = session.current.state.data["staff_id"]
            session.current.act("enter_pin", pin="246810")
            await until(session, "staff", "staff_menu")
            devices = dict(session.current.state.data["devices"])
            session.current.act("logout")
            await run
            return staff_id, devices

    staff_id, devices = asyncio.run(asyncio.wait_for(go(), 60))
    assert staff_id == "S001"
    assert devices["smartcard"]["state"] == "ok"


def test_a_reader_handed_to_the_hub_later_routes_a_member_card_to_membership(
    kiosk_config: KioskConfig,
    emulators: Emulators,
    smartcard_reader_name: str,
    smartcard_emulator: SmartCardEmulator,
) -> None:
    async def go() -> tuple[bool, str, dict]:
        async with open_kiosk(kiosk_config, with_smartcard=False) as k:
            assert k.devices.smartcard is None
            added = k.hub.add_smartcard(PcscSmartCardReader(smartcard_reader_name))
            session = JourneyLoop(k.ports, k.hub)
            run = asyncio.create_task(session.run_once())
            await until(session, "home", "home")
            await asyncio.to_thread(smartcard_emulator.insert, "M2002")
            await until(session, "membership", "member")
            state = session.current.state
            session.current.act("done")
            await asyncio.wait_for(run, 10)
            return added, session.current.name, dict(state.data)

    added, _, member = asyncio.run(asyncio.wait_for(go(), 60))
    assert added
    assert member["member_id"] == "M2002" and member["tier"]


def test_a_named_reader_that_is_not_there_is_a_status_not_a_failure(
    kiosk_config: KioskConfig, emulators: Emulators
) -> None:
    kiosk_config.devices.smartcard = "No Such Reader 99"

    async def go() -> str:
        async with open_kiosk(kiosk_config) as k:
            assert k.devices.smartcard is not None
            return k.devices.statuses()["smartcard"].state

    assert asyncio.run(asyncio.wait_for(go(), 30)) == DeviceState.MISSING
