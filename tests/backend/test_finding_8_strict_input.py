"""Issue 11, finding 8 — loose input, over HTTP: quantity "3", 2.0 or true was accepted; NUL,
ANSI escapes, CR/LF and right-to-left overrides in names; an ID with a 2030 birth date;
`paid_fen` of 10^30 on a channel import; `date=0` read as 1970-01-01. Each is refused now with
a 422 that names the field."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import httpx
import pytest

from backend_stub.process import BackendProcess
from kiosk.domain.ids import resident_id_check_char
from kiosk.domain.input_rules import MAX_FEN
from tests.backend.helpers import later_day, line, slot
from tests.backend.roomy import ROOMY_LIMITS

DAY = later_day(9)
ADULT = line("ADM", slot("ADM", DAY, 10), "ADM-ADULT")


@pytest.fixture(scope="module")
def backend(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BackendProcess]:
    """The demo backend, its limits out of the way (this module sends many calls)."""
    folder = tmp_path_factory.mktemp("finding8")
    with BackendProcess(folder / "backend.db", extra_args=ROOMY_LIMITS) as proc:
        yield proc


@pytest.fixture
def ops(backend: BackendProcess) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=backend.url, headers=backend.ops_headers(), timeout=10) as c:
        yield c


def _error(r: httpx.Response) -> tuple[int, str, str]:
    error = r.json()["error"]
    return r.status_code, error["code"], error["message"]["en"]


def _resident_id(born: date) -> str:
    first17 = f"110101{born:%Y%m%d}123"
    return first17 + resident_id_check_char(first17)


@pytest.mark.parametrize("quantity", ["3", 2.0, True, 1.5, None, [1]])
def test_finding_8_a_quantity_must_be_a_json_integer(kiosk_http: httpx.Client, quantity: object):
    r = kiosk_http.post("/api/v1/orders", json={"lines": [ADULT | {"quantity": quantity}]})
    status, code, message = _error(r)
    assert (status, code) == (422, "invalid_request"), r.text
    assert "lines.0.quantity" in message


def test_finding_8_an_integer_quantity_is_still_accepted(kiosk_http: httpx.Client):
    r = kiosk_http.post("/api/v1/orders", json={"lines": [ADULT | {"quantity": 2}]})
    assert r.status_code == 201, r.text
    assert len(r.json()["tickets"]) == 2


@pytest.mark.parametrize(
    "name",
    [
        "张\x00伟",  # NUL
        "\x1b[31mZHANG\x1b[0m",  # an ANSI colour escape
        "ZHANG\r\nWei",  # CR/LF: a forged second line in a log or a report
        "\u202eiew GNAHZ",  # RIGHT-TO-LEFT OVERRIDE: shows reversed
        "ZHANG \u2066Wei\u2069",  # LEFT-TO-RIGHT ISOLATE
        "ZHANG\u202aWei",  # LEFT-TO-RIGHT EMBEDDING
        "\nZHANG",  # leading line feed, not stripped away as whitespace
    ],
)
def test_finding_8_names_refuse_control_and_bidi_characters(kiosk_http: httpx.Client, name: str):
    holder = {"doc_type": "id_card", "doc_number": "110101199003072375", "name": name}
    bundle = line("BUNDLE", slot("BUNDLE", DAY, 10), "BUNDLE-ADULT", holders=[holder])
    r = kiosk_http.post("/api/v1/orders", json={"lines": [bundle]})
    status, code, message = _error(r)
    assert (status, code) == (422, "invalid_characters"), r.text
    assert "lines.0.holders.0.name" in message and "U+" in message
    assert r.json()["error"]["message"]["zh"].startswith("姓名或文字中含有不允许的字符")
    buyer = kiosk_http.post("/api/v1/orders", json={"lines": [ADULT], "buyer_name": name})
    assert _error(buyer)[:2] == (422, "invalid_characters"), buyer.text
    assert "buyer_name" in _error(buyer)[2]


def test_finding_8_ordinary_names_pass(kiosk_http: httpx.Client):
    for name in ("张伟", "欧阳娜娜", "O'Brien-Smith, Mary Ann", "José Núñez", "ZHANG Wei"):
        r = kiosk_http.post("/api/v1/orders", json={"lines": [ADULT], "buyer_name": name})
        assert r.status_code == 201, r.text


def test_finding_8_other_free_text_refuses_control_characters(ops: httpx.Client):
    gate = ops.put("/api/v1/ops/gates/G-TEST", json={"component": "ADM", "name_en": "Gate\x1b[2J"})
    assert _error(gate)[:2] == (422, "invalid_characters"), gate.text
    close = ops.post(
        "/api/v1/ops/calendar/close",
        json={"date": later_day(40).isoformat(), "reason_en": "storm\r\nFAKE LINE"},
    )
    assert _error(close)[:2] == (422, "invalid_characters"), close.text


def test_finding_8_an_id_born_in_the_future_is_refused(kiosk_http: httpx.Client):
    unborn = _resident_id(date(2030, 5, 17))  # a valid check character, a birth date to come
    holder = {"doc_type": "id_card", "doc_number": unborn, "name": "未来"}
    bundle = line("BUNDLE", slot("BUNDLE", DAY, 11), "BUNDLE-ADULT", holders=[holder])
    r = kiosk_http.post("/api/v1/orders", json={"lines": [bundle]})
    assert _error(r)[:2] == (422, "invalid_id_number"), r.text
    born = _resident_id(date(1990, 5, 17))
    ok = kiosk_http.post(
        "/api/v1/orders", json={"lines": [bundle | {"holders": [holder | {"doc_number": born}]}]}
    )
    assert ok.status_code == 201, ok.text


@pytest.mark.parametrize("paid_fen", [10**30, MAX_FEN + 1, -1, "100", 99.5])
def test_finding_8_money_on_a_channel_import_is_bounded(ops: httpx.Client, paid_fen: object):
    body = {
        "channel_order_id": f"CT-F8-{abs(hash(str(paid_fen))) % 10**8}",
        "lines": [ADULT],
        "buyer_phone": "13700137001",
        "paid_fen": paid_fen,
    }
    r = ops.post("/api/v1/channels/ctrip/orders", json=body)
    status, code, message = _error(r)
    assert (status, code) == (422, "invalid_request"), r.text
    assert "paid_fen" in message


def test_finding_8_money_at_the_cap_is_accepted(ops: httpx.Client):
    body = {
        "channel_order_id": "CT-F8-CAP",
        "lines": [ADULT],
        "buyer_phone": "13700137001",
        "paid_fen": MAX_FEN,
    }
    r = ops.post("/api/v1/channels/ctrip/orders", json=body)
    assert r.status_code == 201, r.text


@pytest.mark.parametrize(
    "day", ["0", "1700000000", "20261123", "2026-02-30", "2026-11-23T00:00:00", "tomorrow", ""]
)
def test_finding_8_a_date_must_be_a_real_yyyy_mm_dd(kiosk_http: httpx.Client, day: str):
    r = kiosk_http.get("/api/v1/slots", params={"product_id": "ADM", "date": day})
    status, code, message = _error(r)
    assert (status, code) == (422, "invalid_request"), r.text
    assert "date" in message


def test_finding_8_dates_are_checked_on_every_route_that_takes_one(
    kiosk_http: httpx.Client, ops: httpx.Client
):
    for client, path in (
        (kiosk_http, "/api/v1/parents?date=0&phone=13800138000"),
        (ops, "/api/v1/ops/reports/sales?date=0"),
        (ops, "/api/v1/ops/gates/counts?date=0"),
        (ops, "/api/v1/ops/calendar/closures?since=0"),
    ):
        r = client.get(path)
        assert _error(r)[:2] == (422, "invalid_request"), (path, r.text)
    good = kiosk_http.get("/api/v1/slots", params={"product_id": "ADM", "date": DAY.isoformat()})
    assert good.status_code == 200 and good.json()


def test_finding_8_numbers_too_big_for_the_database_are_refused_not_a_500(
    kiosk_http: httpx.Client,
):
    beat = kiosk_http.post("/api/v1/kiosks/kiosk-01/heartbeat", json={"catalog_version": 10**30})
    assert _error(beat)[:2] == (422, "invalid_request"), beat.text
    revoked = kiosk_http.get("/api/v1/tickets/revoked", params={"since": 10**30})
    assert _error(revoked)[:2] == (422, "invalid_request"), revoked.text
