"""Orders pages in a real Chromium: a kiosk sells an order (the kiosk API, paid through the
payment simulator); finance finds it by the buyer's phone (matched by its keyed hash, never
shown back in clear), opens it and refunds one ticket by the park's policy with a reason; the
database agrees; a viewer reads but cannot refund."""

from __future__ import annotations

import httpx
from selenium.webdriver.common.by import By

from tests.backend.helpers import later_day, line, paid_order, slot
from tests.fixtures.backend import query
from tests.fixtures.console import http_login, login, open_page, shot, shots, submit

PHONE = "13912345678"


def _sell(backend, phone: str = PHONE) -> dict:
    with httpx.Client(base_url=backend.url, headers=backend.kiosk_headers(), timeout=10) as c:
        day = later_day(4)
        return paid_order(c, line("ADM", slot("ADM", day, 10), "ADM-ADULT", qty=2),
                          buyer_phone=phone)  # fmt: skip


def test_find_an_order_by_phone_and_refund_one_ticket(driver, console_backend):
    sold = _sell(console_backend)
    assert sold["status"] == "paid" and len(sold["tickets"]) == 2
    login(driver, "finance")
    open_page(driver, "/console/orders", "zh")
    form = driver.find_element(By.ID, "order-search")
    form.find_element(By.ID, "f-phone").send_keys("12ab")  # not a phone: said next to it
    submit(driver, driver.find_element(By.ID, "search-orders"))
    assert "手机号" in driver.find_element(By.ID, "err-phone").text
    driver.find_element(By.ID, "f-phone").send_keys(PHONE)
    submit(driver, driver.find_element(By.ID, "search-orders"))
    rows = driver.find_elements(By.CSS_SELECTOR, "#orders-table tr[data-order]")
    assert [r.get_attribute("data-order") for r in rows] == [sold["order_no"]]
    assert PHONE not in driver.page_source and "139****5678" in driver.page_source
    shot(driver, "orders-search")
    rows[0].find_element(By.TAG_NAME, "a").click()
    assert driver.find_element(By.ID, "order-no").text == sold["order_no"]
    assert "wechat" in driver.find_element(By.ID, "payments-table").text.lower()
    shots(driver, f"/console/orders/{sold['id']}", "orders-page", tablet=False)
    # refund one ticket: no reason -> said next to the field, nothing refunded
    open_page(driver, f"/console/orders/{sold['id']}", "en")
    first = sold["tickets"][0]["id"]
    form = driver.find_element(By.ID, "refund-form")
    form.find_element(By.CSS_SELECTOR, f'input[name=ticket_id][value="{first}"]').click()
    submit(driver, driver.find_element(By.ID, "refund-submit"))
    assert "reason" in driver.find_element(By.ID, "err-refund_reason").text.lower()
    assert query(console_backend, "SELECT COUNT(*) FROM refunds WHERE order_id = ?",
                 sold["id"]) == [(0,)]  # fmt: skip
    form = driver.find_element(By.ID, "refund-form")
    box = form.find_element(By.CSS_SELECTOR, f'input[name=ticket_id][value="{first}"]')
    assert box.is_selected()  # what was picked is kept
    form.find_element(By.ID, "f-refund_reason").send_keys("visitor ill, doctor's note")
    submit(driver, driver.find_element(By.ID, "refund-submit"))
    assert "Refunded." in driver.find_element(By.CSS_SELECTOR, ".flash.ok").text
    assert driver.find_element(By.ID, "order-status").text == "Partly refunded"
    refunds = query(console_backend, "SELECT ticket_id, amount_fen, fee_fen FROM refunds "
                    "WHERE order_id = ?", sold["id"])  # fmt: skip
    assert [r[0] for r in refunds] == [first]
    assert refunds[0][1] + refunds[0][2] == sold["tickets"][0]["paid_fen"]
    assert f"{refunds[0][1] / 100:.2f}" in driver.find_element(By.ID, "order-refunded").text
    assert "doctor" in driver.find_element(By.ID, "order-audit").text
    statuses = dict(query(console_backend, "SELECT id, status FROM tickets WHERE order_id = ?",
                          sold["id"]))  # fmt: skip
    assert statuses[first] == "refunded" and statuses[sold["tickets"][1]["id"]] == "issued"
    shot(driver, "orders-refunded")
    # a viewer reads the order, has no refund form, and a refund it posts is refused
    client = http_login(console_backend.url, "viewer")
    page = client.get(f"/console/orders/{sold['id']}")
    assert page.status_code == 200 and "refund-form" not in page.text
    second = sold["tickets"][1]["id"]
    refused = client.post(f"/console/orders/{sold['id']}/refund",
                          data={"csrf_token": client.csrf, "ticket_id": second,
                                "refund_reason": "x"})  # fmt: skip
    assert refused.status_code == 403
    assert query(console_backend, "SELECT status FROM tickets WHERE id = ?", second) == [
        ("issued",)
    ]


def test_flag_a_lost_ticket_to_reprint_once_at_a_kiosk(driver, console_backend):
    """Finance flags a printed ticket "reprint once at a kiosk" from the order page (a reason
    needed, said next to the field); the flag shows with who and why, and can be cancelled."""
    sold = _sell(console_backend, "13912340000")  # (not the phone the search above finds)
    first = sold["tickets"][0]["id"]
    with httpx.Client(base_url=console_backend.url, headers=console_backend.kiosk_headers(),
                      timeout=10) as kiosk:  # fmt: skip
        for t in sold["tickets"]:
            assert kiosk.post(f"/api/v1/tickets/{t['id']}/printed", json={}).status_code == 200
    login(driver, "finance")
    open_page(driver, f"/console/orders/{sold['id']}", "zh")
    assert "补打" in driver.find_element(By.ID, "reprint-note").text
    form = driver.find_element(By.ID, "reprint-form")
    form.find_element(By.CSS_SELECTOR, f'input[name=ticket_id][value="{first}"]').click()
    submit(driver, driver.find_element(By.ID, "reprint-submit"))
    assert "原因" in driver.find_element(By.ID, "err-reprint_reason").text
    assert query(console_backend, "SELECT COUNT(*) FROM reprint_flags WHERE order_id = ?",
                 sold["id"]) == [(0,)]  # fmt: skip
    form = driver.find_element(By.ID, "reprint-form")
    form.find_element(By.ID, "f-reprint_reason").send_keys("游客门票遗失 ticket lost")
    submit(driver, driver.find_element(By.ID, "reprint-submit"))
    assert "已标记补打" in driver.find_element(By.CSS_SELECTOR, ".flash.ok").text
    row = driver.find_element(By.CSS_SELECTOR, f'#reprint-table tr[data-flag-ticket="{first}"]')
    assert row.get_attribute("data-flag-state") == "open" and "finance" in row.text
    assert query(console_backend, "SELECT state, reason FROM reprint_flags WHERE ticket_id = ?",
                 first) == [("open", "游客门票遗失 ticket lost")]  # fmt: skip
    shots(driver, f"/console/orders/{sold['id']}", "orders-reprint-flag", tablet=False)
    open_page(driver, f"/console/orders/{sold['id']}", "en")
    row = driver.find_element(By.CSS_SELECTOR, f'#reprint-table tr[data-flag-ticket="{first}"]')
    submit(driver, row.find_element(By.CSS_SELECTOR, "button.unflag"))
    assert "cancelled" in driver.find_element(By.CSS_SELECTOR, ".flash.ok").text
    row = driver.find_element(By.CSS_SELECTOR, f'#reprint-table tr[data-flag-ticket="{first}"]')
    assert row.get_attribute("data-flag-state") == "cancelled"
    assert "reprint_unflag" in driver.find_element(By.ID, "order-audit").text
