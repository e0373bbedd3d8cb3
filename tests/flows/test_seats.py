"""The seated departure journey headless (`kiosk play seats`): two adults take the best two
seats side by side on tomorrow's first shuttle bus, pay, and get two tickets with their seats
printed; the seat map then shows them taken. And a seat another kiosk takes meanwhile."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta

import httpx

from appliance.scenarios.seats import after
from appliance.tourist import Emulators, Tourist
from backend_stub.process import BackendProcess
from backend_stub.seed_seats import COACH_LAYOUT
from kiosk.config import KioskConfig
from kiosk.domain.seats import parse_layout, side_by_side
from kiosk.flows.seats import SeatsFlow
from kiosk.startup import open_kiosk
from tests.flows.conftest import api, run_journey


def test_two_seats_side_by_side_booked_paid_and_printed(
    backend: BackendProcess, kiosk_config: KioskConfig, emulators: Emulators
) -> None:
    result = run_journey("seats", kiosk_config, emulators)
    assert result["result"] == "done", result["told"]
    seats = result["seats"]
    assert len(seats) == 2 and side_by_side(parse_layout(COACH_LAYOUT), seats)
    order = api(backend, f"/orders/{result['order_id']}")
    assert [t["status"] for t in order["tickets"]] == ["printed", "printed"]
    assert order["total_fen"] == sum(t["unit_fen"] for t in order["tickets"])
    printed = ["\n".join(t.lines) for t in emulators.printer.tickets if t.complete]
    assert len(printed) == 2
    assert all("座位 SEAT" in text for text in printed)
    assert sorted(s for s in seats if any(s in text for text in printed)) == sorted(seats)
    seat_map = api(backend, f"/departures/{order['tickets'][0]['slot_id']}/seats")
    taken = {s["seat"] for s in seat_map["seats"] if s["state"] == "taken"}
    assert set(seats) <= taken


def test_a_seat_taken_by_another_kiosk_meanwhile_sends_back_to_the_map_keeping_the_other(
    backend: BackendProcess, kiosk_config: KioskConfig, emulators: Emulators
) -> None:
    """Two seats picked; another kiosk takes one of them before confirm: the tourist is back
    on the seat map told why (zh/en), the other traveller keeps his seat, nothing is held."""
    day = (date.today() + timedelta(days=2)).isoformat()
    dep_id = f"SUMMIT-{day.replace('-', '')}-1030"

    async def go() -> dict:
        async with open_kiosk(kiosk_config) as k:
            flow = SeatsFlow(k.ports)
            t = Tourist(flow, emulators, k.hub)
            task = asyncio.create_task(flow.run())
            await t.until("choose_departure")
            seq = flow.state.seq
            t.tap("choose_date", date=day)
            await after(t, "choose_departure", seq)
            t.tap("choose_departure", departure_id=dep_id)
            await t.until("choose_tickets")
            t.tap("set_count", ticket_type_id="SHUTTLE-ADULT", count=1)
            t.tap("set_count", ticket_type_id="SHUTTLE-CHILD", count=1)
            t.tap("next")
            await t.until("seat_map")
            for seat in ("6A", "6B"):
                seq = flow.state.seq
                t.tap("pick_seat", seat=seat)
                await after(t, "seat_map", seq)
            seq = flow.state.seq
            t.tap("next")
            review = await after(t, "review", seq)
            fares = [s["fare_fen"] for s in review.data["seats"]]
            with httpx.Client(base_url=backend.url, headers=backend.kiosk_headers()) as other:
                r = other.post("/api/v1/orders", json={"lines": [{
                    "product_id": "SHUTTLE", "slot_id": dep_id, "ticket_type_id": "SHUTTLE-ADULT",
                    "quantity": 1, "seats": ["6A"]}]})  # fmt: skip
                assert r.status_code == 201, r.text
            seq = flow.state.seq
            t.tap("confirm")
            back = await after(t, "seat_map", seq)
            t.tap("cancel")
            await asyncio.wait_for(task, 10)
            return {"back": back, "fares": fares}

    result = asyncio.run(go())
    back = result["back"]
    assert back.messages[0].key == "error.seat_taken"
    assert "已被占用" in back.messages[0].params["zh"] and "taken" in back.messages[0].params["en"]
    assert [t["seat"] for t in back.data["travellers"]] == ["", "6B"]
    assert result["fares"] == [2500, 1000]  # adult window 20+5, child aisle 10+0
    seat_map = api(backend, f"/departures/{dep_id}/seats")
    states = {s["seat"]: s["state"] for s in seat_map["seats"]}
    assert states["6A"] == "held" and states["6B"] == "free"  # the other kiosk's; ours not held


def test_a_members_second_booking_brings_back_the_party_and_the_seat_class(
    backend: BackendProcess, kiosk_config: KioskConfig, emulators: Emulators
) -> None:
    """M1001 rode with a child in window seats; at the next booking his member QR on the
    departure screen brings the two travellers and the class back: no ticket counter, and the
    one-tap seats are window seats."""
    day = (date.today() + timedelta(days=3)).isoformat()
    first = f"SUMMIT-{day.replace('-', '')}-0830"
    with httpx.Client(base_url=backend.url, headers=backend.kiosk_headers()) as c:
        lines = [
            {"product_id": "SHUTTLE", "slot_id": first, "ticket_type_id": t, "quantity": 1,
             "seat_class": "window"}
            for t in ("SHUTTLE-ADULT", "SHUTTLE-CHILD")
        ]  # fmt: skip
        o = c.post("/api/v1/orders", json={"lines": lines, "member_id": "M1001"}).json()
        paid = c.post(
            f"/api/v1/orders/{o['id']}/payments",
            json={"method": "auth_code", "auth_code": "134567890123456780"},
        )
        assert paid.json()["status"] == "success", paid.text

    async def go() -> dict:
        async with open_kiosk(kiosk_config) as k:
            flow = SeatsFlow(k.ports)
            t = Tourist(flow, emulators, k.hub)
            task = asyncio.create_task(flow.run())
            await t.until("choose_departure")
            seq = flow.state.seq
            t.tap("choose_date", date=day)
            await after(t, "choose_departure", seq)
            seq = flow.state.seq
            await t.show_code("KM1:M1001")  # the member QR
            welcome = await after(t, "choose_departure", seq)
            t.tap("choose_departure", departure_id=f"SUMMIT-{day.replace('-', '')}-1030")
            await t.until("seat_map")
            seq = flow.state.seq
            t.tap("best")
            seated = await after(t, "seat_map", seq)
            t.tap("cancel")
            await asyncio.wait_for(task, 10)
            return {"welcome": welcome, "seated": seated}

    result = asyncio.run(go())
    msg = result["welcome"].messages[0]
    assert msg.key == "seats.welcome_back" and dict(msg.params) == {
        "people": 2,
        "seat_class": "window",
    }
    travellers = result["seated"].data["travellers"]
    assert sorted(x["ticket_type_id"] for x in travellers) == ["SHUTTLE-ADULT", "SHUTTLE-CHILD"]
    seats = {s["seat"]: s["seat_class"] for s in result["seated"].data["map"]["seats"]}
    assert all(seats[x["seat"]] == "window" for x in travellers)
