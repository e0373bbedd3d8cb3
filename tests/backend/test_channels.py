"""Channel orders (渠道) over HTTP: every order knows who took its money; a kiosk refunds only
what a kiosk took and says where to ask for the rest; a channel's refund comes in through the
channel API, idempotent, and voids the tickets, printed or not."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import httpx
import pytest

from backend_stub.process import BackendProcess
from tests.backend.helpers import later_day, line, paid_order, printable, proof_of, slot

DAY = later_day(8)


@pytest.fixture
def ops(backend: BackendProcess) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=backend.url, headers=backend.ops_headers(), timeout=10) as c:
        yield c


def _remaining(client: httpx.Client, slot_id: str, day: date) -> int:
    slots = client.get("/api/v1/slots", params={"product_id": "ADM", "date": day.isoformat()})
    return next(s for s in slots.json() if s["id"] == slot_id)["remaining"]


def _import(ops: httpx.Client, channel: str, channel_order_id: str, hour: int, **extra) -> dict:
    body = {
        "channel_order_id": channel_order_id,
        "lines": [line("ADM", slot("ADM", DAY, hour), "ADM-ADULT")],
        "buyer_phone": "13700137001",
    } | extra
    r = ops.post(f"/api/v1/channels/{channel}/orders", json=body)
    assert r.status_code == 201, r.text
    return r.json()


def _at_kiosk(kiosk: httpx.Client, order_no: str, phone: str = "13700137001") -> dict:
    """The order as a kiosk finds it (the order number and the buyer's full phone) and then
    reads it to print: with its tickets' codes."""
    found = kiosk.get("/api/v1/pickup", params={"order_no": order_no, "phone": phone})
    assert found.status_code == 200, found.text
    return printable(kiosk, found.json()["orders"])[0]


def test_a_meituan_order_is_refused_at_the_kiosk_and_refunded_through_the_channel_once(
    kiosk_http: httpx.Client, ops: httpx.Client
):
    mt = _at_kiosk(kiosk_http, "MT55000002", "13700137000")
    assert mt["collected_by"] == "channel" and mt["refundable_at_kiosk"] is False
    kiosk_http.post(f"/api/v1/tickets/{mt['tickets'][0]['id']}/printed")  # one printed, two not
    ids = [t["id"] for t in mt["tickets"]]
    refused = kiosk_http.post(
        f"/api/v1/orders/{mt['id']}/refund", json={"ticket_ids": ids, **proof_of(mt)}
    )
    assert refused.status_code == 409
    error = refused.json()["error"]
    assert error["code"] == "refund_at_meituan" and error["channel"] == "meituan"
    assert error["message"] == {
        "zh": "请在美团申请退款",
        "en": "Please request the refund on Meituan",
    }
    assert kiosk_http.get(f"/api/v1/orders/{mt['id']}").json()["refunded_fen"] == 0

    seats = _remaining(kiosk_http, mt["tickets"][0]["slot_id"], date.today())
    since = kiosk_http.get("/api/v1/tickets/revoked").json()["next_since"]
    url = "/api/v1/channels/meituan/orders/MT55000002/refund"
    key = {"Idempotency-Key": "mt-refund-1"}
    first = ops.post(url, json={}, headers=key)
    assert first.status_code == 200, first.text
    answer = first.json()
    assert sorted(answer["voided"]) == sorted(ids)
    assert answer["refunded_fen"] == mt["total_fen"]
    assert answer["order"]["status"] == "refunded"
    assert {t["status"] for t in answer["order"]["tickets"]} == {"refunded"}
    again = ops.post(url, json={}, headers=key)
    assert again.status_code == 200 and again.json() == answer  # twice -> once
    other_key = ops.post(url, json={}, headers={"Idempotency-Key": "mt-refund-2"}).json()
    assert other_key["voided"] == [] and other_key["refunded_fen"] == 0  # nothing twice
    order = kiosk_http.get(f"/api/v1/orders/{mt['id']}").json()
    assert order["refunded_fen"] == mt["total_fen"]
    assert _remaining(kiosk_http, mt["tickets"][0]["slot_id"], date.today()) == seats + 3
    revoked = kiosk_http.get("/api/v1/tickets/revoked", params={"since": since}).json()["revoked"]
    assert sorted(r["ticket_id"] for r in revoked) == sorted(ids)  # each code once
    assert {r["reason"] for r in revoked} == {"channel_refunded"}
    gate = kiosk_http.post("/api/v1/tickets/verify", json={"code": mt["tickets"][0]["code"]})
    assert gate.json()["error"]["code"] == "ticket_refunded"


def test_the_channel_refund_api_wants_the_ops_credential(kiosk_http: httpx.Client):
    r = kiosk_http.post("/api/v1/channels/ctrip/orders/CT88000001/refund", json={})
    assert r.status_code == 401 and r.json()["error"]["code"] == "ops_unauthorized"


def test_a_channel_refund_of_a_used_ticket_or_an_unknown_order_is_refused(
    kiosk_http: httpx.Client, ops: httpx.Client
):
    o = _import(ops, "fliggy", "FZ-0001", 10)
    assert o["collected_by"] == "channel"
    ids = [o["tickets"][0]["id"]]
    shown = proof_of(_at_kiosk(kiosk_http, "FZ-0001"))
    refused = kiosk_http.post(f"/api/v1/orders/{o['id']}/refund", json={"ticket_ids": ids, **shown})
    assert refused.json()["error"]["code"] == "refund_at_fliggy"
    unknown = ops.post("/api/v1/channels/fliggy/orders/FZ-9999/refund", json={})
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "order_not_found"
    wrong = ops.post("/api/v1/channels/meituan/orders/FZ-0001/refund", json={})
    assert wrong.json()["error"]["code"] == "order_not_found"  # another channel's order
    # 张伟's Ctrip ticket for today, once it has been through the gate
    code = _at_kiosk(kiosk_http, "CT88000001", "13800138000")["tickets"][0]["code"]
    assert kiosk_http.post("/api/v1/tickets/verify", json={"code": code}).json()["admitted"]
    used = ops.post("/api/v1/channels/ctrip/orders/CT88000001/refund", json={})
    assert used.status_code == 409 and used.json()["error"]["code"] == "ticket_used"


def test_an_agency_order_says_contact_the_travel_agency(
    kiosk_http: httpx.Client, ops: httpx.Client
):
    o = _import(ops, "sunshine_travel", "AG-2026-01", 11, collected_by="agency")
    assert o["collected_by"] == "agency"
    r = kiosk_http.post(
        f"/api/v1/orders/{o['id']}/refund",
        json={
            "ticket_ids": [o["tickets"][0]["id"]],
            **proof_of(_at_kiosk(kiosk_http, "AG-2026-01")),
        },
    )
    assert r.json()["error"]["code"] == "refund_at_agency"
    assert r.json()["error"]["message"] == {
        "zh": "请联系旅行社",
        "en": "Please contact your travel agency",
    }
    # the agency refunds through the channel API
    done = ops.post("/api/v1/channels/sunshine_travel/orders/AG-2026-01/refund", json={})
    assert done.json()["order"]["status"] == "refunded"


def test_a_channel_order_is_rebooked_at_a_kiosk_only_when_no_money_moves(
    kiosk_http: httpx.Client, ops: httpx.Client
):
    o = _import(ops, "ctrip", "CT-REBOOK-1", 10)
    t = o["tickets"][0]
    url = f"/api/v1/orders/{o['id']}/rebook"
    shown = proof_of(_at_kiosk(kiosk_http, "CT-REBOOK-1"))
    cheaper = kiosk_http.post(
        url, json={"ticket_ids": [t["id"]], "slot_id": slot("ADM", DAY, 16), **shown}
    )
    assert cheaper.json()["error"]["code"] == "refund_at_ctrip"  # money back: on Ctrip
    same = kiosk_http.post(
        url, json={"ticket_ids": [t["id"]], "slot_id": slot("ADM", DAY, 11), **shown}
    )
    assert same.status_code == 200, same.text
    assert same.json()["order"]["tickets"][0]["slot_id"] == slot("ADM", DAY, 11)
    cheap = _import(ops, "ctrip", "CT-REBOOK-2", 16)
    dearer = kiosk_http.post(
        f"/api/v1/orders/{cheap['id']}/rebook",
        json={
            "ticket_ids": [cheap["tickets"][0]["id"]],
            "slot_id": slot("ADM", DAY, 12),
            **proof_of(_at_kiosk(kiosk_http, "CT-REBOOK-2")),
        },
    )
    assert dearer.json()["error"]["code"] == "rebook_elsewhere"


def test_a_kiosk_add_on_goes_with_its_channel_parent(kiosk_http: httpx.Client, ops: httpx.Client):
    _import(ops, "meituan", "MT-PARENT-1", 12)
    parent = _at_kiosk(kiosk_http, "MT-PARENT-1")["tickets"][0]  # the admission ticket shown
    addon = paid_order(
        kiosk_http,
        line("SHOW", slot("SHOW", DAY, 14), "SHOW-ADULT", parent_ticket_code=parent["code"]),
    )
    assert addon["collected_by"] == "kiosk"
    r = ops.post("/api/v1/channels/meituan/orders/MT-PARENT-1/refund", json={}).json()
    assert r["voided"] == [parent["id"]]
    assert [a["ticket_id"] for a in r["addons_refunded"]] == [addon["tickets"][0]["id"]]
    after = kiosk_http.get(f"/api/v1/orders/{addon['id']}").json()
    assert after["status"] == "refunded" and after["refunded_fen"] == addon["total_fen"]


def test_kiosk_orders_say_the_kiosk_took_the_money(kiosk_http: httpx.Client):
    o = paid_order(kiosk_http, line("ADM", slot("ADM", DAY, 9), "ADM-ADULT"))
    assert o["collected_by"] == "kiosk" and o["refundable_at_kiosk"] is True
