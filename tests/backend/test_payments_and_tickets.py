"""Payments by the simulator, signed tickets, gate verify, pickup, after-sales, ops."""

from __future__ import annotations

from datetime import date

import httpx
import pytest

from backend_stub.process import BackendProcess
from backend_stub.seed import DEMO_ORDER_NOS
from kiosk.domain.ticket_code import public_key_from_b64, verify_ticket
from tests.backend.helpers import (
    ALIPAY_OK,
    WECHAT_BROKE,
    WECHAT_NEVER,
    WECHAT_OK,
    WECHAT_SLOW,
    later_day,
    line,
    order,
    paid_order,
    printable,
    proof_of,
    slot,
)

DAY = later_day(5)


def _held(client: httpx.Client, hour: int = 10) -> dict:
    r = order(client, line("ADM", slot("ADM", DAY, hour), "ADM-ADULT"))
    assert r.status_code == 201
    return r.json()


def _pay(client: httpx.Client, o: dict, code: str, key: str | None = None) -> httpx.Response:
    headers = {"Idempotency-Key": key} if key else {}
    return client.post(
        f"/api/v1/orders/{o['id']}/payments",
        json={"method": "auth_code", "auth_code": code},
        headers=headers,
    )


def test_success_at_once_issues_signed_tickets(kiosk_http: httpx.Client):
    o = _held(kiosk_http)
    assert _pay(kiosk_http, o, ALIPAY_OK).json()["status"] == "success"
    got = kiosk_http.get(f"/api/v1/orders/{o['id']}").json()
    assert got["status"] == "paid"
    key = public_key_from_b64(kiosk_http.get("/api/v1/keys").json()["keys"][0]["public_key"])
    claims = verify_ticket(got["tickets"][0]["code"], key)
    assert claims.ticket_id == got["tickets"][0]["id"] and claims.date == DAY


def test_userpaying_settles_on_the_second_poll(kiosk_http: httpx.Client):
    o = _held(kiosk_http)
    p = _pay(kiosk_http, o, WECHAT_SLOW).json()
    assert p["status"] == "userpaying"
    url = f"/api/v1/orders/{o['id']}/payments/{p['id']}"
    assert kiosk_http.get(url).json()["status"] == "userpaying"
    assert kiosk_http.get(url).json()["status"] == "success"
    assert kiosk_http.get(f"/api/v1/orders/{o['id']}").json()["status"] == "paid"


def test_insufficient_balance_fails_and_the_order_stays_payable(kiosk_http: httpx.Client):
    o = _held(kiosk_http)
    p = _pay(kiosk_http, o, WECHAT_BROKE).json()
    assert p["status"] == "failed" and p["failure"]["code"] == "insufficient_balance"
    assert _pay(kiosk_http, o, WECHAT_OK).json()["status"] == "success"


def test_never_settling_payment_is_cancelled(kiosk_http: httpx.Client):
    o = _held(kiosk_http)
    p = _pay(kiosk_http, o, WECHAT_NEVER).json()
    url = f"/api/v1/orders/{o['id']}/payments/{p['id']}"
    for _ in range(4):
        assert kiosk_http.get(url).json()["status"] == "userpaying"
    assert _pay(kiosk_http, o, WECHAT_OK).json()["error"]["code"] == "payment_in_progress"
    assert kiosk_http.post(url + "/cancel").json()["status"] == "cancelled"
    assert kiosk_http.get(f"/api/v1/orders/{o['id']}").json()["status"] == "held"


def test_retried_payment_never_charges_twice_and_paid_order_is_refused(kiosk_http):
    o = _held(kiosk_http)
    first = _pay(kiosk_http, o, WECHAT_OK, key="pay-1")
    again = _pay(kiosk_http, o, WECHAT_OK, key="pay-1")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    assert _pay(kiosk_http, o, WECHAT_OK, key="pay-2").json()["error"]["code"] == (
        "order_already_paid"
    )


@pytest.mark.parametrize("code", ["094567890123456780", "1234", "13456789012345678x", ""])
def test_payment_codes_are_validated_by_format(kiosk_http: httpx.Client, code: str):
    r = _pay(kiosk_http, _held(kiosk_http), code)
    assert r.status_code == 422 and r.json()["error"]["code"] == "payment_code_invalid"


def test_native_qr_pays_when_scanned(kiosk_http: httpx.Client):
    o = _held(kiosk_http)
    p = kiosk_http.post(f"/api/v1/orders/{o['id']}/payments", json={"method": "qr"}).json()
    assert p["code_url"].startswith("weixin://") and p["status"] == "userpaying"
    kiosk_http.post(f"/api/v1/simulator/orders/{o['id']}/payments/{p['id']}/scan")
    assert kiosk_http.get(f"/api/v1/orders/{o['id']}").json()["status"] == "paid"


def test_gate_rejects_forged_altered_and_used_tickets(kiosk_http: httpx.Client):
    today = date.today()
    o = paid_order(kiosk_http, line("ADM", slot("ADM", later_day(1), 10), "ADM-ADULT"))
    tomorrow_code = o["tickets"][0]["code"]
    assert (
        kiosk_http.post("/api/v1/tickets/verify", json={"code": tomorrow_code}).json()["error"][
            "code"
        ]
        == "ticket_wrong_date"
    )
    head, payload, sig = tomorrow_code.split(".")
    altered = f"{head}.{payload[:-2]}{'AB' if payload[-2:] != 'AB' else 'CD'}.{sig}"
    for bad in (altered, "KT1.abc.def", "hello"):
        r = kiosk_http.post("/api/v1/tickets/verify", json={"code": bad})
        assert r.json()["error"]["code"] == "ticket_invalid"
    pick = kiosk_http.get("/api/v1/pickup", params={"id_number": "110101199003072375"}).json()
    zhang = next(
        x for x in printable(kiosk_http, pick["orders"]) if x["channel_order_id"] == "CT88000001"
    )
    code = zhang["tickets"][0]["code"]
    assert zhang["tickets"][0]["date"] == today.isoformat()
    assert kiosk_http.post("/api/v1/tickets/verify", json={"code": code}).json()["admitted"]
    again = kiosk_http.post("/api/v1/tickets/verify", json={"code": code})
    assert again.json()["error"]["code"] == "ticket_used"


def test_pickup_each_way(fresh_backend: BackendProcess):
    meituan = DEMO_ORDER_NOS["MT55000002"]  # our order number of Meituan's order MT55000002
    with httpx.Client(base_url=fresh_backend.url, headers=fresh_backend.kiosk_headers()) as c:
        by_id = c.get("/api/v1/pickup", params={"id_number": "110101199003072375"}).json()
        assert [o["order_no"] for o in by_id["orders"]] == [DEMO_ORDER_NOS["CT88000001"]]
        assert by_id["orders"][0]["channel_order_id"] == "CT88000001"
        assert by_id["orders"][0]["tickets"][0]["holder"]["name"] == "张*"
        for number in ("MT55000002", meituan):  # the channel's order id, or ours
            by_phone = c.get(
                "/api/v1/pickup", params={"order_no": number, "phone": "13700137000"}
            ).json()
            assert len(by_phone["orders"][0]["tickets_to_print"]) == 3
        wrong = c.get("/api/v1/pickup", params={"order_no": "MT55000002", "phone": "13700131234"})
        assert wrong.json()["orders"] == []
        by_qr = c.get("/api/v1/pickup", params={"code": f"KO1:{meituan}"}).json()
        assert by_qr["orders"][0]["order_no"] == meituan
        ticket = printable(c, by_qr["orders"])[0]["tickets"][0]
        by_ticket = c.get("/api/v1/pickup", params={"code": ticket["code"]}).json()
        assert by_ticket["orders"][0]["order_no"] == meituan
        for t in by_qr["orders"][0]["tickets"]:
            assert c.post(f"/api/v1/tickets/{t['id']}/printed").json()["status"] == "printed"
        assert c.get("/api/v1/pickup", params={"code": f"KO1:{meituan}"}).json()["orders"] == []
        assert c.get("/api/v1/pickup").json()["error"]["code"] == "pickup_query_invalid"


def test_refund_takes_points_back_and_used_ticket_is_refused(kiosk_http: httpx.Client):
    before = kiosk_http.get("/api/v1/members/M1001").json()["points"]
    o = paid_order(kiosk_http, line("ADM", slot("ADM", DAY, 11), "ADM-ADULT", 2), member_id="M1001")
    assert o["points_earned"] > 0
    after_buy = kiosk_http.get("/api/v1/members/M1001").json()
    assert after_buy["points"] == before + o["points_earned"]
    ids = [t["id"] for t in o["tickets"]]
    shown = proof_of(o)
    r = kiosk_http.post(
        f"/api/v1/orders/{o['id']}/refund", json={"ticket_ids": ids, **shown}
    ).json()
    assert r["order"]["status"] == "refunded" and r["fee_fen"] == 0
    assert r["refunded_fen"] == o["total_fen"]
    member = kiosk_http.get("/api/v1/members/M1001").json()
    assert member["points"] == before
    assert member["ledger"][0]["reason"] == "refund"
    again = kiosk_http.post(
        f"/api/v1/orders/{o['id']}/refund", json={"ticket_ids": ids[:1], **shown}
    )
    assert again.json()["error"]["code"] == "ticket_refunded"
    # a used ticket (张伟's, used at the gate in this module) can be neither refunded nor rebooked
    pick = kiosk_http.get(
        "/api/v1/parents",
        params={"date": date.today().isoformat(), "id_number": "110101199003072375"},
    )
    used = next(t for t in pick.json()["tickets"] if t["status"] == "used")
    url = f"/api/v1/orders/{used['order_id']}"
    card = {"id_number": "110101199003072375"}  # his ID card, read at the kiosk
    assert (
        kiosk_http.post(url + "/refund", json={"ticket_ids": [used["id"]], **card}).json()["error"][
            "code"
        ]
        == "ticket_used"
    )
    assert (
        kiosk_http.post(
            url + "/rebook",
            json={"ticket_ids": [used["id"]], "slot_id": slot("ADM", DAY, 9), **card},
        ).json()["error"]["code"]
        == "ticket_used"
    )


def test_rebook_moves_inventory_and_reissues_the_code(kiosk_http: httpx.Client):
    o = paid_order(kiosk_http, line("ADM", slot("ADM", DAY, 12), "ADM-ADULT"))
    t = o["tickets"][0]
    target = slot("ADM", DAY, 16)  # the last-entry slot is cheaper: difference comes back
    r = kiosk_http.post(
        f"/api/v1/orders/{o['id']}/rebook",
        json={"ticket_ids": [t["id"]], "slot_id": target, **proof_of(o)},
    ).json()
    moved = r["order"]["tickets"][0]
    assert "code" not in moved  # the answer is no print path: the kiosk reads the order
    reread = kiosk_http.get(f"/api/v1/orders/{o['id']}").json()["tickets"][0]
    assert moved["slot_id"] == target and reread["code"] != t["code"]
    assert r["refunded_fen"] == t["unit_fen"] - moved["unit_fen"] > 0
    assert r["status"] == "done" and r["due_fen"] == 0


def test_catalog_etag_gives_304(kiosk_http: httpx.Client):
    first = kiosk_http.get("/api/v1/catalog")
    assert first.status_code == 200 and first.headers["etag"]
    again = kiosk_http.get("/api/v1/catalog", headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304


def test_ops_needs_its_token_and_new_prices_bump_the_catalog(backend: BackendProcess):
    url = backend.url + "/api/v1"
    assert httpx.get(url + "/ops/kiosks").json()["error"]["code"] == "ops_unauthorized"
    bad = httpx.put(
        url + "/ops/prices",
        headers=backend.kiosk_headers(),
        json={"prices": [{"ticket_type_id": "ADM-ADULT", "base_fen": 1}]},
    )
    assert bad.status_code == 401
    kiosk = backend.kiosk_headers()
    etag = httpx.get(url + "/catalog", headers=kiosk).headers["etag"]
    r = httpx.put(
        url + "/ops/prices",
        headers=backend.ops_headers(),
        json={"prices": [{"ticket_type_id": "SHOW-ADULT", "base_fen": 9900}]},
    )
    assert r.status_code == 200
    new = httpx.get(url + "/catalog", headers=kiosk | {"If-None-Match": etag})
    assert new.status_code == 200
    show = next(p for p in new.json()["products"] if p["id"] == "SHOW")
    assert show["ticket_types"][0]["base_fen"] == 9900
    beat = httpx.post(
        url + "/kiosks/kiosk-01/heartbeat",
        headers=kiosk,
        json={"devices": {"printer": "ok"}, "paper_level": "near_end"},
    )
    assert beat.status_code == 200
    fleet = httpx.get(url + "/ops/kiosks", headers=backend.ops_headers()).json()["kiosks"]
    assert fleet[0]["paper_level"] == "near_end" and fleet[0]["online"]
    report = httpx.get(
        url + "/ops/reports/sales",
        headers=backend.ops_headers(),
        params={"date": date.today().isoformat()},
    ).json()
    assert report["orders"] > 0 and report["gross_fen"] > 0


def test_channel_import_is_idempotent(backend: BackendProcess):
    url = backend.url + "/api/v1/channels/ctrip/orders"
    body = {
        "channel_order_id": "CT-TEST-1",
        "buyer_phone": "13500135000",
        "lines": [line("ADM", slot("ADM", DAY, 14), "ADM-ADULT", 2)],
    }
    assert httpx.post(url, json=body).status_code == 401
    first = httpx.post(url, json=body, headers=backend.ops_headers())
    again = httpx.post(url, json=body, headers=backend.ops_headers())
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"] and first.json()["status"] == "paid"


def test_staff_pin(kiosk_http: httpx.Client):
    ok = kiosk_http.post("/api/v1/staff/verify", json={"staff_id": "S001", "pin": "246810"})
    assert ok.json()["role"] == "supervisor"
    bad = kiosk_http.post("/api/v1/staff/verify", json={"staff_id": "S001", "pin": "000000"})
    assert bad.status_code == 401 and bad.json()["error"]["code"] == "wrong_pin"
