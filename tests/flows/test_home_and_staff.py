"""The start screen routes device events to journeys; maintenance mode; heartbeat."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx

from appliance.scenarios import PAY_OK, buy_admission
from appliance.tourist import Emulators, Tourist
from backend_stub.process import BackendProcess
from backend_stub.seed import DEMO_ORDER_NOS
from kiosk.config import KioskConfig
from kiosk.flows.home import JourneyLoop
from kiosk.flows.staff import StaffFlow
from kiosk.journal import Journal
from kiosk.startup import open_kiosk
from kiosk.upkeep import send_heartbeat
from peripherals.smartcard.protocol import SmartCardData

STAFF_CARD = SmartCardData(uid="04A1B2C3", kind="staff", staff_id="S002", role="operator")
# The reprint test's own staff member (the seed's supervisor): the wrong-PIN test before it
# locks S002 for a second (the module's backend: --pin-lockout-seconds 1), and a reprint test
# that began inside that second met `error.staff_locked` at its right PIN
REPRINT_STAFF_CARD = SmartCardData(uid="04D5E6F7", kind="staff", staff_id="S001", role="supervisor")
REPRINT_STAFF_PIN = "246810"


def test_id_card_on_the_start_screen_with_nothing_waiting_offers_a_purchase_for_that_person(
    kiosk_config: KioskConfig, emulators: Emulators
) -> None:
    async def go() -> tuple[list[str], dict]:
        async with open_kiosk(kiosk_config) as k:
            session = JourneyLoop(k.ports, k.hub)
            screens: list[str] = []
            session.on_flow(lambda f: f.subscribe(lambda s: screens.append(s.screen)))
            run = asyncio.create_task(session.run_once())
            while session.current.state.screen != "home":
                await asyncio.sleep(0.02)
            emulators.idcard.place_card("li_na")  # 李娜 has no order waiting
            while session.current.state.screen != "pickup_none":
                await asyncio.sleep(0.05)
            emulators.idcard.lift_card()
            session.current.act("buy")
            while session.current.name != "purchase":
                await asyncio.sleep(0.02)
            t = Tourist(session.current, emulators, k.hub)
            await t.until("choose_product", "choose_slot")
            state = session.current.state
            t.tap("cancel")
            await run
            return screens, dict(state.data)

    screens, _ = asyncio.run(asyncio.wait_for(go(), 60))
    assert screens.index("home") < screens.index("pickup_none")
    assert "pickup_none" in screens and "choose_product" in screens


def test_order_qr_on_the_start_screen_prints_the_order(
    kiosk_config: KioskConfig, emulators: Emulators
) -> None:
    async def go() -> str:
        async with open_kiosk(kiosk_config) as k:
            session = JourneyLoop(k.ports, k.hub)
            run = asyncio.create_task(session.run_once())
            while session.current.state.screen != "home":
                await asyncio.sleep(0.02)
            emulators.camera.show_code(f"KO1:{DEMO_ORDER_NOS['MT55000002']}", seconds=1.5)
            while session.current.name != "after_sale" or session.current.state.screen != "done":
                await asyncio.sleep(0.02)
            session.current.act("cancel")  # Finish, not the receipt or invoice offered after
            outcome = await run
            return outcome.order_no

    assert asyncio.run(asyncio.wait_for(go(), 60)) == DEMO_ORDER_NOS["MT55000002"]
    assert len([t for t in emulators.printer.tickets if t.complete]) == 3


def test_five_wrong_pins_lock_the_card_even_across_a_restart(
    kiosk_config: KioskConfig, emulators: Emulators
) -> None:
    async def attempt(pins: list[str]) -> tuple[str, list[str]]:
        async with open_kiosk(kiosk_config) as k:
            flow = StaffFlow(k.ports, STAFF_CARD)
            t = Tourist(flow, emulators, k.hub)
            task = asyncio.create_task(flow.run())
            for pin in pins:
                await t.until("staff_pin", "staff_locked")
                if flow.state.screen == "staff_locked":
                    break
                seq = flow.state.seq
                t.tap("enter_pin", pin=pin)
                while flow.state.seq == seq:
                    await asyncio.sleep(0.02)
            await t.until("staff_locked", "staff_menu")
            screen = flow.state.screen
            flow.act("cancel") if screen == "staff_locked" else t.tap("logout")
            outcome = await task
            return screen, [m.key for m in outcome.told]

    screen, told = asyncio.run(attempt(["000000"] * 5))
    assert screen == "staff_locked" and told.count("staff.wrong_pin") == 4
    # a restart (a new journal connection, a new flow) does not reset it; even the right PIN
    screen, _ = asyncio.run(attempt(["135790"]))
    assert screen == "staff_locked"
    audit = Journal(kiosk_config.journal_path).audit_log()
    assert [a["action"] for a in audit][:2] == ["login_refused_locked", "login_refused_locked"]


def test_staff_reprint_prints_the_tickets_paper_out_left_behind_and_is_audited(
    kiosk_config: KioskConfig, emulators: Emulators
) -> None:
    async def go() -> dict:
        async with open_kiosk(kiosk_config) as k:
            from kiosk.flows.purchase import PurchaseFlow

            emulators.printer.set_paper(140.0)  # one ticket's worth
            buy = PurchaseFlow(k.ports, product_id="ADM")
            t = Tourist(buy, emulators, k.hub)
            task = asyncio.create_task(buy.run())
            await buy_admission(t, {"ADM-ADULT": 2}, PAY_OK)
            await t.until("paper_out", timeout=30)
            missing = list(buy.state.data["missing"])
            task.cancel()  # the tourist gave up waiting; the ticket is left for staff
            emulators.printer.refill()
            staff = StaffFlow(k.ports, REPRINT_STAFF_CARD)
            s = Tourist(staff, emulators, k.hub)
            staff_task = asyncio.create_task(staff.run())
            await s.until("staff_pin")
            s.tap("enter_pin", pin=REPRINT_STAFF_PIN)
            try:
                await s.until("staff_menu")
            except TimeoutError:  # say why the PIN did not open the menu (seen once under load)
                said = [(m.key, m.params) for m in staff.state.messages]
                raise AssertionError(f"still on {staff.state.screen}: {said}") from None
            s.tap("reprint")
            while not any(m.key == "staff.reprinted" for m in staff.told):
                await asyncio.sleep(0.05)
            s.tap("logout")
            await staff_task
            return {"missing": missing, "audit": Journal(kiosk_config.journal_path).audit_log()}

    result = asyncio.run(asyncio.wait_for(go(), 60))
    assert len(result["missing"]) == 1
    complete = [t for t in emulators.printer.tickets if t.complete]
    assert len(complete) == 2 and any("REPRINT" in "".join(t.lines).upper() for t in complete)
    actions = [a["action"] for a in result["audit"]]
    assert actions[:3] == ["logout", "reprint", "login"]


def test_heartbeat_reports_device_health_and_paper_to_the_fleet(
    backend: BackendProcess, kiosk_config: KioskConfig, emulators: Emulators, tmp_path: Path
) -> None:
    emulators.printer.set_paper(500.0)  # under the near-end mark

    async def go() -> bool:
        async with open_kiosk(kiosk_config) as k:
            return await send_heartbeat(k.ports)

    assert asyncio.run(go())
    fleet = httpx.get(f"{backend.url}/api/v1/ops/kiosks", headers=backend.ops_headers()).json()
    kiosks = fleet.get("kiosks", fleet) if isinstance(fleet, dict) else fleet
    mine = next(k for k in kiosks if k.get("id", k.get("kiosk_id")) == kiosk_config.kiosk_id)
    assert mine["paper_level"] == "near_end"
    assert set(mine["devices"]) >= {"printer", "idcard", "camera"}
