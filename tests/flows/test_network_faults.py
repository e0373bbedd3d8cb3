"""A failing network between the kiosk and its backend (issue 11): our TCP proxy
(appliance/faulty_proxy.py) sits between them and delays, drops and cuts connections in the
middle of a purchase, a payment poll and a print. Afterwards, seen from the backend's own
database and the printer emulator, every order is paid and printed exactly once, or not charged
at all (its payment reversed). The kiosk says what is happening while it retries, goes out of
service by itself when the backend stays away and comes back by itself; the start screen offers
only what the kiosk can finish; a backend that stays away is logged once, not per heartbeat.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest

from appliance.faulty_proxy import FaultyProxy
from appliance.scenarios import PAY_NEVER, PAY_OK, PAY_USERPAYING, buy_admission, drive
from appliance.tourist import Emulators, Tourist
from backend_stub.process import BackendProcess
from kiosk.config import KioskConfig
from kiosk.flows.base import FlowState, Outcome
from kiosk.flows.home import JourneyLoop
from kiosk.flows.purchase import PurchaseFlow
from kiosk.startup import Kiosk, open_kiosk
from tests.fixtures.backend import query
from tests.fixtures.common import free_port
from tests.flows.conftest import api

COUNTS = {"ADM-ADULT": 1, "ADM-CHILD": 1}


@pytest.fixture
def proxy(backend: BackendProcess) -> Iterator[FaultyProxy]:
    target = urlsplit(backend.url)
    with FaultyProxy((target.hostname or "127.0.0.1", target.port or 80)) as p:
        yield p


@pytest.fixture
def config(kiosk_config: KioskConfig, proxy: FaultyProxy) -> KioskConfig:
    """The kiosk talks to the backend through the proxy, with short timeouts."""
    kiosk_config.backend_url = proxy.url
    t = kiosk_config.timeouts
    t.http_seconds = 1.0
    t.network_retry_seconds = 3.0
    t.payment_poll_seconds = 4.0
    t.heartbeat_seconds = 0.5
    t.heartbeat_retry_seconds = 0.2
    t.device_poll_seconds = 0.3
    return kiosk_config


# --- what the backend and the printer saw ------------------------------------------------------
def db(backend: BackendProcess, sql: str, *args: Any) -> list[tuple[Any, ...]]:
    return query(backend, sql, *args)  # SQLite or PostgreSQL


def order_count(backend: BackendProcess) -> int:
    return db(backend, "SELECT count(*) FROM orders")[0][0]


def payments_of(backend: BackendProcess, order_id: str) -> list[str]:
    return [r[0] for r in db(backend, "SELECT status FROM payments WHERE order_id = ?", order_id)]


def printed(emu: Emulators) -> Counter[str]:
    """How often each ticket code came out of the printer emulator whole."""
    return Counter(code for t in emu.printer.tickets if t.complete for code in t.qr_payloads)


def journal_codes(k: Kiosk, order_id: str) -> set[str]:
    return {t.layout["qr_text"] for t in k.ports.journal.tickets_of(order_id)}


def assert_paid_and_printed_once(
    backend: BackendProcess, emu: Emulators, k: Kiosk, order_id: str, tickets: int = 2
) -> None:
    order = api(backend, f"/orders/{order_id}")
    assert order["status"] == "paid"
    assert payments_of(backend, order_id) == ["success"]  # one payment, charged once
    codes = journal_codes(k, order_id)
    assert len(codes) == tickets
    assert {code: printed(emu)[code] for code in codes} == dict.fromkeys(codes, 1)
    assert [t["status"] for t in order["tickets"]] == ["printed"] * tickets
    assert [t["printed_count"] for t in order["tickets"]] == [1] * tickets


def told(outcome: Outcome) -> list[str]:
    return [m.key for m in outcome.told]


async def purchase(k: Kiosk, emu: Emulators, code: str, after: float = 60) -> Outcome:
    """A walk-up purchase paid with `code`; the outcome once it is done or stopped."""
    flow = PurchaseFlow(k.ports, product_id="ADM")
    t = Tourist(flow, emu, k.hub)

    async def tourist() -> None:
        await buy_admission(t, COUNTS, code)
        await t.until("done", "error", timeout=after)

    return await drive(flow, tourist)


async def until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError(f"waited {timeout} s for {what}")
        await asyncio.sleep(0.05)


async def loop_until(k: Kiosk, condition: Callable[[], bool], timeout: float, what: str) -> None:
    """Run the kiosk's journey loop (heartbeat, start screen, replay between journeys) until
    `condition()`: what the kiosk does by itself once the backend answers again."""
    loop = JourneyLoop(k.ports, k.hub)
    task = asyncio.create_task(loop.run_forever())
    try:
        await until(condition, timeout, what)
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task


# --- a purchase ---------------------------------------------------------------------------------
def test_an_order_whose_answer_is_cut_is_asked_again_and_held_once(
    backend: BackendProcess, config: KioskConfig, emulators: Emulators, proxy: FaultyProxy
) -> None:
    before = order_count(backend)
    proxy.delay(0.05)  # a slow network all along
    proxy.cut_answer(b"POST /api/v1/orders HTTP")  # the order is held; the kiosk hears nothing

    async def go() -> tuple[Outcome, Kiosk]:
        async with open_kiosk(config) as k:
            outcome = await purchase(k, emulators, PAY_OK)
            assert_paid_and_printed_once(backend, emulators, k, outcome.order_id)
            return outcome, k

    outcome, _ = asyncio.run(asyncio.wait_for(go(), 90))
    assert outcome.result == "done"
    assert proxy.count("matched") == 1 and proxy.count("reset") >= 1
    assert order_count(backend) == before + 1  # asked again with the same key: one order


def test_a_payment_whose_answer_is_cut_is_asked_again_and_charged_once(
    backend: BackendProcess, config: KioskConfig, emulators: Emulators, proxy: FaultyProxy
) -> None:
    proxy.cut_answer(b"/payments HTTP")  # charged at the backend; the answer never arrives

    async def go() -> Outcome:
        async with open_kiosk(config) as k:
            outcome = await purchase(k, emulators, PAY_OK)
            assert_paid_and_printed_once(backend, emulators, k, outcome.order_id)
            return outcome

    assert asyncio.run(asyncio.wait_for(go(), 90)).result == "done"
    assert proxy.count("matched") == 1


# --- a payment poll -------------------------------------------------------------------------------
def test_a_payment_poll_through_a_dead_network_says_so_and_finishes_once(
    backend: BackendProcess, config: KioskConfig, emulators: Emulators, proxy: FaultyProxy
) -> None:
    config.timeouts.payment_poll_seconds = 12.0
    screens: list[tuple[str, str]] = []

    async def go() -> Outcome:
        async with open_kiosk(config) as k:
            flow = PurchaseFlow(k.ports, product_id="ADM")
            t = Tourist(flow, emulators, k.hub)
            loop = asyncio.get_running_loop()

            def on_state(state: FlowState) -> None:
                key = state.messages[0].key if state.messages else ""
                screens.append((state.screen, key))
                if (
                    key == "pay.confirm_on_phone"
                    and proxy.mode == "pass"
                    and not proxy.count("drop")
                ):  # the tourist confirms on the phone; the network dies for 3 s
                    proxy.drop()
                    loop.call_later(3.0, proxy.heal)

            flow.subscribe(on_state)

            async def tourist() -> None:
                await buy_admission(t, COUNTS, PAY_USERPAYING)
                await t.until("done", "error", timeout=60)

            outcome = await drive(flow, tourist)
            assert_paid_and_printed_once(backend, emulators, k, outcome.order_id)
            return outcome

    outcome = asyncio.run(asyncio.wait_for(go(), 90))
    assert outcome.result == "done"
    # while the backend did not answer, the tourist was told so, in zh/en (net.retrying)
    assert ("pay_waiting", "net.retrying") in screens
    assert screens.index(("pay_waiting", "net.retrying")) < screens.index(
        ("done", "done.take_tickets")
    )


def test_a_payment_the_network_never_confirms_is_reversed_once_the_backend_is_back(
    backend: BackendProcess, config: KioskConfig, emulators: Emulators, proxy: FaultyProxy
) -> None:
    config.timeouts.payment_poll_seconds = 2.0
    config.timeouts.network_retry_seconds = 2.0

    async def go() -> tuple[Outcome, str, str]:
        async with open_kiosk(config) as k:
            flow = PurchaseFlow(k.ports, product_id="ADM")
            t = Tourist(flow, emulators, k.hub)

            def on_state(state: FlowState) -> None:
                if (
                    state.screen == "pay_waiting"
                    and state.messages[0].key == "pay.confirm_on_phone"
                ):
                    proxy.drop()  # never confirmed on the phone, and the network is gone

            flow.subscribe(on_state)

            async def tourist() -> None:
                await buy_admission(t, COUNTS, PAY_NEVER)
                await t.until("error", "done", timeout=60)

            outcome = await drive(flow, tourist)
            payment = k.ports.journal.payments_of(flow_order(k))[0]
            assert payment.state == "cancelling"  # journaled: the reversal is still owed
            proxy.heal()
            order_id = payment.order_id
            await loop_until(
                k,
                lambda: (
                    payments_of(backend, order_id) == ["cancelled"]
                    and not k.ports.journal.open_payments()
                ),
                30,
                "the payment reversed by the kiosk by itself",
            )
            return outcome, order_id, k.ports.journal.payments_of(order_id)[0].state

    outcome, order_id, journaled = asyncio.run(asyncio.wait_for(go(), 120))
    assert outcome.result == "failed"
    assert "error.payment_unconfirmed" in told(outcome)  # what happens next, in zh/en
    assert journaled == "cancelled"
    assert api(backend, f"/orders/{order_id}")["status"] != "paid"  # not charged
    assert printed(emulators) == Counter()


def test_a_charged_payment_whose_answer_was_lost_prints_once_when_the_backend_is_back(
    backend: BackendProcess, config: KioskConfig, emulators: Emulators, proxy: FaultyProxy
) -> None:
    config.timeouts.network_retry_seconds = 2.0
    # the payment reaches the backend and is charged; then the backend is gone
    proxy.cut_answer(b"/payments HTTP", then="drop")

    async def go() -> Outcome:
        async with open_kiosk(config) as k:
            outcome = await purchase(k, emulators, PAY_OK)
            assert outcome.result == "failed"
            assert printed(emulators) == Counter()  # nothing yet: unknown whether paid
            order_id = flow_order(k)
            proxy.heal()
            # both tickets printed and reported, as the journal records it: the second ticket
            # is out of the printer a moment before the journal has it printed (unreported)
            await loop_until(
                k,
                lambda: all_reported(k, order_id, 2),
                40,
                "the paid order printed by the kiosk by itself",
            )
            assert_paid_and_printed_once(backend, emulators, k, order_id)
            return outcome

    outcome = asyncio.run(asyncio.wait_for(go(), 120))
    assert "error.payment_unconfirmed" in told(outcome)


def all_reported(k: Kiosk, order_id: str, tickets: int) -> bool:
    """The order's tickets are all printed and reported to the backend (journal)."""
    entries = k.ports.journal.tickets_of(order_id)
    return len(entries) == tickets and all(t.state == "printed" and t.marked for t in entries)


def flow_order(k: Kiosk) -> str:
    """The one order the journal still holds open (its payment unsettled)."""
    (order,) = [o.order_id for o in k.ports.journal.open_orders() if o.order_id]
    return order


# --- a print ------------------------------------------------------------------------------------
def test_a_print_through_a_dead_network_prints_each_ticket_once_and_reports_them_later(
    backend: BackendProcess, config: KioskConfig, emulators: Emulators, proxy: FaultyProxy
) -> None:
    async def go() -> Outcome:
        async with open_kiosk(config) as k:
            # the network dies the moment the first ticket is out of the printer
            k.ports.crash_hook = lambda step: proxy.drop() if step == "ticket_printed_1" else None
            outcome = await purchase(k, emulators, PAY_OK)
            assert outcome.result == "done" and len(outcome.printed) == 2
            assert len(k.ports.journal.tickets_unmarked()) == 2  # the backend not told yet
            k.ports.crash_hook = None
            proxy.heal()
            await loop_until(
                k,
                lambda: not k.ports.journal.tickets_unmarked(),
                30,
                "the printed tickets reported by the kiosk by itself",
            )
            assert_paid_and_printed_once(backend, emulators, k, outcome.order_id)
            return outcome

    outcome = asyncio.run(asyncio.wait_for(go(), 120))
    assert "done.take_tickets" in told(outcome)


# --- out of service, and back ---------------------------------------------------------------------
async def run_home(k: Kiosk, states: list[FlowState]) -> tuple[JourneyLoop, asyncio.Task[None]]:
    loop = JourneyLoop(k.ports, k.hub)
    loop.on_flow(lambda flow: flow.subscribe(states.append) if flow.name == "home" else None)
    return loop, asyncio.create_task(loop.run_forever())


async def stop(task: asyncio.Task[None]) -> None:
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


def latest(states: list[FlowState]) -> FlowState:
    """The last state the start screen published (a `loading` one before its first)."""
    shown = [s for s in states if s.screen != "loading"]
    return shown[-1] if shown else FlowState("home", "loading")


def test_the_kiosk_goes_out_of_service_by_itself_and_comes_back_by_itself(
    config: KioskConfig, emulators: Emulators, proxy: FaultyProxy
) -> None:
    async def go() -> list[FlowState]:
        async with open_kiosk(config) as k:
            states: list[FlowState] = []
            _, task = await run_home(k, states)
            await until(lambda: latest(states).screen == "home", 10, "the start")
            assert "buy" in latest(states).actions
            proxy.cut()  # the backend is gone
            await until(lambda: latest(states).screen == "out_of_service", 10, "out of service")
            away = latest(states)
            proxy.heal()
            await until(lambda: latest(states).screen == "home", 10, "back in service")
            await stop(task)
            return [away, latest(states)]

    away, back = asyncio.run(asyncio.wait_for(go(), 60))
    assert [m.key for m in away.messages] == ["service.out_of_service", "service.use_window"]
    assert "buy" not in away.actions and "pickup" not in away.actions
    assert "staff" in away.actions  # staff may still open maintenance
    assert {"buy", "pickup", "member", "refund"} <= set(back.actions)


def test_without_a_printer_the_start_screen_offers_no_purchase_or_pickup(
    config: KioskConfig, emulators: Emulators
) -> None:
    config.devices.printer = f"tcp://127.0.0.1:{free_port()}"  # nothing listens there

    async def go() -> tuple[FlowState, list[str]]:
        async with open_kiosk(config) as k:
            states: list[FlowState] = []
            loop, task = await run_home(k, states)
            await until(lambda: latest(states).screen == "home", 10, "the start")
            emulators.idcard.place_card("zhang_wei")  # his order waits; it could not print
            await asyncio.sleep(1.5)
            emulators.idcard.lift_card()
            flows = [loop.current.name]
            await stop(task)
            return latest(states), flows

    home, flows = asyncio.run(asyncio.wait_for(go(), 60))
    assert not {"buy", "pickup", "addons", "seats", "rebook"} & set(home.actions)
    assert {"member", "refund", "staff"} <= set(home.actions)  # what needs no printer stays
    assert [m.key for m in home.messages] == ["home.welcome", "home.printer_fault"]
    assert home.data["unavailable"] == dict.fromkeys(
        ("buy", "pickup", "addons", "seats", "rebook"), "printer"
    )
    assert flows == ["home"]  # the ID card did not open a pickup it could not finish


def test_paper_out_closes_purchase_and_a_new_roll_opens_it_again_by_itself(
    config: KioskConfig, emulators: Emulators
) -> None:
    async def go() -> tuple[FlowState, FlowState]:
        async with open_kiosk(config) as k:
            states: list[FlowState] = []
            _, task = await run_home(k, states)
            await until(lambda: "buy" in latest(states).actions, 10, "the start")
            emulators.printer.set_paper(0.0)
            await until(lambda: "buy" not in latest(states).actions, 10, "purchase closed")
            out = latest(states)
            emulators.printer.refill()
            await until(lambda: "buy" in latest(states).actions, 10, "purchase open again")
            await stop(task)
            return out, latest(states)

    out, back = asyncio.run(asyncio.wait_for(go(), 60))
    assert out.data["printer"]["code"] == "paper_out"
    assert "home.printer_fault" in [m.key for m in out.messages]
    assert "home.printer_fault" not in [m.key for m in back.messages]


def test_with_no_backend_and_no_printer_a_new_user_is_never_offered_a_purchase(
    config: KioskConfig, emulators: Emulators, proxy: FaultyProxy
) -> None:
    """Tried as a new user would: the kiosk switched on with the backend unreachable and no
    printer. It must not show its normal start screen offering 购票."""
    config.devices.printer = f"tcp://127.0.0.1:{free_port()}"
    proxy.cut()

    async def go() -> list[FlowState]:
        async with open_kiosk(config) as k:
            states: list[FlowState] = []
            _, task = await run_home(k, states)
            await until(lambda: latest(states).screen == "out_of_service", 10, "out of service")
            await asyncio.sleep(1.0)
            await stop(task)
            return [s for s in states if s.screen != "loading"]

    states = asyncio.run(asyncio.wait_for(go(), 60))
    assert not any("buy" in s.actions or "pickup" in s.actions for s in states)
    assert {s.screen for s in states} == {"out_of_service"}  # never the normal start screen


def test_a_backend_that_stays_away_is_logged_once_not_per_heartbeat(
    config: KioskConfig, emulators: Emulators, proxy: FaultyProxy, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="kiosk")

    async def go() -> int:
        async with open_kiosk(config) as k:
            states: list[FlowState] = []
            _, task = await run_home(k, states)
            await until(lambda: latest(states).screen == "home", 10, "the start")
            caplog.clear()
            proxy.cut()
            # out of service, and many heartbeats failed (one every 0.2 s) while it stays away
            await until(
                lambda: (
                    latest(states).screen == "out_of_service"
                    and k.ports.client.connectivity.failures >= 8
                ),
                10,
                "out of service and 8 failed heartbeats",
            )
            failed = k.ports.client.connectivity.failures
            proxy.heal()
            await until(lambda: latest(states).screen == "home", 10, "back in service")
            await stop(task)
            return failed

    failed = asyncio.run(asyncio.wait_for(go(), 60))
    assert failed >= 8
    records = [(r.name, r.levelname, r.getMessage()) for r in caplog.records]
    warnings = [r for r in records if r[1] == "WARNING"]
    # one warning per change: the backend lost (client), the kiosk out of service (upkeep)
    assert [name for name, *_ in warnings] == ["kiosk.client", "kiosk.upkeep"], records
    # and one line each when it is back
    back = [r for r in records if "again" in r[2]]
    assert len(back) == 2, records
