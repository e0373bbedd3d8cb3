"""Every document type over HTTP: the reader's card types by their own names, typed documents
with their own format checks and errors, the real-name rule keyed on (doc_type, number), and
an adult without a document allowed by a supervisor (audited; the ticket says so)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import httpx
import pytest

from backend_stub.process import BackendProcess
from kiosk.domain.ids import resident_id_check_char
from peripherals.idcard.emulator.cards import DEMO_CARDS
from tests.backend.helpers import WECHAT_OK, later_day, line, order, paid_order, slot

# one store: the document checks are the domain's (kiosk.domain.ids), the real-name rule the
# orders' query, proven on both stores by test_orders and test_groups
pytestmark = pytest.mark.store("sqlite")

DAY = later_day(4)


def bundle(hour: int, *holders: dict, type_id: str = "BUNDLE-ADULT") -> dict:
    return line("BUNDLE", slot("BUNDLE", DAY, hour), type_id, len(holders), holders=list(holders))


def test_a_foreign_permanent_residence_card_from_the_reader_buys_a_real_name_ticket(
    kiosk_http: httpx.Client,
):
    card = DEMO_CARDS["foreign_smith"]  # what the reader hands over for the foreign card
    assert (card.doc_type, card.id_number) == ("foreign_permanent", "USA110080051501")
    holder = {"doc_type": card.doc_type, "doc_number": card.id_number, "name": card.name}
    o = paid_order(kiosk_http, bundle(9, holder))
    assert o["status"] == "paid"
    (ticket,) = o["tickets"]
    assert ticket["holder"]["doc_type"] == "foreign_permanent" and ticket["code"]
    assert ticket["holder"]["doc_number"] == "USA********1501"
    # the same card again for the same product and slot: one ticket per document
    again = order(kiosk_http, bundle(9, holder))
    assert again.status_code == 409 and again.json()["error"]["code"] == "duplicate_real_name"


def test_each_card_the_reader_knows_is_accepted_under_its_own_name(kiosk_http: httpx.Client):
    hours = iter(range(8, 17))
    for name, card in DEMO_CARDS.items():
        if card.birth_date > DAY.strftime("%Y%m%d"):
            continue
        holder = {"doc_type": card.doc_type, "doc_number": card.id_number, "name": card.name}
        type_id = "BUNDLE-CHILD" if card.birth_date > "20080101" else "BUNDLE-ADULT"
        r = order(kiosk_http, bundle(next(hours), holder, type_id=type_id))
        assert r.status_code == 201, (name, r.text)
        stored = r.json()["tickets"][0]["holder"]["doc_type"]
        assert stored == {"resident": "id_card"}.get(card.doc_type, card.doc_type), name


@pytest.mark.parametrize(
    ("holder", "stored"),
    [
        ({"doc_type": "passport", "doc_number": "e 1234 5678", "nationality": "usa"}, "passport"),
        ({"doc_type": "passport", "doc_number": "X98765432"}, "passport"),
        ({"doc_type": "hk_macau_permit", "doc_number": "H12345678"}, "hk_macau_permit"),
        ({"doc_type": "hk_macau_permit", "doc_number": "M1234567890"}, "hk_macau_permit"),
        ({"doc_type": "taiwan_permit", "doc_number": "87654321"}, "taiwan_permit"),
        ({"doc_type": "gat_residence", "doc_number": "810000199201011235"}, "gat_residence"),
        ({"doc_type": "foreign_permanent", "doc_number": "USA110080051501"}, "foreign_permanent"),
    ],
)
def test_typed_documents_buy_real_name_tickets(kiosk_http: httpx.Client, holder: dict, stored: str):
    o = paid_order(kiosk_http, bundle(10, holder | {"name": "CHAN TAI MAN"}))
    seen = o["tickets"][0]["holder"]
    assert seen["doc_type"] == stored
    if holder.get("nationality"):
        assert seen["nationality"] == "USA"


@pytest.mark.parametrize(
    ("doc_type", "number", "code", "named"),
    [
        ("passport", "ABCDEFG", "invalid_passport", "护照"),
        ("hk_macau_permit", "H1234", "invalid_hk_macau_permit", "港澳居民来往内地通行证"),
        ("taiwan_permit", "1234567", "invalid_taiwan_permit", "台湾居民来往大陆通行证"),
        ("foreign_permanent", "US1234567890123", "invalid_foreign_permanent", "外国人永久居留"),
        ("gat_residence", "110101199003072375", "invalid_gat_residence", "港澳台居民居住证"),
        ("id_card", "110101199003072376", "invalid_id_number", "身份证"),
        ("driving_licence", "123456", "invalid_document", "证件"),
    ],
)
def test_a_bad_number_is_refused_naming_its_type(
    kiosk_http: httpx.Client, doc_type: str, number: str, code: str, named: str
):
    r = order(kiosk_http, bundle(11, {"doc_type": doc_type, "doc_number": number}))
    assert r.status_code == 422, r.text
    error = r.json()["error"]
    assert error["code"] == code and named in error["message"]["zh"]
    assert error["message"]["en"].startswith("The ")


def test_a_birth_date_in_the_future_is_refused(kiosk_http: httpx.Client):
    first17 = f"110101{date.today().year + 1}0101123"
    number = first17 + resident_id_check_char(first17)
    r = order(kiosk_http, bundle(12, {"doc_type": "id_card", "doc_number": number}))
    assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_id_number"


def test_the_real_name_rule_is_keyed_on_type_and_number(kiosk_http: httpx.Client):
    passport = {"doc_type": "passport", "doc_number": "12345678", "name": "A"}
    taiwan = {"doc_type": "taiwan_permit", "doc_number": "12345678", "name": "B"}
    assert order(kiosk_http, bundle(13, passport)).status_code == 201
    assert order(kiosk_http, bundle(13, taiwan)).status_code == 201  # another document
    for again in (passport, dict(passport, doc_number=" 1234 5678 ")):
        r = order(kiosk_http, bundle(13, again))
        assert r.json()["error"]["code"] == "duplicate_real_name"
    # the reader's "resident" is the resident ID card: the same document as "id_card"
    resident = {"doc_type": "resident", "doc_number": "440304198510121540", "name": "李娜"}
    assert order(kiosk_http, bundle(14, resident)).status_code == 201
    r = order(kiosk_http, bundle(14, dict(resident, doc_type="id_card")))
    assert r.json()["error"]["code"] == "duplicate_real_name"


def test_an_adult_without_a_document_needs_a_supervisor(
    backend: BackendProcess, kiosk_http: httpx.Client
):
    no_doc = {"doc_type": "none", "name": "王大伟"}
    refused = order(kiosk_http, bundle(15, no_doc))
    assert refused.status_code == 422 and refused.json()["error"]["code"] == "holder_required"
    operator = kiosk_http.post("/api/v1/staff/verify", json={"staff_id": "S002", "pin": "135790"})
    assert operator.json()["grants"] == [] and "grant_token" not in operator.json()
    forged = order(kiosk_http, bundle(15, no_doc | {"staff_grant": "SG1.forged"}))
    assert forged.status_code == 403 and forged.json()["error"]["code"] == "staff_grant_invalid"

    sup = kiosk_http.post("/api/v1/staff/verify", json={"staff_id": "S001", "pin": "246810"})
    grant = sup.json()
    assert grant["role"] == "supervisor" and grant["grants"] == ["no_document"]
    assert grant["grant_token"] and grant["grant_expires_at"]
    allowed = order(kiosk_http, bundle(15, no_doc | {"staff_grant": grant["grant_token"]}))
    assert allowed.status_code == 201, allowed.text
    o = allowed.json()
    pay = kiosk_http.post(
        f"/api/v1/orders/{o['id']}/payments", json={"method": "auth_code", "auth_code": WECHAT_OK}
    )
    assert pay.json()["status"] == "success"
    ticket = kiosk_http.get(f"/api/v1/orders/{o['id']}").json()["tickets"][0]
    assert ticket["status"] == "issued" and ticket["holder"]["doc_type"] == "none"
    assert ticket["holder"]["doc_waived_by"] == "S001"
    assert ticket["holder"]["note"] == {
        "zh": "无证件·工作人员放行",
        "en": "No document, allowed by staff",
    }
    # audited: who, when, which kiosk, order and ticket
    audit = httpx.get(backend.url + "/api/v1/ops/staff-audit", headers=backend.ops_headers())
    entry = audit.json()["entries"][0]
    assert (entry["staff_id"], entry["action"], entry["ticket_id"]) == (
        "S001",
        "no_document",
        ticket["id"],
    )
    assert entry["order_id"] == o["id"] and entry["kiosk_id"] == "kiosk-01" and entry["at"]
    # the grant is spent by that order; another order needs the supervisor again
    reused = order(kiosk_http, bundle(16, no_doc | {"staff_grant": grant["grant_token"]}))
    assert reused.status_code == 403 and reused.json()["error"]["code"] == "staff_grant_invalid"


def test_a_grant_is_good_only_on_the_kiosk_it_was_given_to(
    tmp_path: Path, backend_db: Callable[[Path], str | Path]
):
    extra = ["--kiosk-token", "second-token=kiosk-02"]
    with BackendProcess(backend_db(tmp_path / "b.db"), seed="demo", extra_args=extra) as b:
        first = httpx.Client(base_url=b.url, headers=b.kiosk_headers())
        second = httpx.Client(base_url=b.url, headers={"Authorization": "Bearer second-token"})
        token = first.post(
            "/api/v1/staff/verify", json={"staff_id": "S001", "pin": "246810"}
        ).json()["grant_token"]
        holder = {"doc_type": "none", "name": "王大伟", "staff_grant": token}
        r = order(second, bundle(10, holder))
        assert r.status_code == 403 and r.json()["error"]["code"] == "staff_grant_invalid"
        assert order(first, bundle(10, holder)).status_code == 201
