"""E-invoices over real HTTP, on both stores: a kiosk asks for one after paying, the sandbox
tax platform (a real HTTP server on 127.0.0.1) issues it, finance lists it and exports CSV;
personal data masked in every answer and sealed in the database."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path

import httpx
import pytest

from backend_stub.invoicing.sandbox import InvoiceSandbox
from backend_stub.process import BackendProcess, is_url, url_dbname
from tests.backend.helpers import later_day, line, paid_order, slot
from tests.backend.roomy import ROOMY_LIMITS
from tests.fixtures.backend import query

COMPANY_TAX = "91350100M000100Y43"
DAY = later_day(5)


@pytest.fixture(scope="module")
def sandbox() -> Iterator[InvoiceSandbox]:
    box = InvoiceSandbox().start()
    yield box
    box.stop()


@pytest.fixture(scope="module")
def backend(
    tmp_path_factory: pytest.TempPathFactory,
    backend_db: Callable[[Path], str | Path],
    sandbox: InvoiceSandbox,
) -> Iterator[BackendProcess]:
    folder = tmp_path_factory.mktemp("invoices")
    keys = sandbox.write_key_file(folder / "invoice.key")
    extra = [*ROOMY_LIMITS, "--invoice-url", sandbox.url, "--invoice-key-file", str(keys)]
    with BackendProcess(backend_db(folder / "backend.db"), seed="demo", extra_args=extra) as bk:
        yield bk


def ops(backend: BackendProcess) -> httpx.Client:
    return httpx.Client(base_url=backend.url, headers=backend.ops_headers(), timeout=10)


def ask(client: httpx.Client, order_id: str, **body: str) -> httpx.Response:
    return client.post(f"/api/v1/orders/{order_id}/invoice", json=body)


def test_a_company_invoice_is_issued_listed_and_exported(
    kiosk_http: httpx.Client, backend: BackendProcess, sandbox: InvoiceSandbox
):
    order = paid_order(kiosk_http, line("ADM", slot("ADM", DAY, 10), "ADM-ADULT", 2))
    r = ask(kiosk_http, order["id"], title_kind="company", title="云台山旅游有限公司",
            tax_number=COMPANY_TAX.lower(), email="finance@example.com")  # fmt: skip
    assert r.status_code == 201, r.text
    inv = r.json()
    assert inv["status"] == "issued" and inv["invoice_no"]
    assert inv["amount_fen"] == order["total_fen"]
    assert inv["tax_number"] == COMPANY_TAX and inv["email"] == "f***@example.com"
    # the platform got the clear request, signed, with the items
    issued = sandbox.issued[inv["id"]]["request"]
    assert issued["email"] == "finance@example.com" and issued["amount_fen"] == order["total_fen"]
    assert "大门票" in issued["items"][0]["name"]
    # one invoice per order
    again = ask(kiosk_http, order["id"], title_kind="individual", phone="13800138000")
    assert again.status_code == 409 and again.json()["error"]["code"] == "invoice_exists"
    # finance: the list and the CSV
    today = date.today().isoformat()
    with ops(backend) as client:
        listed = client.get("/api/v1/ops/invoices", params={"from": today, "to": today}).json()
        assert inv["id"] in [i["id"] for i in listed["invoices"]]
        exported = client.get("/api/v1/ops/invoices.csv", params={"from": today, "to": today})
        assert exported.headers["content-type"].startswith("text/csv")
        rows = list(csv.DictReader(io.StringIO(exported.text.lstrip("\ufeff"))))
        row = next(r for r in rows if r["order_no"] == order["order_no"])
        assert row["tax_number"] == COMPANY_TAX and row["status"] == "issued"
        assert row["amount_yuan"] == f"{order['total_fen'] / 100:.2f}"
        assert row["email"] == "f***@example.com"
        other = client.get(
            "/api/v1/ops/invoices", params={"from": "2020-01-01", "to": "2020-01-02"}
        )
        assert other.json()["count"] == 0
        # no ops token: refused
        anon = httpx.get(f"{backend.url}/api/v1/ops/invoices", params={"from": today, "to": today})
        assert anon.status_code == 401


def test_an_individual_invoice_keeps_personal_data_sealed(
    kiosk_http: httpx.Client, backend: BackendProcess
):
    order = paid_order(kiosk_http, line("ADM", slot("ADM", DAY, 11), "ADM-ADULT", 1))
    r = ask(kiosk_http, order["id"], title_kind="individual", title="王小明", phone="13912345678")
    assert r.status_code == 201, r.text
    inv = r.json()
    assert inv["title"] == "王**" and inv["phone"] == "139****5678" and inv["status"] == "issued"
    [(title, phone_sealed, phone_masked, email)] = query(
        backend, "SELECT title_shown, phone_sealed, phone_masked, email_sealed FROM invoices "
        "WHERE id = ?", inv["id"],
    )  # fmt: skip
    assert title == "王**" and "13912345678" not in phone_sealed and phone_masked == "139****5678"
    assert email == ""
    log = backend.log_path.read_text(errors="replace")
    assert "13912345678" not in log and "王小明" not in log


def test_bad_requests_say_what_is_wrong_and_nothing_is_recorded(
    kiosk_http: httpx.Client, backend: BackendProcess
):
    one = {"lines": [line("ADM", slot("ADM", DAY, 12), "ADM-ADULT")]}
    held = kiosk_http.post("/api/v1/orders", json=one, headers={"Idempotency-Key": "h1"}).json()
    unpaid = ask(kiosk_http, held["id"], title_kind="individual", phone="13800138000")
    assert unpaid.status_code == 409 and unpaid.json()["error"]["code"] == "order_not_paid"
    order = paid_order(kiosk_http, line("ADM", slot("ADM", DAY, 12), "ADM-ADULT", 1))
    cases = [
        ({"title_kind": "company", "title": "ACME", "tax_number": "91350100M000100Y44",
          "email": "a@example.com"}, 422, "tax_number_invalid"),
        ({"title_kind": "company", "tax_number": COMPANY_TAX, "email": "a@example.com"}, 422,
         "invoice_title_missing"),
        ({"title_kind": "individual", "email": "not-mail"}, 422, "invalid_email"),
        ({"title_kind": "individual"}, 422, "invoice_contact_missing"),
        ({"title_kind": "nobody", "email": "a@example.com"}, 422, "invalid_request"),
    ]  # fmt: skip
    for body, status, code in cases:
        r = ask(kiosk_http, order["id"], **body)
        assert (r.status_code, r.json()["error"]["code"]) == (status, code), (body, r.text)
        assert r.json()["error"]["message"]["zh"] and r.json()["error"]["message"]["en"]
    assert query(backend, "SELECT COUNT(*) FROM invoices WHERE order_id = ?", order["id"]) == [(0,)]
    # another kiosk's order is not found; an OTA's order is the OTA's to invoice
    ota = ask(kiosk_http, "o-no-such-order", title_kind="individual", phone="13800138000")
    assert ota.status_code == 404


def test_a_platform_refusal_is_recorded(kiosk_http: httpx.Client):
    order = paid_order(kiosk_http, line("ADM", slot("ADM", DAY, 13), "ADM-ADULT", 1))
    r = ask(kiosk_http, order["id"], title_kind="company", title="REFUSE ME LTD",
            tax_number=COMPANY_TAX, email="a@example.com")  # fmt: skip
    assert r.status_code == 201 and r.json()["status"] == "refused"
    assert r.json()["failure_code"] == "title_rejected"


def purge_as_of(backend: BackendProcess, today: date) -> dict:
    """`kiosk backend purge` as an operator runs it, the backend still running (either store)."""
    cmd = [sys.executable, "-m", "appliance.cli", "backend", "purge", "--today", today.isoformat()]
    if is_url(backend.db):
        key = backend.workdir / f"{url_dbname(str(backend.db))}.personal-data.key"
        cmd += ["--db", str(backend.db), "--personal-data-key-file", str(key)]
    else:
        cmd += ["--db", str(backend.db_path)]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


CLEARED = (
    "SELECT title_kind, title_shown, title_sealed, tax_number, email_hash, email_sealed, "
    "email_masked, phone_hash, phone_sealed, phone_masked, amount_fen, status FROM invoices "
    "WHERE id = ?"
)


def test_retention_clears_an_invoices_personal_data_and_keeps_the_books(
    kiosk_http: httpx.Client, backend: BackendProcess
):
    """Last in this module: the purge clears every order of DAY the other tests made too."""
    person = paid_order(kiosk_http, line("ADM", slot("ADM", DAY, 14), "ADM-ADULT", 1))
    company = paid_order(kiosk_http, line("ADM", slot("ADM", DAY, 15), "ADM-ADULT", 1))
    later = paid_order(kiosk_http, line("ADM", slot("ADM", later_day(8), 14), "ADM-ADULT", 1))
    asked = [
        ask(kiosk_http, person["id"], title_kind="individual", title="王小明",
            phone="13912345678", email="wang@example.com"),
        ask(kiosk_http, company["id"], title_kind="company", title="云台山旅游有限公司",
            tax_number=COMPANY_TAX, email="finance@example.com"),
        ask(kiosk_http, later["id"], title_kind="individual", title="李四", phone="13700137000"),
    ]  # fmt: skip
    assert [r.status_code for r in asked] == [201, 201, 201], [r.text for r in asked]
    inv_person, inv_company, inv_later = (r.json()["id"] for r in asked)
    [kept_later] = query(backend, CLEARED, inv_later)

    # 90 days after the visit: kept; the day after: the name and contact gone, the books kept
    purge_as_of(backend, DAY + timedelta(days=90))
    [(_, title, sealed, *_rest)] = query(backend, CLEARED, inv_person)
    assert title == "王**" and sealed
    assert purge_as_of(backend, DAY + timedelta(days=91))["orders_cleared"] >= 2
    [row] = query(backend, CLEARED, inv_person)
    assert row[0] == "individual" and row[10] == person["total_fen"] and row[11] == "issued"
    assert row[1:3] == ("", "") and row[4:10] == ("",) * 6
    [row] = query(backend, CLEARED, inv_company)
    assert row[1] == "云台山旅游有限公司" and row[3] == COMPANY_TAX  # not personal data
    assert row[4:10] == ("",) * 6
    assert query(backend, CLEARED, inv_later) == [kept_later]  # its visit is later: kept
    with ops(backend) as client:  # finance still lists it, masked fields now empty
        today = date.today().isoformat()
        listed = client.get("/api/v1/ops/invoices", params={"from": today, "to": today}).json()
    shown = next(i for i in listed["invoices"] if i["id"] == inv_person)
    assert (shown["title"], shown["phone"], shown["email"]) == ("", "", "")
    assert shown["amount_fen"] == person["total_fen"]
