"""Finding 6 (issue 11): three requests answered 500 and the connection was reset after each —
rebooking a real-name ticket to a slot where the same ID already holds one (IntegrityError),
paying the difference of such a rebooking to a dearer slot, and `PUT /ops/prices` with
`effective_at` `0001-01-01T00:00:00+14:00` (OverflowError). Now: 409 `duplicate_real_name`,
a paid difference that moves nothing and is refunded, 422; and a 500 (a test-only route that
crashes) answers JSON and keeps the connection."""

from __future__ import annotations

import json
import socket
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path

import httpx
import pytest

from backend_stub.process import BackendProcess
from tests.backend.helpers import WECHAT_OK, line, paid_order, slot
from tests.backend.roomy import ROOMY_LIMITS

ZHANG = "110101199003072375"  # the demo's 张伟
SOMEONE = {"doc_type": "id_card", "doc_number": ZHANG, "name": "张伟"}


def friday_and_saturday() -> tuple[date, date]:
    """A weekday and the weekend day after it, in one month (the same peak season): a BUNDLE on
    the Saturday costs 10 % more."""
    day = date.today() + timedelta(days=3)
    while day.weekday() != 4 or (day + timedelta(days=1)).month != day.month:
        day += timedelta(days=1)
    return day, day + timedelta(days=1)


FRIDAY, SATURDAY = friday_and_saturday()


@pytest.fixture(scope="module")
def backend6(
    tmp_path_factory: pytest.TempPathFactory, backend_db: Callable[[Path], str | Path]
) -> Iterator[BackendProcess]:
    folder = tmp_path_factory.mktemp("finding6")
    extra = [*ROOMY_LIMITS, "--test-crash-route"]
    with BackendProcess(backend_db(folder / "backend.db"), seed="demo", extra_args=extra) as proc:
        yield proc


@pytest.fixture
def kiosk(backend6: BackendProcess) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=backend6.url, headers=backend6.kiosk_headers(), timeout=10) as c:
        yield c


def bundle(kiosk: httpx.Client, day: date, hour: int) -> dict:
    return paid_order(
        kiosk, line("BUNDLE", slot("BUNDLE", day, hour), "BUNDLE-ADULT", holders=[SOMEONE])
    )


def rebook(kiosk: httpx.Client, o: dict, target: str) -> httpx.Response:
    body = {"ticket_ids": [o["tickets"][0]["id"]], "slot_id": target, "id_number": ZHANG}
    return kiosk.post(f"/api/v1/orders/{o['id']}/rebook", json=body)


def test_finding_6_rebooking_onto_a_slot_the_same_id_holds_is_a_clear_409(kiosk: httpx.Client):
    moving = bundle(kiosk, FRIDAY, 10)
    bundle(kiosk, FRIDAY, 11)
    r = rebook(kiosk, moving, slot("BUNDLE", FRIDAY, 11))  # same price: would move at once
    assert r.status_code == 409, r.text
    assert r.json()["error"]["code"] == "duplicate_real_name"
    # nothing moved; the ticket can still go elsewhere
    assert kiosk.get(f"/api/v1/orders/{moving['id']}").json()["tickets"][0]["slot_id"] == slot(
        "BUNDLE", FRIDAY, 10
    )
    assert rebook(kiosk, moving, slot("BUNDLE", FRIDAY, 12)).json()["status"] == "done"


def test_finding_6_a_dearer_rebooking_onto_a_slot_the_same_id_holds(kiosk: httpx.Client):
    moving = bundle(kiosk, FRIDAY, 14)
    bundle(kiosk, SATURDAY, 14)
    r = rebook(kiosk, moving, slot("BUNDLE", SATURDAY, 14))
    assert r.status_code == 409 and r.json()["error"]["code"] == "duplicate_real_name"


def test_finding_6_paying_the_difference_after_the_id_took_the_slot_refunds_it(
    kiosk: httpx.Client,
):
    moving = bundle(kiosk, FRIDAY, 15)
    pending = rebook(kiosk, moving, slot("BUNDLE", SATURDAY, 15))
    assert pending.status_code == 202, pending.text
    diff = pending.json()["payment_order"]
    bundle(kiosk, SATURDAY, 15)  # meanwhile the same ID buys that slot
    pay = kiosk.post(
        f"/api/v1/orders/{diff['id']}/payments",
        json={"method": "auth_code", "auth_code": WECHAT_OK},
    )
    assert pay.status_code in (200, 201), pay.text  # was a 500
    assert pay.json()["status"] == "success"
    assert kiosk.get(f"/api/v1/orders/{diff['id']}").json()["status"] == "refunded"
    ticket = kiosk.get(f"/api/v1/orders/{moving['id']}").json()["tickets"][0]
    assert ticket["slot_id"] == slot("BUNDLE", FRIDAY, 15)  # nothing moved


def test_finding_6_a_price_change_before_year_one_is_a_422(backend6: BackendProcess):
    r = httpx.put(
        backend6.url + "/api/v1/ops/prices",
        headers=backend6.ops_headers(),
        json={
            "prices": [{"ticket_type_id": "ADM-ADULT", "base_fen": 12000}],
            "effective_at": "0001-01-01T00:00:00+14:00",
        },
    )
    assert r.status_code == 422, r.text
    assert r.json()["error"]["code"] == "invalid_time"


def _exchange(sock: socket.socket, path: str) -> tuple[int, dict[str, str], bytes]:
    """One HTTP/1.1 request on an open socket; (status, headers, body)."""
    sock.sendall(f"GET {path} HTTP/1.1\r\nHost: test\r\n\r\n".encode())
    data = b""
    while b"\r\n\r\n" not in data:
        data += sock.recv(65536)
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    headers = dict(h.lower().split(": ", 1) for h in lines[1:])
    while len(body) < int(headers["content-length"]):
        chunk = sock.recv(65536)
        assert chunk, "the server closed the connection"
        body += chunk
    return int(lines[0].split()[1]), headers, body


def test_finding_6_a_500_answers_json_and_keeps_the_connection(backend6: BackendProcess):
    port = int(backend6.url.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        status, headers, body = _exchange(sock, "/api/v1/_test/crash")
        assert status == 500 and headers.get("connection") != "close"
        assert json.loads(body)["error"]["code"] == "internal_error"
        status, _, body = _exchange(sock, "/api/v1/health")  # the same connection
        assert status == 200 and json.loads(body)["status"] == "ok"
    log = backend6.log_path.read_text(errors="replace")
    assert "RuntimeError" in log and "a crash asked for by a test" not in log  # type, no message
