"""A park set up from nothing, as its operator would: the bundled backend started for
production (`--seed none`: an empty database, no demo users, payments through the WeChat Pay
sandbox named in a payments config), the first admin made with `kiosk backend create-admin`,
then in the console (a real Chromium): a product, a ticket type (typed `Adult`: accepted as
the code `adult`), a slot template that generates the slots, a kiosk provisioned. Then the
kiosk's own client (kiosk/client.py) with that credential sees the catalog and the slots, buys
a ticket, pays it with a WeChat payment code through the sandbox, and fetches the ticket to
print (its signed code), reporting it printed."""

from __future__ import annotations

import asyncio
import re
import subprocess
import uuid
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from types import SimpleNamespace

import httpx
import pytest
from selenium.webdriver.common.by import By

from backend_stub.payments.sandboxes import start_sandboxes
from backend_stub.process import BackendProcess
from kiosk.client import BackendClient
from kiosk.domain.ticket_code import public_key_from_b64, verify_ticket
from tests.console.catalog_helpers import field_errors, fill, submit
from tests.fixtures.console import LAPTOP, http_login, login, open_page, shot

ROOT = Path(__file__).resolve().parents[2]
ADMIN, PASSWORD = "parkboss", "Lakeside-Gate-2026"
WECHAT_CODE = "134567890123456780"  # a WeChat payment code (18 digits from 10-15)


@pytest.fixture(scope="module")
def park(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimpleNamespace]:
    work = tmp_path_factory.mktemp("fresh-park")
    sandboxes = start_sandboxes(work / "sandbox", ("wechat",))
    db = work / "park.db"
    backend = BackendProcess(db, seed="none", ops_token=uuid.uuid4().hex + uuid.uuid4().hex,
                             payments=sandboxes.config_path)  # fmt: skip
    try:
        with backend:
            yield SimpleNamespace(backend=backend, db=db, wechat=sandboxes.servers["wechat"].url)
    finally:
        sandboxes.stop()


@pytest.fixture
def fresh_driver(browser, park):
    browser.console_base = park.backend.url
    browser.get(park.backend.url + "/console/login")
    browser.delete_all_cookies()
    browser.set_window_size(*LAPTOP)
    return browser


def _create_admin(db: Path, password: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(ROOT / ".venv" / "bin" / "kiosk"), "backend", "create-admin", "--db", str(db),
         "--username", ADMIN, "--display-name", "Park manager", "--password-stdin"],
        input=password + "\n", capture_output=True, text=True, timeout=60, cwd=ROOT,
    )  # fmt: skip


def test_a_park_from_nothing_sells_its_first_ticket(fresh_driver, park):
    driver = fresh_driver
    # an empty database: nobody can sign in, nothing is for sale
    assert "login" in driver.current_url
    # the first admin, from the command line (a weak password is refused with the reason)
    weak = _create_admin(park.db, "password")
    assert weak.returncode == 2 and "password" in weak.stderr, weak
    made = _create_admin(park.db, PASSWORD)
    assert made.returncode == 0, made.stderr
    login(driver, ADMIN, PASSWORD)
    # every page of the menu opens on the empty database (no product, kiosk, order yet)
    admin = http_login(park.backend.url, ADMIN, PASSWORD)
    paths = [a.get_attribute("href") for a in driver.find_elements(By.CSS_SELECTOR, "nav.nav a")]
    assert len(paths) >= 14
    for path in [*paths, f"{park.backend.url}/console/reports/export.csv"]:
        answer = admin.get(path)
        assert answer.status_code == 200, (path, answer.status_code, answer.text[:300])
    open_page(driver, "/console/catalog", "en")
    shot(driver, "fresh-catalog-empty")
    # a product
    driver.find_element(By.ID, "new-product").click()
    fill(driver, {"id": "lake", "name_zh": "湖区门票", "name_en": "Lake park",
                  "max_per_order": "10", "sort": "1"}, "product-form")  # fmt: skip
    submit(driver, "product-form")
    assert not field_errors(driver), field_errors(driver)
    assert driver.current_url.split("?")[0].endswith("/console/catalog/LAKE")
    # a ticket type: a code with a space is refused next to the field, nothing saved; typed
    # "Adult" as an operator would, it is accepted as the code `adult`
    fill(driver, {"code": "Adult ticket", "price": "60", "name_zh": "成人票", "name_en": "Adult"},
         "type-form")  # fmt: skip
    submit(driver, "type-form")
    assert "lower-case letters" in field_errors(driver)["code"]
    assert not driver.find_elements(By.CSS_SELECTOR, "#types-table tr[data-type]")
    fill(driver, {"code": "Adult", "price": "60", "name_zh": "成人票", "name_en": "Adult"},
         "type-form")  # fmt: skip
    submit(driver, "type-form")
    assert not field_errors(driver), field_errors(driver)
    row = driver.find_element(By.CSS_SELECTOR, "#types-table tr[data-type='LAKE-ADULT']")
    assert "¥60" in row.text and "adult" in row.text
    # a slot template: the slots of the rolling window are generated
    open_page(driver, "/console/calendar?product=LAKE", "en")
    fill(driver, {"times": "09:00-12:00, 13:00-17:00", "capacity": "50", "name": "Daily"},
         "template-form")  # fmt: skip
    submit(driver, "template-form")
    assert not field_errors(driver), field_errors(driver)
    assert "slots generated" in driver.find_element(By.CSS_SELECTOR, ".flash.ok").text
    # a kiosk
    open_page(driver, "/console/kiosks", "en")
    form = driver.find_element(By.ID, "provision-kiosk")
    form.find_element(By.ID, "f-kiosk_id").send_keys("Gate-01")  # (saved as gate-01)
    form.find_element(By.ID, "f-name").send_keys("North gate")
    submit(driver, "provision-kiosk")
    token = driver.find_element(By.ID, "kiosk-token").text.strip()
    assert re.fullmatch(r"[A-Za-z0-9_-]{20,200}", token)
    shot(driver, "fresh-kiosk-provisioned")
    # the kiosk's own client with that credential: catalog, slots, order, payment, tickets
    bought = asyncio.run(_kiosk_buys(park.backend.url, "gate-01", token))
    assert bought["product"] == ("LAKE", "湖区门票", "Lake park")
    assert bought["types"] == [("LAKE-ADULT", "成人票", "Adult")]
    assert bought["slots"] == [("09:00", 50, 6000), ("13:00", 50, 6000)]
    assert bought["order_status"] == "paid" and bought["total_fen"] == 6000
    assert bought["payment"] == "success"
    # the code printed as the QR verifies with the park's public key, as the gate does
    keys = httpx.get(park.backend.url + "/api/v1/keys").json()["keys"]
    claims = verify_ticket(
        bought["ticket_code"], {k["kid"]: public_key_from_b64(k["public_key"]) for k in keys}
    )
    assert (claims.ticket_id, claims.product_id, claims.ticket_type_id, claims.slot_id) == (
        bought["ticket_id"], "LAKE", "LAKE-ADULT", bought["slot_id"],
    )  # fmt: skip
    # the money went through WeChat Pay (its sandbox's ledger): one trade, paid, 60.00
    trades = httpx.get(park.wechat + "/_sandbox/ledger").json()["trades"]
    assert [(t["amount_fen"], t["state"]) for t in trades] == [(6000, "SUCCESS")], trades
    assert bought["printed"] == "printed"
    # the console shows the order and the kiosk online
    open_page(driver, "/console/fleet", "en")
    row = driver.find_element(By.CSS_SELECTOR, 'tr[data-kiosk="gate-01"]')
    assert "1 · ¥60.00" in row.text, row.text


async def _kiosk_buys(url: str, kiosk_id: str, token: str) -> dict[str, object]:
    async with BackendClient(url, kiosk_id, token) as client:
        catalog = await client.catalog()
        [product] = catalog.products
        day = (date.today() + timedelta(days=1)).isoformat()
        slots = await client.slots(product.id, day)
        order = await client.create_order(
            {"lines": [{"product_id": product.id, "slot_id": slots[0].id,
                        "ticket_type_id": product.ticket_types[0].id, "quantity": 1}]},
            uuid.uuid4().hex,
        )  # fmt: skip
        payment = await client.pay(order.id, WECHAT_CODE, uuid.uuid4().hex)
        for _ in range(100):
            if payment.status != "userpaying":
                break
            await asyncio.sleep(0.1)
            payment = await client.get_payment(order.id, payment.id)
        paid = await client.get_order(order.id)
        [ticket] = paid.tickets
        await client.mark_printed(ticket.id, uuid.uuid4().hex)
        await client.heartbeat({"devices": {}, "paper_level": "ok", "version": "test",
                                "catalog_version": None})  # fmt: skip
        printed = await client.get_order(order.id)
    return {
        "product": (product.id, product.name_zh, product.name_en),
        "types": [(t.id, t.name_zh, t.name_en) for t in product.ticket_types],
        "slots": [(s.start, s.capacity, s.prices.get(product.ticket_types[0].id)) for s in slots],
        "order_id": order.id, "order_status": paid.status, "total_fen": paid.total_fen,
        "payment": payment.status, "ticket_code": ticket.code, "ticket_id": ticket.id,
        "slot_id": slots[0].id,
        "printed": printed.tickets[0].status,
    }  # fmt: skip
