"""Reprint flags over HTTP, on both stores: finance (or operations) flags a printed ticket on the
order page to reprint once at a kiosk; the pickup lookup offers it to that kiosk, its printed
mark uses the flag up (printed count + 1, by which kiosk, when), and a second pickup finds
nothing. The reprint carries the same code, so the old and the new paper admit one person.
Used, refunded, expired or not-yet-printed tickets cannot be flagged; a viewer cannot flag; a
flag can be cancelled before use (audited). The backend's clock reads today 10:40."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import date, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from backend_stub.process import BackendProcess
from backend_stub.services.reprints import check_flaggable
from kiosk.domain.errors import RuleError
from tests.backend.clocked import backend_at, error_code, today, verify
from tests.backend.helpers import line, paid_order, proof_of, slot
from tests.fixtures.backend import query
from tests.fixtures.console import http_login

PHONE = "13700001111"


@pytest.fixture(scope="module")
def reprint_backend(
    tmp_path_factory: pytest.TempPathFactory, backend_db: Callable[[Path], str | Path]
) -> Iterator[BackendProcess]:
    with backend_at(backend_db(tmp_path_factory.mktemp("reprint") / "backend.db"), 10, 40) as b:
        yield b


@pytest.fixture(scope="module")
def kiosk(reprint_backend: BackendProcess) -> Iterator[httpx.Client]:
    headers = reprint_backend.kiosk_headers()
    with httpx.Client(base_url=reprint_backend.url, headers=headers, timeout=10) as c:
        yield c


@pytest.fixture(scope="module")
def finance(reprint_backend: BackendProcess) -> Iterator[httpx.Client]:
    client = http_login(reprint_backend.url, "finance")
    client.headers["accept-language"] = "en"  # the messages below are read in English
    yield client
    client.close()


def _printed_order(kiosk: httpx.Client, qty: int = 2, *, mark: bool = True) -> dict:
    """An order sold at the kiosk for today 11:00, its tickets printed there."""
    o = paid_order(kiosk, line("ADM", slot("ADM", today(), 11), "ADM-ADULT", qty=qty),
                   buyer_phone=PHONE)  # fmt: skip
    for t in o["tickets"] if mark else ():
        assert kiosk.post(f"/api/v1/tickets/{t['id']}/printed", json={}).status_code == 200
    return kiosk.get(f"/api/v1/orders/{o['id']}").json()


def _flag(console: httpx.Client, order_id: str, tickets: list[str], reason: str = "lost",
          kiosk_id: str = "") -> httpx.Response:  # fmt: skip
    return console.post(f"/console/orders/{order_id}/reprint",
                        data={"csrf_token": console.csrf, "ticket_id": tickets,
                              "reprint_reason": reason, "reprint_kiosk": kiosk_id})  # fmt: skip


def _pickup(kiosk: httpx.Client, o: dict) -> list[dict]:
    r = kiosk.get("/api/v1/pickup", params={"order_no": o["order_no"], "phone": PHONE})
    assert r.status_code == 200, r.text
    return r.json()["orders"]


def _flags(backend: BackendProcess, order_id: str) -> list[tuple]:
    return query(backend, "SELECT ticket_id, state, kiosk_id, flagged_by, closed_by, reason "
                 "FROM reprint_flags WHERE order_id = ? ORDER BY flagged_at", order_id)  # fmt: skip


def test_a_flagged_ticket_prints_once_at_pickup_and_admits_one_person(
    reprint_backend: BackendProcess, kiosk: httpx.Client, finance: httpx.Client
):
    o = _printed_order(kiosk)
    first, second = (t["id"] for t in o["tickets"])
    code = o["tickets"][0]["code"]
    assert _pickup(kiosk, o) == []  # printed: nothing waits
    page = finance.get(f"/console/orders/{o['id']}")
    assert 'id="reprint-form"' in page.text
    r = _flag(finance, o["id"], [first], "ticket fell in the lake")
    assert r.status_code == 303 and "order_reprint_flagged" in r.headers["location"]
    assert _flags(reprint_backend, o["id"]) == [
        (first, "open", "", "finance", "", "ticket fell in the lake")
    ]
    audit = query(reprint_backend, "SELECT username, action, after FROM console_audit "
                  "WHERE target = ?", f"order:{o['id']}")  # fmt: skip
    assert audit[-1][:2] == ("finance", "order.reprint_flag") and "lake" in audit[-1][2]
    # flagging it again while open: a clear message, not a second flag
    again = _flag(finance, o["id"], [first])
    assert again.status_code == 422 and "already flagged" in again.text
    # the tourist picks up as usual: the flagged ticket (only) is offered to this kiosk
    [found] = _pickup(kiosk, o)
    assert found["tickets_to_reprint"] == [first] and found["tickets_to_print"] == []
    assert all("code" not in t or not t["code"] for t in found["tickets"])  # lookups: no codes
    reread = kiosk.get(f"/api/v1/orders/{o['id']}").json()
    assert reread["tickets"][0]["code"] == code  # the reprint carries the same code
    r = kiosk.post(f"/api/v1/tickets/{first}/printed", json={})
    assert r.status_code == 200 and r.json()["printed_count"] == 2
    counts = dict(query(reprint_backend, "SELECT id, printed_count FROM tickets WHERE order_id = ?",
                        o["id"]))  # fmt: skip
    assert counts == {first: 2, second: 1}
    [(_, state, _, _, closed_by, _)] = _flags(reprint_backend, o["id"])
    assert (state, closed_by) == ("done", "kiosk:kiosk-01")
    assert _pickup(kiosk, o) == []  # once: a second pickup prints nothing
    # the old paper and the new one carry one code: the gate admits one person
    assert verify(kiosk, code=code).status_code == 200
    second_entry = verify(kiosk, code=code)
    assert second_entry.status_code == 409 and error_code(second_entry) == "ticket_used"


def test_used_refunded_and_unprinted_tickets_cannot_be_flagged(
    reprint_backend: BackendProcess, kiosk: httpx.Client, finance: httpx.Client
):
    o = _printed_order(kiosk, qty=3)
    used, refunded, kept = (t["id"] for t in o["tickets"])
    assert verify(kiosk, code=o["tickets"][0]["code"]).status_code == 200
    r = kiosk.post(f"/api/v1/orders/{o['id']}/refund",
                   json={"ticket_ids": [refunded], **proof_of(o)})  # fmt: skip
    assert r.status_code == 200, r.text
    for ticket, says in ((used, "already used at the gate"), (refunded, "was refunded")):
        r = _flag(finance, o["id"], [ticket])
        assert r.status_code == 422 and says in r.text, r.text
    r = _flag(finance, o["id"], [kept, used])  # all or none
    assert r.status_code == 422 and _flags(reprint_backend, o["id"]) == []
    fresh = _printed_order(kiosk, qty=1, mark=False)
    r = _flag(finance, fresh["id"], [fresh["tickets"][0]["id"]])
    assert r.status_code == 422 and "prints at pickup" in r.text
    r = _flag(finance, o["id"], [kept], reason="")
    assert r.status_code == 422 and 'id="err-reprint_reason"' in r.text
    r = _flag(finance, o["id"], [kept], kiosk_id="kiosk-nowhere")
    assert r.status_code == 422 and "No such kiosk" in r.text
    assert _flags(reprint_backend, o["id"]) == []


def test_an_expired_ticket_cannot_be_flagged():
    now = datetime(2026, 6, 2, 9, 0)
    yesterday = (date(2026, 6, 2) - timedelta(days=1)).isoformat()
    with pytest.raises(RuleError) as refused:
        check_flaggable({"id": "t-1", "status": "printed", "date": yesterday}, now)
    assert refused.value.code == "reprint_ticket_expired"
    check_flaggable({"id": "t-1", "status": "printed", "date": "2026-06-02"}, now)


def test_roles_a_named_kiosk_and_unflag(
    reprint_backend: BackendProcess, kiosk: httpx.Client, finance: httpx.Client
):
    o = _printed_order(kiosk, qty=1)
    ticket = o["tickets"][0]["id"]
    viewer = http_login(reprint_backend.url, "viewer")
    assert 'id="reprint-form"' not in viewer.get(f"/console/orders/{o['id']}").text
    assert _flag(viewer, o["id"], [ticket]).status_code == 403
    assert _flags(reprint_backend, o["id"]) == []
    # operations may flag too, here for one kiosk only: kiosk-02, provisioned by the admin
    admin = http_login(reprint_backend.url, "admin")
    page = admin.post("/console/kiosks", data={"csrf_token": admin.csrf, "kiosk_id": "kiosk-02",
                                               "name": "East gate", "group": "east"})  # fmt: skip
    token = re.search(r'id="kiosk-token">([^<]+)<', page.text).group(1)
    ops = http_login(reprint_backend.url, "ops")
    assert _flag(ops, o["id"], [ticket], "smudged print", kiosk_id="kiosk-02").status_code == 303
    assert _pickup(kiosk, o) == []  # kiosk-01 is not the one named
    with httpx.Client(base_url=reprint_backend.url, timeout=10,
                      headers={"Authorization": f"Bearer {token}"}) as east:  # fmt: skip
        [found] = _pickup(east, o)
        assert found["tickets_to_reprint"] == [ticket]
        # cancelled before use: the named kiosk finds nothing any more
        r = finance.post(f"/console/orders/{o['id']}/unflag",
                         data={"csrf_token": finance.csrf, "ticket_id": ticket})  # fmt: skip
        assert r.status_code == 303
        assert _pickup(east, o) == []
    assert _flags(reprint_backend, o["id"]) == [
        (ticket, "cancelled", "kiosk-02", "ops", "finance", "smudged print")
    ]
    actions = query(reprint_backend, "SELECT username, action FROM console_audit WHERE target = ?"
                    " ORDER BY id", f"order:{o['id']}")  # fmt: skip
    assert actions[-2:] == [("ops", "order.reprint_flag"), ("finance", "order.reprint_unflag")]
    r = finance.post(f"/console/orders/{o['id']}/unflag",
                     data={"csrf_token": finance.csrf, "ticket_id": ticket})  # fmt: skip
    assert r.status_code == 422 and "no open reprint flag" in r.text
    viewer.close()
    admin.close()
    ops.close()
