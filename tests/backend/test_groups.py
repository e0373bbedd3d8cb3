"""Group orders (团体) booked by the back office and picked up at a kiosk as one order."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import httpx
import pytest

from backend_stub.process import BackendProcess
from kiosk.domain.ids import resident_id_check_char
from tests.backend.clocked import backend_at, today
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


@pytest.fixture(scope="module")
def backend(
    tmp_path_factory: pytest.TempPathFactory, backend_db: Callable[[Path], str | Path]
) -> Iterator[BackendProcess]:
    """The module's demo backend, its clock at 12:30 today: today's 12:00 slot has started and
    not ended at whatever hour the tests run (the other tests book later days)."""
    with backend_at(backend_db(tmp_path_factory.mktemp("groups") / "backend.db"), 12, 30) as b:
        yield b


def _group(day: date, **extra: object) -> dict:
    return {
        "group_ref": "TA-2026-001",
        "product_id": "ADM",
        "slot_id": slot("ADM", day, 16),
        "ticket_type_id": "ADM-ADULT",
        "guide": GUIDE,
        "roster": ROSTER,
    } | extra


def test_group_is_booked_paid_and_picked_up_as_one_order(backend: BackendProcess):
    b, day = backend, later_day(2)
    url = b.url + "/api/v1"
    target = slot("ADM", day, 16)
    kiosk = httpx.Client(base_url=url, headers=b.kiosk_headers())
    slots = kiosk.get("/slots", params={"product_id": "ADM", "date": str(day)}).json()
    before = next(s for s in slots if s["id"] == target)["remaining"]
    assert httpx.post(url + "/ops/groups", json=_group(day)).status_code == 401
    first = httpx.post(url + "/ops/groups", json=_group(day), headers=b.ops_headers())
    again = httpx.post(url + "/ops/groups", json=_group(day), headers=b.ops_headers())
    assert (first.status_code, again.status_code) == (201, 200), first.text
    order = first.json()
    assert again.json()["id"] == order["id"]
    assert order["status"] == "paid" and order["channel"] == "group"
    assert len(order["tickets"]) == 3
    types = [t["ticket_type_id"] for t in order["tickets"]]
    assert sorted(types) == ["ADM-ADULT", "ADM-ADULT", "ADM-SENIOR"]
    assert all(t["holder"]["doc_number"] for t in order["tickets"])
    assert not any("code" in t for t in order["tickets"])  # gate codes go to the printing kiosk
    slots = kiosk.get("/slots", params={"product_id": "ADM", "date": str(day)}).json()
    assert next(s for s in slots if s["id"] == target)["remaining"] == before - 3
    # the guide picks it up three ways, always the whole order
    by_id = kiosk.get("/pickup", params={"id_number": GUIDE["doc_number"]}).json()["orders"]
    by_no = kiosk.get(
        "/pickup", params={"order_no": order["order_no"], "phone": GUIDE["phone"]}
    ).json()["orders"]
    by_qr = kiosk.get("/pickup", params={"code": order["order_qr"]}).json()["orders"]
    for found in (by_id, by_no, by_qr):
        group = next(o for o in found if o["id"] == order["id"])
        assert len(group["tickets_to_print"]) == 3
    mine = next(o for o in by_id if o["id"] == order["id"])
    assert mine["guide"]["doc_number"] != GUIDE["doc_number"]  # masked
    printing = kiosk.get(f"/orders/{order['id']}").json()  # the kiosk that found it prints it
    assert all(t["code"] for t in printing["tickets"])
    # one ticket per ID per slot: a second group with 张伟 in it is refused, nothing taken
    dup = httpx.post(
        url + "/ops/groups",
        json=_group(day, group_ref="TA-2026-002"),
        headers=b.ops_headers(),
    )
    assert dup.status_code == 422 and dup.json()["error"]["code"] == "roster_invalid"
    rows = dup.json()["error"]["rows"]
    # every row is named, not only the first (the header is row 1)
    assert [(r["row"], r["field"], r["code"]) for r in rows] == [
        (n, "doc_number", "duplicate_real_name") for n in (2, 3, 4)
    ]
    slots = kiosk.get("/slots", params={"product_id": "ADM", "date": str(day)}).json()
    assert next(s for s in slots if s["id"] == target)["remaining"] == before - 3


def test_group_roster_is_checked(backend: BackendProcess):
    url, ops = backend.url + "/api/v1/ops/groups", backend.ops_headers()
    day = later_day(2)
    no_id = _group(day, group_ref="G-X", roster=[{"doc_type": "none", "name": "小明"}])
    wrong_digit = {"doc_type": "id_card", "doc_number": "110101199003072376"}
    bad_id = _group(day, group_ref="G-Y", roster=[wrong_digit])
    not_senior = _group(day, group_ref="G-Z", roster=[dict(ROSTER[0], ticket_type_id="ADM-SENIOR")])
    no_guide_phone = _group(day, group_ref="G-W", guide=dict(GUIDE, phone=""))
    for body, status, code, row_code in (
        (no_id, 409, "roster_missing_documents", None),
        (bad_id, 422, "roster_invalid", "invalid_id_number"),
        (not_senior, 422, "roster_invalid", "not_eligible"),
        (no_guide_phone, 422, "group_invalid", None),
    ):
        r = httpx.post(url, json=body, headers=ops)
        assert r.status_code == status and r.json()["error"]["code"] == code, r.text
        if row_code:
            assert r.json()["error"]["rows"][0]["code"] == row_code


def _ids(count: int, year: int = 1991) -> list[str]:
    """Valid resident ID numbers, none held by the demo people."""
    out = []
    for i in range(count):
        first17 = f"330106{year}0203{i + 100:03d}"
        out.append(first17 + resident_id_check_char(first17))
    return out


def _members(numbers: list[str]) -> list[dict]:
    return [
        {"doc_type": "id_card", "doc_number": n, "name": f"团员{i}"} for i, n in enumerate(numbers)
    ]


def _remaining(url: str, kiosk: dict, slot_id: str) -> int:
    day = slot_id.split("-")[1]
    slots = httpx.get(
        url + "/slots",
        params={"product_id": slot_id.split("-")[0], "date": f"{day[:4]}-{day[4:6]}-{day[6:]}"},
        headers=kiosk,
    ).json()
    return next(s for s in slots if s["id"] == slot_id)["remaining"]


def test_a_roster_with_a_bad_row_7_names_row_7_and_every_other_bad_row(backend: BackendProcess):
    url, ops = backend.url + "/api/v1/ops/groups", backend.ops_headers()
    roster = _members(_ids(8))
    roster[2] = {"doc_type": "passport", "doc_number": "ABC", "name": "SMITH"}  # row 4
    roster[5] = dict(roster[5], doc_number=roster[5]["doc_number"][:-1] + "0")  # row 7
    if roster[5]["doc_number"] == _ids(8)[5]:
        roster[5]["doc_number"] = roster[5]["doc_number"][:-1] + "1"
    r = httpx.post(url, json=_group(later_day(6), group_ref="ROW7", roster=roster), headers=ops)
    assert r.status_code == 422, r.text
    error = r.json()["error"]
    assert error["code"] == "roster_invalid"
    assert [(x["row"], x["field"]) for x in error["rows"]] == [(4, "doc_number"), (7, "doc_number")]
    row7 = error["rows"][1]
    assert row7["code"] == "invalid_id_number"
    assert row7["message"]["zh"].startswith("第7行 证件号码")
    assert row7["message"]["en"].startswith("Row 7, ID number")
    assert "第7行" in error["message"]["zh"] and "Row 7" in error["message"]["en"]
    assert error["rows"][0]["code"] == "invalid_passport"
    # an uploader that knows the sheet's own row numbers sends them
    roster[5]["row"] = 12
    r = httpx.post(url, json=_group(later_day(6), group_ref="ROW7", roster=roster), headers=ops)
    assert [x["row"] for x in r.json()["error"]["rows"]] == [4, 12]


def test_a_changed_roster_is_a_conflict_and_an_amendment_moves_the_seats(
    backend: BackendProcess,
):
    url, ops, kiosk = backend.url + "/api/v1", backend.ops_headers(), backend.kiosk_headers()
    day = later_day(7)
    target = slot("ADM", day, 10)
    m = _members(_ids(6, 1992))
    before = _remaining(url, kiosk, target)
    body = _group(day, group_ref="AMEND-1", slot_id=target, roster=m[:3])
    first = httpx.post(url + "/ops/groups", json=body, headers=ops)
    assert first.status_code == 201, first.text
    order = first.json()
    # the guide picks it up at a kiosk, which reads the codes to print
    kiosk_client = httpx.Client(base_url=url, headers=kiosk)
    assert kiosk_client.get("/pickup", params={"code": order["order_qr"]}).json()["orders"]
    order = kiosk_client.get(f"/orders/{order['id']}").json()
    # the same roster in another row order is a replay
    same = httpx.post(url + "/ops/groups", json=body | {"roster": m[:3][::-1]}, headers=ops)
    assert same.status_code == 200 and same.json()["id"] == order["id"]
    # a changed roster under the same reference is not silently answered with the old order
    changed = httpx.post(url + "/ops/groups", json=body | {"roster": m[:4]}, headers=ops)
    assert changed.status_code == 409, changed.text
    assert changed.json()["error"]["code"] == "group_ref_conflict"
    assert changed.json()["error"]["order_id"] == order["id"]
    assert _remaining(url, kiosk, target) == before - 3

    # amend: keep m0, remove m1, replace m2 by m3, add m4 and m5
    new_roster = [m[0], m[3], m[4], m[5]]
    amended = httpx.put(
        url + f"/ops/groups/{order['id']}", json={"roster": new_roster}, headers=ops
    )
    assert amended.status_code == 200, amended.text
    view = amended.json()
    assert view["amendment"] == {"kept": 1, "added": 3, "removed": 2}
    view = kiosk_client.get(f"/orders/{order['id']}").json() | {"amendment": view["amendment"]}
    live = [t for t in view["tickets"] if t["status"] == "issued"]
    assert len(live) == 4 and all(t["code"] for t in live)
    assert order["tickets"][0]["code"] in {t["code"] for t in live}  # m0 keeps his ticket
    voided = [t for t in view["tickets"] if t["status"] == "void"]
    assert {t["id"] for t in voided} == {t["id"] for t in order["tickets"][1:]}
    assert view["total_fen"] == sum(t["paid_fen"] for t in live)
    revoked = httpx.get(url + "/tickets/revoked", headers=kiosk).json()["revoked"]
    gone = {r["code"] for r in revoked if r["reason"] == "removed_from_roster"}
    assert gone == {t["code"] for t in order["tickets"][1:]}  # gates stop admitting them
    assert _remaining(url, kiosk, target) == before - 4
    # the amended roster resent is now the same roster
    again = httpx.post(url + "/ops/groups", json=body | {"roster": new_roster}, headers=ops)
    assert again.status_code == 200 and again.json()["id"] == order["id"]
    # a removed member's document is free again for that slot
    solo = _group(day, group_ref="AMEND-2", slot_id=target, roster=[m[1]])
    assert httpx.post(url + "/ops/groups", json=solo, headers=ops).status_code == 201
    # a bad amendment names its row and changes nothing
    bad = [m[0], dict(m[3], doc_number="123")]
    r = httpx.put(url + f"/ops/groups/{order['id']}", json={"roster": bad}, headers=ops)
    assert r.status_code == 422 and r.json()["error"]["rows"][0]["row"] == 3
    assert _remaining(url, kiosk, target) == before - 5
    missing = httpx.put(url + "/ops/groups/o0000", json={"roster": m[:1]}, headers=ops)
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "group_not_found"


def test_fewer_documents_than_seats_is_a_warning_the_guide_confirms(backend: BackendProcess):
    url, ops, kiosk = backend.url + "/api/v1", backend.ops_headers(), backend.kiosk_headers()
    day = later_day(8)
    target = slot("ADM", day, 11)
    roster = [*_members(_ids(2, 1993)), {"doc_type": "none", "name": "小明"}]
    body = _group(day, group_ref="SEATS-1", slot_id=target, roster=roster, seats=5)
    before = _remaining(url, kiosk, target)
    warned = httpx.post(url + "/ops/groups", json=body, headers=ops)
    assert warned.status_code == 409, warned.text
    error = warned.json()["error"]
    assert error["code"] == "roster_missing_documents"
    assert (error["missing"], error["rows_without_document"]) == (3, [4])
    assert _remaining(url, kiosk, target) == before
    confirmed = httpx.post(
        url + "/ops/groups", json=body | {"confirm_missing_documents": True}, headers=ops
    )
    assert confirmed.status_code == 201, confirmed.text
    tickets = confirmed.json()["tickets"]
    assert len(tickets) == 5 and sum(1 for t in tickets if t["holder"]["doc_number"]) == 2
    assert _remaining(url, kiosk, target) == before - 5
    # a real-name product refuses seats without a document, confirmed or not
    bundle = _group(
        day,
        group_ref="SEATS-2",
        product_id="BUNDLE",
        slot_id=slot("BUNDLE", day, 11),
        ticket_type_id="BUNDLE-ADULT",
        roster=[*_members(_ids(1, 1994)), {"doc_type": "none", "name": "小红"}],
        confirm_missing_documents=True,
    )
    r = httpx.post(url + "/ops/groups", json=bundle, headers=ops)
    assert r.status_code == 422 and r.json()["error"]["code"] == "roster_documents_required"
    assert "实名" in r.json()["error"]["message"]["zh"]


def test_a_roster_is_amendable_only_until_its_slot_starts(backend: BackendProcess):
    url, ops = backend.url + "/api/v1", backend.ops_headers()
    target = slot("ADM", today(), 12)  # the backend's clock reads 12:30 (the module's backend)
    m = _members(_ids(2, 1995))
    body = _group(today(), group_ref="LATE-1", slot_id=target, roster=m[:1])
    booked = httpx.post(url + "/ops/groups", json=body, headers=ops)
    assert booked.status_code == 201, booked.text
    order = booked.json()
    r = httpx.put(url + f"/ops/groups/{order['id']}", json={"roster": m}, headers=ops)
    assert r.status_code == 409 and r.json()["error"]["code"] == "group_too_late"
