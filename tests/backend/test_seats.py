"""Seated departures (座位) over HTTP, on both stores: the seat map and its class fares (child
and senior too), 40 kiosks (40 tokens; on PostgreSQL over two worker processes) racing for
the last 10 seats, a held seat freed when its hold
expires, boarding once at the door, the manifest masked, a boat ride bound to admission, a
rebooking keeping the seat class, a member's rides and saved travellers."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from pathlib import Path

import httpx
import pytest

from backend_stub.process import BackendProcess
from tests.backend.helpers import WECHAT_OK, line, order, paid_order, proof_of, slot
from tests.backend.roomy import ROOMY_LIMITS
from tests.fixtures.backend import query

TOMORROW = date.today() + timedelta(days=1)
# 40 kiosks, each with a token of its own (a kiosk's writes take its own locks on PostgreSQL)
KIOSKS = {f"seats-test-token-{n:02d}": f"kiosk-s{n:02d}" for n in range(40)}
KIOSK_ARGS = [a for token, kid in KIOSKS.items() for a in ("--kiosk-token", f"{token}={kid}")]


@pytest.fixture(scope="module")
def backend(
    store: str, tmp_path_factory: pytest.TempPathFactory, backend_db: Callable[[Path], str | Path]
) -> Iterator[BackendProcess]:
    """The module's backend: 40 kiosk tokens; on PostgreSQL two worker processes, so the race
    for seats runs across processes."""
    db = backend_db(tmp_path_factory.mktemp("seats") / "backend.db")
    workers = 2 if store == "postgres" else 1
    with BackendProcess(
        db, seed="demo", workers=workers, extra_args=ROOMY_LIMITS + KIOSK_ARGS
    ) as proc:
        yield proc


def dep(hhmm: str, day: date = TOMORROW, route: str = "SUMMIT") -> str:
    return f"{route}-{day:%Y%m%d}-{hhmm.replace(':', '')}"


def seat_line(dep_id: str, type_id: str = "SHUTTLE-ADULT", qty: int = 1, **extra: object) -> dict:
    return line("SHUTTLE", dep_id, type_id, qty, **extra)


def seat_map(client: httpx.Client, dep_id: str) -> dict:
    r = client.get(f"/api/v1/departures/{dep_id}/seats")
    assert r.status_code == 200, r.text
    return r.json()


def states(client: httpx.Client, dep_id: str) -> dict[str, str]:
    return {s["seat"]: s["state"] for s in seat_map(client, dep_id)["seats"]}


def test_a_week_of_departures_and_a_seat_map_priced_by_class_and_ticket_type(
    kiosk_http: httpx.Client,
):
    found = kiosk_http.get(
        "/api/v1/departures", params={"product_id": "SHUTTLE", "date": TOMORROW.isoformat()}
    ).json()["departures"]
    assert [d["departs"] for d in found][:2] == ["08:30", "10:30"]
    assert found[0]["route"]["stops"] == ["索道站", "中天门", "山顶"]
    assert found[0]["arrives"] == "09:00" and found[0]["capacity"] == 45
    week = date.today() + timedelta(days=6)
    assert kiosk_http.get(
        "/api/v1/departures", params={"product_id": "SHUTTLE", "date": week.isoformat()}
    ).json()["departures"]
    m = seat_map(kiosk_http, dep("12:30"))
    assert len(m["seats"]) == 45 and m["free"] == 45
    fares = {c["code"]: c["fares"] for c in m["classes"]}
    assert fares["front"] == {"SHUTTLE-ADULT": 3000, "SHUTTLE-CHILD": 2000, "SHUTTLE-SENIOR": 2000}
    assert fares["window"]["SHUTTLE-ADULT"] == 2500 and fares["aisle"]["SHUTTLE-SENIOR"] == 1000
    by_seat = {s["seat"]: s for s in m["seats"]}
    assert by_seat["1A"]["seat_class"] == "front" and by_seat["5A"]["seat_class"] == "window"
    assert by_seat["5B"]["seat_class"] == "aisle" and by_seat["11E"]["seat_class"] == "aisle"
    # what the order charges is what the map says, per seat and ticket type
    r = order(
        kiosk_http,
        seat_line(dep("12:30"), "SHUTTLE-CHILD", seats=["1A"]),
        seat_line(dep("12:30"), "SHUTTLE-SENIOR", seats=["5D"]),
        seat_line(dep("12:30"), "SHUTTLE-ADULT", seats=["5C"]),
    )
    assert r.status_code == 201, r.text
    tickets = r.json()["tickets"]
    assert [(t["seat"], t["seat_class"], t["unit_fen"]) for t in tickets] == [
        ("1A", "front", 2000),
        ("5D", "window", 1500),
        ("5C", "aisle", 2000),
    ]
    assert r.json()["total_fen"] == 5500
    assert states(kiosk_http, dep("12:30"))["1A"] == "held"
    # the same seat again, a seat that is not there, too few seats: clear codes
    again = order(kiosk_http, seat_line(dep("12:30"), seats=["1a"]))
    assert again.status_code == 409 and again.json()["error"]["code"] == "seat_taken"
    assert "seat" in again.json()["error"]["message"]["en"]
    nowhere = order(kiosk_http, seat_line(dep("12:30"), seats=["99Z"]))
    assert nowhere.json()["error"]["code"] == "seat_unknown"
    short = order(kiosk_http, seat_line(dep("12:30"), qty=2, seats=["7A"]))
    assert short.json()["error"]["code"] == "seats_mismatch"


def test_best_seats_for_a_party_sit_side_by_side(kiosk_http: httpx.Client):
    r = order(kiosk_http, seat_line(dep("14:30"), qty=2, seat_class="aisle"))
    assert r.status_code == 201, r.text
    # aisle seats of one row face each other across the aisle: the back row's sit together
    assert [t["seat"] for t in r.json()["tickets"]] == ["11B", "11E"]
    three = order(kiosk_http, seat_line(dep("14:30"), qty=3))
    # no three free side by side any more: one row, the cheapest, the frontmost after the front
    assert [t["seat"] for t in three.json()["tickets"]] == ["3A", "3B", "3C"]


def test_forty_kiosks_race_for_the_last_ten_seats_each_sold_once(
    backend: BackendProcess, kiosk_http: httpx.Client
):
    target = dep("16:30")
    for _ in range(7):  # 35 of 45 seats sold first
        paid_order(kiosk_http, seat_line(target, qty=5))
    free = [s for s, state in states(kiosk_http, target).items() if state == "free"]
    assert len(free) == 10

    tokens = list(KIOSKS)

    def one_kiosk(i: int) -> tuple[int, dict]:
        auth = {"Authorization": f"Bearer {tokens[i]}"}  # kiosk i speaks for itself
        with httpx.Client(base_url=backend.url, headers=auth, timeout=30) as c:
            r = order(c, seat_line(target, seats=[free[i % 10]]))  # four kiosks per seat
            if r.status_code != 201:
                return r.status_code, r.json()
            paid = c.post(
                f"/api/v1/orders/{r.json()['id']}/payments",
                json={"method": "auth_code", "auth_code": WECHAT_OK},
            )
            assert paid.json()["status"] == "success", paid.text
            return 201, r.json()

    with ThreadPoolExecutor(40) as pool:
        results = list(pool.map(one_kiosk, range(40)))
    won = [body["tickets"][0]["seat"] for status, body in results if status == 201]
    lost = {body["error"]["code"] for status, body in results if status != 201}
    assert sorted(won) == sorted(free)  # 10 sold, each seat once
    assert lost <= {"seat_taken", "sold_out"} and "seat_taken" in lost
    assert all(s == "taken" for s in states(kiosk_http, target).values())
    live = query(
        backend,
        "SELECT seat, COUNT(*) FROM tickets WHERE slot_id = ? AND status IN "
        "('held', 'issued', 'printed', 'used') GROUP BY seat",
        target,
    )
    assert len(live) == 45 and {n for _, n in live} == {1}
    sellers = query(
        backend,
        "SELECT DISTINCT o.kiosk_id FROM tickets t JOIN orders o ON o.id = t.order_id "
        "WHERE t.slot_id = ? AND o.kiosk_id LIKE ?",
        target,
        "kiosk-s%",
    )
    assert len(sellers) == 10  # ten kiosks won a seat each


def test_a_held_seat_comes_back_when_its_hold_expires(short_hold_backend: BackendProcess):
    with httpx.Client(
        base_url=short_hold_backend.url, headers=short_hold_backend.kiosk_headers(), timeout=10
    ) as c:
        r = order(c, seat_line(dep("10:30"), seats=["4A"]))
        assert r.status_code == 201, r.text
        assert states(c, dep("10:30"))["4A"] == "held"
        assert order(c, seat_line(dep("10:30"), seats=["4A"])).status_code == 409
        for _ in range(40):  # the sweeper runs every 0.5 s; the hold is 2 s
            if states(c, dep("10:30"))["4A"] == "free":
                break
            time.sleep(0.25)
        assert states(c, dep("10:30"))["4A"] == "free"
        assert c.get(f"/api/v1/orders/{r.json()['id']}").json()["status"] == "expired"
        again = order(c, seat_line(dep("10:30"), seats=["4A"]))
        assert again.status_code == 201 and again.json()["tickets"][0]["seat"] == "4A"


def test_boarding_at_the_door_once_and_the_manifest_masked(
    backend: BackendProcess, kiosk_http: httpx.Client
):
    ops = httpx.Client(base_url=backend.url, headers=backend.ops_headers(), timeout=10)
    late = ops.post(
        "/api/v1/ops/departures",
        json={"route_id": "SUMMIT", "vehicle_id": "BUS-01", "days": [date.today().isoformat()],
              "times": ["23:59"]},
    )  # fmt: skip
    assert late.status_code == 201, late.text
    tonight = late.json()["departures"][0]["id"]
    o = paid_order(
        kiosk_http,
        seat_line(tonight, seats=["2C"], holders=[{"doc_type": "id_card",
                  "doc_number": "11010519491231002X", "name": "张三"}]),
    )  # fmt: skip
    code = proof_of(o)["ticket_code"]
    wrong = kiosk_http.post(
        "/api/v1/tickets/verify", json={"code": code, "departure_id": dep("08:30")}
    )
    assert wrong.status_code == 409 and wrong.json()["error"]["code"] == "wrong_departure"
    board = kiosk_http.post("/api/v1/tickets/verify", json={"code": code, "departure_id": tonight})
    assert board.status_code == 200, board.text
    assert board.json()["ticket"]["seat"] == "2C"
    twice = kiosk_http.post("/api/v1/tickets/verify", json={"code": code, "departure_id": tonight})
    assert twice.status_code == 409
    assert twice.json()["error"]["code"] == "already_boarded"
    assert "已检票" in twice.json()["error"]["message"]["zh"]
    manifest = ops.get(f"/api/v1/ops/departures/{tonight}/manifest")
    assert manifest.status_code == 200, manifest.text
    body = manifest.json()
    assert body["boarded"] == 1 and body["sold"] == 1
    assert body["seats"][0]["seat"] == "2C" and body["seats"][0]["boarded"] is True
    assert "11010519491231002X" not in manifest.text and "张三" not in manifest.text
    assert kiosk_http.get(f"/api/v1/ops/departures/{tonight}/manifest").status_code == 401
    ops.close()


def test_the_boat_is_an_add_on_of_admission_and_groups_of_seats_bind(kiosk_http: httpx.Client):
    boat = dep("11:00", route="LAKE")
    alone = order(kiosk_http, line("BOAT", boat, "BOAT-ADULT"))
    assert alone.json()["error"]["code"] == "parent_ticket_required"
    both = order(
        kiosk_http,
        line("ADM", slot("ADM", TOMORROW, 10), "ADM-ADULT", 2),
        line("BOAT", boat, "BOAT-ADULT", 2),
    )
    assert both.status_code == 201, both.text
    tickets = both.json()["tickets"]
    admissions = {t["id"] for t in tickets if t["product_id"] == "ADM"}
    rides = [t for t in tickets if t["product_id"] == "BOAT"]
    assert {t["parent_ticket_id"] for t in rides} <= admissions and len(rides) == 2
    assert [t["seat"] for t in rides] == ["2A", "2B"]  # side by side first, then cheapest


def test_a_channel_and_a_group_book_seats_too(backend: BackendProcess):
    with httpx.Client(base_url=backend.url, headers=backend.ops_headers(), timeout=10) as ops:
        r = ops.post(
            "/api/v1/channels/ctrip/orders",
            json={"channel_order_id": "CT-SEATS-1",
                  "lines": [seat_line(dep("18:00"), qty=2, seat_class="window")]},
        )  # fmt: skip
    assert r.status_code == 201, r.text
    seats = [t["seat"] for t in r.json()["tickets"]]
    assert all(s.endswith(("A", "D")) for s in seats) and len(seats) == 2
    # a guide's group, booked by the back office: the best seats, side by side, senior fare too
    group = {
        "group_ref": "TA-SEATS-1",
        "product_id": "SHUTTLE",
        "slot_id": dep("18:00"),
        "ticket_type_id": "SHUTTLE-ADULT",
        "guide": {"doc_type": "id_card", "doc_number": "440304198510121540", "name": "李娜",
                  "phone": "13900139000"},
        "roster": [
            {"doc_type": "id_card", "doc_number": "110101199003072375", "name": "张伟"},
            {"doc_type": "id_card", "doc_number": "510107195208156622", "name": "王秀英",
             "ticket_type_id": "SHUTTLE-SENIOR"},
        ],
    }  # fmt: skip
    with httpx.Client(base_url=backend.url, headers=backend.ops_headers(), timeout=10) as ops:
        g = ops.post("/api/v1/ops/groups", json=group)
    assert g.status_code == 201, g.text
    booked = {t["ticket_type_id"]: t for t in g.json()["tickets"]}
    assert booked["SHUTTLE-SENIOR"]["unit_fen"] < booked["SHUTTLE-ADULT"]["unit_fen"]
    assert sorted(t["seat"] for t in booked.values()) == ["11B", "11E"]


def test_rebooking_keeps_the_seat_class(kiosk_http: httpx.Client):
    o = paid_order(kiosk_http, seat_line(dep("08:30", TOMORROW + timedelta(days=1)), seats=["6D"]))
    ticket = o["tickets"][0]
    r = kiosk_http.post(
        f"/api/v1/orders/{o['id']}/rebook",
        json={"ticket_ids": [ticket["id"]], "slot_id": dep("10:30", TOMORROW + timedelta(days=1)),
              **proof_of(o)},
    )  # fmt: skip
    assert r.status_code == 200, r.text
    moved = r.json()["order"]["tickets"][0]
    assert moved["seat_class"] == "window" and moved["unit_fen"] == 2500
    assert r.json()["refunded_fen"] == 0
    assert moved["slot_id"].endswith("1030")


def test_a_members_rides_and_saved_travellers(backend: BackendProcess, kiosk_http: httpx.Client):
    paid_order(kiosk_http, seat_line(dep("16:30", TOMORROW + timedelta(days=2)), qty=2,
                                     seat_class="window"), member_id="M2002")  # fmt: skip
    saved = kiosk_http.post(
        "/api/v1/members/M2002/travellers",
        json={"doc_type": "id_card", "doc_number": "11010519491231002X", "name": "王小明"},
    )
    assert saved.status_code == 201, saved.text
    assert saved.json()["doc_number"] != "11010519491231002X"
    bad = kiosk_http.post(
        "/api/v1/members/M2002/travellers", json={"doc_type": "id_card", "doc_number": "123"}
    )
    assert bad.status_code == 422
    riders = kiosk_http.get("/api/v1/members/M2002/riders").json()
    assert riders["rides"][0]["seats"][0]["seat_class"] == "window"
    assert len(riders["rides"][0]["seats"]) == 2
    assert riders["travellers"][0]["name"] == "王**"
    stored = query(backend, "SELECT doc_sealed, doc_masked FROM saved_travellers")
    assert all("11010519491231002X" not in (s + m) for s, m in stored)
