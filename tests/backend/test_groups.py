"""Group orders (团体) booked by the back office and picked up at a kiosk as one order."""

from __future__ import annotations

from datetime import date

import httpx

from backend_stub.process import BackendProcess
from tests.backend.helpers import later_day, slot

# valid GB 11643-1999 numbers (the demo people, who hold no ADM ticket on that day)
GUIDE = {
    "doc_type": "id_card",
    "doc_number": "440304198510121540",
    "name": "李娜",
    "phone": "13900139000",
}
ROSTER = [
    {"doc_type": "id_card", "doc_number": "110101199003072375", "name": "张伟"},
    {
        "doc_type": "id_card",
        "doc_number": "510107195208156622",
        "name": "王秀英",
        "ticket_type_id": "ADM-SENIOR",
    },
    {"doc_type": "passport", "doc_number": "E12345678", "name": "SMITH JOHN"},
]


def _group(day: date, **extra: object) -> dict:
    return {
        "group_ref": "TA-2026-001",
        "product_id": "ADM",
        "slot_id": slot("ADM", day, 16),
        "ticket_type_id": "ADM-ADULT",
        "guide": GUIDE,
        "roster": ROSTER,
    } | extra


def test_group_is_booked_paid_and_picked_up_as_one_order(fresh_backend: BackendProcess):
    b, today = fresh_backend, later_day(2)
    url = b.url + "/api/v1"
    target = slot("ADM", today, 16)
    kiosk = httpx.Client(base_url=url, headers=b.kiosk_headers())
    slots = kiosk.get("/slots", params={"product_id": "ADM", "date": str(today)}).json()
    before = next(s for s in slots if s["id"] == target)["remaining"]
    assert httpx.post(url + "/ops/groups", json=_group(today)).status_code == 401
    first = httpx.post(url + "/ops/groups", json=_group(today), headers=b.ops_headers())
    again = httpx.post(url + "/ops/groups", json=_group(today), headers=b.ops_headers())
    assert (first.status_code, again.status_code) == (201, 200), first.text
    order = first.json()
    assert again.json()["id"] == order["id"]
    assert order["status"] == "paid" and order["channel"] == "group"
    assert len(order["tickets"]) == 3
    types = [t["ticket_type_id"] for t in order["tickets"]]
    assert sorted(types) == ["ADM-ADULT", "ADM-ADULT", "ADM-SENIOR"]
    assert all(t["code"] and t["holder"]["doc_number"] for t in order["tickets"])
    slots = kiosk.get("/slots", params={"product_id": "ADM", "date": str(today)}).json()
    assert next(s for s in slots if s["id"] == target)["remaining"] == before - 3
    # the guide picks it up three ways, always the whole order
    by_id = kiosk.get("/pickup", params={"id_number": GUIDE["doc_number"]}).json()["orders"]
    by_no = kiosk.get(
        "/pickup", params={"order_no": order["order_no"], "phone_last4": "9000"}
    ).json()["orders"]
    by_qr = kiosk.get("/pickup", params={"code": order["order_qr"]}).json()["orders"]
    for found in (by_id, by_no, by_qr):
        group = next(o for o in found if o["id"] == order["id"])
        assert len(group["tickets_to_print"]) == 3
    assert by_id[0]["guide"]["doc_number"] != GUIDE["doc_number"]  # masked
    # one ticket per ID per slot: a second group with 张伟 in it is refused, nothing taken
    dup = httpx.post(
        url + "/ops/groups",
        json=_group(today, group_ref="TA-2026-002"),
        headers=b.ops_headers(),
    )
    assert dup.status_code == 409 and dup.json()["error"]["code"] == "duplicate_real_name"
    slots = kiosk.get("/slots", params={"product_id": "ADM", "date": str(today)}).json()
    assert next(s for s in slots if s["id"] == target)["remaining"] == before - 3


def test_group_roster_is_checked(backend: BackendProcess):
    url, ops = backend.url + "/api/v1/ops/groups", backend.ops_headers()
    day = later_day(2)
    no_id = _group(day, group_ref="G-X", roster=[{"doc_type": "none", "name": "小明"}])
    wrong_digit = {"doc_type": "id_card", "doc_number": "110101199003072376"}
    bad_id = _group(day, group_ref="G-Y", roster=[wrong_digit])
    not_senior = _group(day, group_ref="G-Z", roster=[dict(ROSTER[0], ticket_type_id="ADM-SENIOR")])
    no_guide_phone = _group(day, group_ref="G-W", guide=dict(GUIDE, phone=""))
    for body, code in (
        (no_id, "group_invalid"),
        (bad_id, "invalid_id_number"),
        (not_senior, "not_eligible"),
        (no_guide_phone, "group_invalid"),
    ):
        r = httpx.post(url, json=body, headers=ops)
        assert r.status_code == 422 and r.json()["error"]["code"] == code, r.text
