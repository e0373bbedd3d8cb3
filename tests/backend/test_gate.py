"""The gate (检票) over HTTP: named gates, one entry per bundle component, the slot's entry
window, entry by ID card, every admission counted, add-ons and their parents, the revocation
list. The backend's clock reads today 10:40 (a window test: 12:15), whatever the hour."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from backend_stub.process import BackendProcess
from tests.backend.clocked import backend_at, error_code, pickup_codes, today, verify
from tests.backend.helpers import WECHAT_OK, line, order, paid_order, printable, proof_of, slot

ZHANG_ID = "110101199003072375"  # Ctrip CT88000001: admission today 10:00
WANG_ID = "510107195208156622"  # mini-program MP66000003: bundle today 09:00


@pytest.fixture(scope="module")
def gate_backend(
    tmp_path_factory: pytest.TempPathFactory, backend_db: Callable[[Path], str | Path]
) -> Iterator[BackendProcess]:
    with backend_at(backend_db(tmp_path_factory.mktemp("gate") / "backend.db"), 10, 40) as proc:
        yield proc


@pytest.fixture
def client(gate_backend: BackendProcess) -> Iterator[httpx.Client]:
    with httpx.Client(
        base_url=gate_backend.url, headers=gate_backend.kiosk_headers(), timeout=10
    ) as c:
        yield c


@pytest.fixture
def ops(gate_backend: BackendProcess) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=gate_backend.url, headers=gate_backend.ops_headers()) as c:
        yield c


def _admission(client: httpx.Client, hour: int = 11) -> dict:
    return paid_order(client, line("ADM", slot("ADM", today(), hour), "ADM-ADULT"))


def _addon(client: httpx.Client, product: str, parent_code: str, hour: int = 10) -> dict:
    return paid_order(
        client,
        line(
            product,
            slot(product, today(), hour),
            f"{product}-ADULT",
            parent_ticket_code=parent_code,
        ),
    )


def test_a_bundle_admits_once_at_each_components_gate(client: httpx.Client):
    found = client.get("/api/v1/pickup", params={"id_number": WANG_ID}).json()["orders"]
    found = printable(client, found)[0]  # the kiosk that found it reads it to print
    bundle = found["tickets"][0]
    assert [e["component"] for e in bundle["entries"]] == ["ADM", "CABLE", "GLASS"]
    assert not any(e["used"] for e in bundle["entries"])
    for gate_id, component in (("G-MAIN-1", "ADM"), ("G-CABLE", "CABLE"), ("G-GLASS", "GLASS")):
        r = verify(client, gate_id, code=bundle["code"])
        assert r.status_code == 200, r.text
        assert r.json()["admitted"] and r.json()["component"] == component
    # the first gate's component again, at another lane of the main gate
    again = verify(client, "G-MAIN-2", code=bundle["code"])
    assert again.status_code == 409 and error_code(again) == "ticket_used"
    assert error_code(verify(client, "G-SHOW", code=bundle["code"])) == "ticket_wrong_gate"
    # the ticket shows which parts are used, where and by name
    ticket = client.get(f"/api/v1/orders/{found['id']}").json()["tickets"][0]
    entries = {e["component"]: e for e in ticket["entries"]}
    assert all(e["used"] and e["used_at"] for e in entries.values())
    assert entries["CABLE"]["gate_id"] == "G-CABLE"
    assert entries["GLASS"]["name"] == {"zh": "玻璃栈道", "en": "Glass walkway"}


def test_entry_by_id_card_admits_the_holders_ticket_for_this_gate(client: httpx.Client):
    r = verify(client, "G-MAIN-1", id_number=ZHANG_ID)
    assert r.status_code == 200, r.text
    assert r.json()["via"] == "id_number" and r.json()["ticket"]["date"] == today().isoformat()
    assert r.json()["ticket"]["holder"]["doc_number"] != ZHANG_ID  # masked
    assert error_code(verify(client, "G-MAIN-2", id_number=ZHANG_ID)) == "ticket_used"
    assert error_code(verify(client, "G-MAIN-1", id_number="11010519491231002X")) == (
        "no_ticket_for_id"
    )


def test_an_addon_waits_for_its_parent_to_enter_where_the_product_says(client: httpx.Client):
    parent = _admission(client)["tickets"][0]
    cable = _addon(client, "CABLE", parent["code"])["tickets"][0]
    show = _addon(client, "SHOW", parent["code"])["tickets"][0]
    early = verify(client, "G-CABLE", code=cable["code"])
    assert error_code(early) == "parent_not_entered"
    assert early.json()["error"]["message"]["en"] == "Please enter through the main gate first"
    # the show's theatre is outside the main gate: no need to enter first
    assert verify(client, "G-SHOW", code=show["code"]).json()["admitted"]
    # a parent whose add-on was used is neither refunded nor moved to another day
    refund = client.post(
        f"/api/v1/orders/{parent_order_id(client, parent)}/refund",
        json={"ticket_ids": [parent["id"]], "ticket_code": parent["code"]},
    )
    assert error_code(refund) == "addon_used"
    assert verify(client, "G-MAIN-1", code=parent["code"]).json()["admitted"]
    assert verify(client, "G-CABLE", code=cable["code"]).json()["admitted"]


def parent_order_id(client: httpx.Client, ticket: dict) -> str:
    found = client.get(
        "/api/v1/parents", params={"date": today().isoformat(), "ticket_code": ticket["code"]}
    ).json()["tickets"]
    return found[0]["order_id"]


def test_refunding_a_parent_stops_its_addon_at_the_gate(client: httpx.Client):
    bought = _admission(client)
    parent = bought["tickets"][0]
    show = _addon(client, "SHOW", parent["code"], hour=14)["tickets"][0]
    # refunded along with its parent: the add-on's code opens nothing
    r = client.post(
        f"/api/v1/orders/{bought['id']}/refund",
        json={"ticket_ids": [parent["id"]], **proof_of(bought)},
    )
    assert r.status_code == 200, r.text
    assert error_code(verify(client, "G-SHOW", code=show["code"])) == "ticket_refunded"
    # an add-on paid after its parent was refunded (its hold was waiting): the gate refuses it
    bought = _admission(client)
    parent = bought["tickets"][0]
    held = order(
        client,
        line("SHOW", slot("SHOW", today(), 10), "SHOW-ADULT", parent_ticket_code=parent["code"]),
    ).json()
    client.post(
        f"/api/v1/orders/{bought['id']}/refund",
        json={"ticket_ids": [parent["id"]], **proof_of(bought)},
    )
    pay = client.post(
        f"/api/v1/orders/{held['id']}/payments",
        json={"method": "auth_code", "auth_code": WECHAT_OK},
    )
    assert pay.json()["status"] == "success"
    late = client.get(f"/api/v1/orders/{held['id']}").json()["tickets"][0]
    refused = verify(client, "G-SHOW", code=late["code"])
    assert refused.status_code == 409 and error_code(refused) == "parent_not_valid"
    assert refused.json()["error"]["message"]["zh"] == "所属景区门票已退或已失效"


def test_the_revocation_list_has_refunded_and_rebooked_codes(client: httpx.Client):
    start = client.get("/api/v1/tickets/revoked").json()["next_since"]
    refunded = _admission(client, hour=12)
    client.post(
        f"/api/v1/orders/{refunded['id']}/refund",
        json={"ticket_ids": [refunded["tickets"][0]["id"]], **proof_of(refunded)},
    )
    day = today() + timedelta(days=3)
    moved = paid_order(client, line("ADM", slot("ADM", day, 10), "ADM-ADULT"))
    client.post(
        f"/api/v1/orders/{moved['id']}/rebook",
        json={
            "ticket_ids": [moved["tickets"][0]["id"]],
            "slot_id": slot("ADM", day, 11),
            **proof_of(moved),
        },
    )
    page = client.get("/api/v1/tickets/revoked", params={"since": start}).json()
    reasons = {r["code"]: r["reason"] for r in page["revoked"]}
    assert reasons[refunded["tickets"][0]["code"]] == "refunded"
    assert reasons[moved["tickets"][0]["code"]] == "rebooked"
    assert page["next_since"] > start and not page["more"]
    later = client.get("/api/v1/tickets/revoked", params={"since": page["next_since"]}).json()
    assert later["revoked"] == []


def test_every_admission_is_counted_per_gate_and_day(client: httpx.Client, ops: httpx.Client):
    before = ops.get("/api/v1/ops/gates/counts", params={"date": today().isoformat()}).json()
    counted = {g["id"]: g for g in before["gates"]}
    ticket = _admission(client)["tickets"][0]
    assert verify(client, "G-MAIN-2", code=ticket["code"]).json()["admitted"]
    out = client.post("/api/v1/gates/G-MAIN-2/exits", json={"people": 2})
    assert out.status_code == 200, out.text
    after = ops.get("/api/v1/ops/gates/counts", params={"date": today().isoformat()}).json()
    now = {g["id"]: g for g in after["gates"]}
    assert now["G-MAIN-2"]["in"] == counted["G-MAIN-2"]["in"] + 1
    assert now["G-MAIN-2"]["out"] == counted["G-MAIN-2"]["out"] + 2
    assert after["in"] == before["in"] + 1
    assert client.get("/api/v1/ops/gates/counts", params={"date": "2026-01-01"}).status_code == 401


def test_gates_unknown_and_requests_without_a_ticket_are_refused(
    client: httpx.Client, ops: httpx.Client
):
    ticket = _admission(client)["tickets"][0]
    assert error_code(verify(client, "G-NOWHERE", code=ticket["code"])) == "unknown_gate"
    bare = client.post("/api/v1/tickets/verify", json={"gate_id": "G-MAIN-1"})
    assert bare.status_code == 422 and error_code(bare) == "verify_query_invalid"
    added = ops.put("/api/v1/ops/gates/G-EAST", json={"component": "ADM", "name_en": "East gate"})
    assert added.status_code == 200 and added.json()["component"] == "ADM"
    assert verify(client, "G-EAST", code=ticket["code"]).json()["admitted"]
    assert ops.put("/api/v1/ops/gates/G-X", json={"component": "MOON"}).status_code == 422


@pytest.fixture(scope="module")
def noon_backend(
    tmp_path_factory: pytest.TempPathFactory, backend_db: Callable[[Path], str | Path]
) -> Iterator[BackendProcess]:
    with backend_at(backend_db(tmp_path_factory.mktemp("noon") / "backend.db"), 12, 15) as proc:
        yield proc


# the entry window is arithmetic on the slot's times (kiosk.domain), the same on both stores:
# the verify path itself (one entry, races, bundles) runs on both above
@pytest.mark.store("sqlite")
def test_the_entry_window_of_the_slot_holds_at_a_named_gate(noon_backend: BackendProcess):
    with httpx.Client(base_url=noon_backend.url, headers=noon_backend.kiosk_headers()) as c:
        ctrip = pickup_codes(c, id_number=ZHANG_ID)[0]  # 10:00-11:00: window closed at 12:00
        late = verify(c, "G-MAIN-1", code=ctrip["code"])
        assert (
            error_code(late) == "ticket_too_late"
            and "12:00" in late.json()["error"]["message"]["en"]
        )
        meituan = pickup_codes(c, order_no="MT55000002", phone="13700137000")[0]  # 13:00
        early = verify(c, "G-MAIN-1", code=meituan["code"])
        assert (
            error_code(early) == "ticket_too_early"
            and "12:30" in early.json()["error"]["message"]["en"]
        )
        noon = paid_order(c, line("ADM", slot("ADM", today(), 12), "ADM-ADULT"))["tickets"][0]
        assert verify(c, "G-MAIN-1", code=noon["code"]).json()["admitted"]
        # a bundle's later parts admit all day: the entrance is where the window holds
        bundle = pickup_codes(c, id_number=WANG_ID)[0]  # 09:00-10:00
        assert error_code(verify(c, "G-MAIN-1", code=bundle["code"])) == "ticket_too_late"
        assert verify(c, "G-GLASS", code=bundle["code"]).json()["admitted"]
        # a caller that names no gate (the contract before gates) checks the day only
        assert verify(c, code=ctrip["code"]).json()["admitted"]


@pytest.mark.store("sqlite")
def test_the_entry_window_is_a_backend_setting(
    tmp_path_factory: pytest.TempPathFactory, backend_db: Callable[[Path], str | Path]
):
    db = backend_db(tmp_path_factory.mktemp("wide") / "backend.db")
    with (
        backend_at(db, 12, 15, ["--entry-late-minutes", "180"]) as b,
        httpx.Client(base_url=b.url, headers=b.kiosk_headers()) as c,
    ):
        ctrip = pickup_codes(c, id_number=ZHANG_ID)[0]
        assert verify(c, "G-MAIN-1", code=ctrip["code"]).json()["admitted"]
