"""Orders over real HTTP: no oversell, server-side prices, bad input, holds that expire."""

from __future__ import annotations

import asyncio
import time

import httpx

from backend_stub.process import BackendProcess
from tests.backend.helpers import later_day, line, order, slot

DAY = later_day(3)


def test_fifty_concurrent_orders_for_ten_seats_hold_exactly_ten(backend: BackendProcess):
    target = slot("ADM", DAY, 11)  # no other test here books it
    r = httpx.put(
        f"{backend.url}/api/v1/ops/slots/{target}",
        json={"capacity": 10},
        headers=backend.ops_headers(),
    )
    assert r.json()["remaining"] == 10

    async def one(client: httpx.AsyncClient, i: int) -> httpx.Response:
        body = {"lines": [line("ADM", target, "ADM-ADULT")]}
        return await client.post("/api/v1/orders", json=body, headers={"Idempotency-Key": f"k{i}"})

    async def burst() -> list[httpx.Response]:
        limits = httpx.Limits(max_connections=50)
        async with httpx.AsyncClient(
            base_url=backend.url,
            limits=limits,
            timeout=20,
            headers=backend.kiosk_headers(),
        ) as client:
            return await asyncio.gather(*(one(client, i) for i in range(50)))

    answers = asyncio.run(burst())
    held = [r for r in answers if r.status_code == 201]
    refused = [r for r in answers if r.status_code != 201]
    assert len(held) == 10
    assert all(r.status_code == 409 and r.json()["error"]["code"] == "sold_out" for r in refused)
    params = {"product_id": "ADM", "date": DAY.isoformat()}
    url = f"{backend.url}/api/v1/slots"
    slots = httpx.get(url, params=params, headers=backend.kiosk_headers()).json()
    assert next(s for s in slots if s["id"] == target)["remaining"] == 0


def test_a_tampered_total_is_ignored(kiosk_http: httpx.Client):
    body = line("ADM", slot("ADM", DAY, 10), "ADM-ADULT", 2)
    r = order(kiosk_http, body, total_fen=1, subtotal_fen=1, prices={"ADM-ADULT": 1})
    slots = kiosk_http.get("/api/v1/slots", params={"product_id": "ADM", "date": DAY.isoformat()})
    unit = next(s for s in slots.json() if s["start"] == "10:00")["prices"]["ADM-ADULT"]
    assert r.status_code == 201
    assert r.json()["total_fen"] == 2 * unit > 1


def test_same_idempotency_key_returns_the_same_order(kiosk_http: httpx.Client):
    body = {"lines": [line("ADM", slot("ADM", DAY, 12), "ADM-ADULT")]}
    first = kiosk_http.post("/api/v1/orders", json=body, headers={"Idempotency-Key": "same-1"})
    again = kiosk_http.post("/api/v1/orders", json=body, headers={"Idempotency-Key": "same-1"})
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    other = kiosk_http.post(
        "/api/v1/orders",
        json={"lines": [line("ADM", slot("ADM", DAY, 12), "ADM-ADULT", 3)]},
        headers={"Idempotency-Key": "same-1"},
    )
    assert other.json()["error"]["code"] == "idempotency_conflict"


def test_bad_input_gets_a_clear_4xx(kiosk_http: httpx.Client, backend: BackendProcess):
    ok_slot = slot("ADM", DAY, 10)
    cases = [
        (
            kiosk_http.post(
                "/api/v1/orders", content=b"{not json", headers={"content-type": "application/json"}
            ),
            400,
            "malformed_json",
        ),
        (order(kiosk_http, line("ADM", ok_slot, "ADM-ADULT", -2)), 422, "invalid_request"),
        (order(kiosk_http, line("ADM", ok_slot, "ADM-ADULT", "lots")), 422, "invalid_request"),
        (order(kiosk_http, line("NOPE", ok_slot, "ADM-ADULT")), 404, "unknown_product"),
        (order(kiosk_http, line("ADM", "ADM-19990101-1000", "ADM-ADULT")), 404, "unknown_slot"),
        (order(kiosk_http, line("ADM", ok_slot, "CABLE-ADULT")), 404, "unknown_ticket_type"),
        (
            order(
                kiosk_http,
                line(
                    "BUNDLE",
                    slot("BUNDLE", DAY, 10),
                    "BUNDLE-ADULT",
                    holders=[
                        {"doc_type": "id_card", "doc_number": "110101199003072376", "name": "X"}
                    ],
                ),
            ),
            422,
            "invalid_id_number",
        ),
        (
            order(kiosk_http, line("BUNDLE", slot("BUNDLE", DAY, 10), "BUNDLE-ADULT")),
            422,
            "holder_required",
        ),
        (
            order(
                kiosk_http, line("ADM", ok_slot, "ADM-CHILD", 2), line("ADM", ok_slot, "ADM-ADULT")
            ),
            422,
            "child_needs_adult",
        ),
        (
            order(
                kiosk_http,
                line(
                    "ADM",
                    ok_slot,
                    "ADM-SENIOR",
                    holders=[{"doc_type": "id_card", "doc_number": "440304198510121540"}],
                ),
            ),
            422,
            "not_eligible",
        ),
        (
            kiosk_http.post(
                "/api/v1/orders", content=b"[" * 70000, headers={"content-type": "application/json"}
            ),
            413,
            "body_too_large",
        ),
        (kiosk_http.get("/api/v1/no/such/route"), 404, "not_found"),
        (httpx.get(backend.url + "/api/v1/catalog"), 401, "unauthorized"),
    ]
    for response, status, code in cases:
        assert response.status_code == status, response.text
        err = response.json()["error"]
        assert err["code"] == code
        assert err["message"]["zh"] and err["message"]["en"]
    assert "quantity" in cases[1][0].json()["error"]["message"]["en"]


def test_one_id_per_real_name_product_and_slot(kiosk_http: httpx.Client):
    holder = {"doc_type": "id_card", "doc_number": "440304198510121540", "name": "李娜"}
    target = slot("BUNDLE", DAY, 14)
    first = order(kiosk_http, line("BUNDLE", target, "BUNDLE-ADULT", holders=[holder]))
    assert first.status_code == 201
    again = order(kiosk_http, line("BUNDLE", target, "BUNDLE-ADULT", holders=[holder]))
    assert again.json()["error"]["code"] == "duplicate_real_name"


def test_addon_refused_without_admission_and_allowed_with_it(kiosk_http: httpx.Client):
    cable = line("CABLE", slot("CABLE", DAY, 13), "CABLE-ADULT")
    r = order(kiosk_http, cable, buyer_phone="13500135000")
    assert r.json()["error"]["code"] == "parent_ticket_required"
    assert r.json()["error"]["message"]["zh"] == "请先购买景区大门票"
    together = order(kiosk_http, line("ADM", slot("ADM", DAY, 9), "ADM-ADULT"), cable)
    assert together.status_code == 201


def test_expired_hold_returns_inventory(short_hold_backend: BackendProcess):
    b = short_hold_backend
    with httpx.Client(base_url=b.url, headers=b.kiosk_headers(), timeout=10) as client:
        target = slot("CABLE", DAY, 15)
        params = {"product_id": "CABLE", "date": DAY.isoformat()}

        def remaining() -> int:
            slots = client.get("/api/v1/slots", params=params).json()
            return next(s for s in slots if s["id"] == target)["remaining"]

        before = remaining()
        r = order(
            client,
            line("ADM", slot("ADM", DAY, 15), "ADM-ADULT", 3),
            line("CABLE", target, "CABLE-ADULT", 3),
        )
        assert r.json()["status"] == "held"
        assert remaining() == before - 3
        deadline = time.monotonic() + 6
        while remaining() != before and time.monotonic() < deadline:
            time.sleep(0.2)
        assert remaining() == before
        assert client.get(f"/api/v1/orders/{r.json()['id']}").json()["status"] == "expired"
