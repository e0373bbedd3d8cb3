"""Reports in a real Chromium: after kiosk sales and a refund, today's report shows totals
whose net equals the money in the database (successful payments + what channels collected −
refunds, summed here straight from the payments/orders/refunds tables); the CSV and XLSX
exports carry the same totals; a range that ends before it starts is said next to the field."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import httpx
import openpyxl
from selenium.webdriver.common.by import By

from tests.backend.helpers import later_day, line, paid_order, slot
from tests.fixtures.backend import query
from tests.fixtures.console import http_login, login, open_page, shots, submit


def _money_in_db(backend, day: date) -> dict[str, int]:
    lo, hi = day.isoformat(), (day + timedelta(days=1)).isoformat()
    paid = query(
        backend,
        "SELECT COALESCE(SUM(amount_fen), 0) FROM payments "
        "WHERE status = 'success' AND paid_at >= ? AND paid_at < ?",
        lo,
        hi,
    )[0][0]
    collected = query(
        backend,
        "SELECT COALESCE(SUM(total_fen), 0) FROM orders WHERE "
        "channel != 'kiosk' AND paid_at >= ? AND paid_at < ?",
        lo,
        hi,
    )[0][0]
    back = query(
        backend,
        "SELECT COALESCE(SUM(amount_fen), 0) FROM refunds WHERE created_at >= ? AND created_at < ?",
        lo,
        hi,
    )[0][0]
    tickets = query(
        backend,
        "SELECT COUNT(*) FROM tickets t JOIN orders o ON o.id = "
        "t.order_id WHERE o.paid_at >= ? AND o.paid_at < ?",
        lo,
        hi,
    )[0][0]
    return {"net": paid + collected - back, "refunds": back, "tickets": tickets}  # fmt: skip


def _sell_and_refund(backend) -> None:
    with httpx.Client(base_url=backend.url, headers=backend.kiosk_headers(), timeout=10) as c:
        day = later_day(6)
        kept = paid_order(c, line("ADM", slot("ADM", day, 11), "ADM-ADULT", qty=1))
        back = paid_order(c, line("ADM", slot("ADM", day, 12), "ADM-ADULT", qty=2))
    assert kept["status"] == back["status"] == "paid"
    client = http_login(backend.url, "finance")
    answer = client.post(f"/console/orders/{back['id']}/refund",
                         data={"csrf_token": client.csrf, "ticket_id": back["tickets"][0]["id"],
                               "refund_reason": "report test"})  # fmt: skip
    assert answer.status_code == 303, answer.text


def test_report_totals_reconcile_and_export(driver, console_backend):
    _sell_and_refund(console_backend)
    today = date.today()
    money = _money_in_db(console_backend, today)
    assert money["refunds"] > 0
    login(driver, "finance")
    open_page(driver, "/console/reports", "en")
    net_tile = driver.find_element(By.CSS_SELECTOR, '#report-totals [data-measure="net_fen"]')
    assert f"¥{money['net'] / 100:.2f}" in net_tile.text
    tickets_tile = driver.find_element(By.CSS_SELECTOR, '#report-totals [data-measure="tickets"]')
    assert str(money["tickets"]) in tickets_tile.text
    assert driver.find_elements(By.CSS_SELECTOR, "#chart-hourly rect.bar")
    assert "kiosk" in driver.find_element(By.ID, "chart-channels").text
    assert driver.find_element(By.CSS_SELECTOR, '#by-channel tr[data-key="kiosk"]')
    shots(driver, "/console/reports", "reports", tablet=False)
    # a range that ends before it starts: said next to the field
    open_page(driver, "/console/reports", "zh")
    for field, value in (("f-start", "2026-12-09"), ("f-end", "2026-12-01")):  # (date pickers)
        driver.execute_script("arguments[0].value = arguments[1]",
                              driver.find_element(By.ID, field), value)  # fmt: skip
    submit(driver, driver.find_element(By.ID, "report-show"))
    assert "结束日期" in driver.find_element(By.ID, "err-end").text
    # the exports: same totals
    client = http_login(console_backend.url, "finance")
    span = {"start": today.isoformat(), "end": today.isoformat()}
    got = client.get("/console/reports/export.csv", params=span)
    assert got.status_code == 200 and "attachment" in got.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(got.content.decode("utf-8-sig"))))
    header = rows[1]
    total = dict(zip(header, next(r for r in rows if r and r[0] == "total"), strict=True))
    assert int(total["net_fen"]) == money["net"]
    assert int(total["refunds_fen"]) == money["refunds"]
    assert int(total["tickets"]) == money["tickets"]
    got = client.get("/console/reports/export.xlsx", params=span)
    assert got.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(got.content))["summary"]
    cells = [[c.value for c in row] for row in sheet.iter_rows()]
    names = cells[1]
    xtotal = dict(zip(names, next(r for r in cells if r[0] == "total"), strict=True))
    assert round(xtotal["net_fen"] * 100) == money["net"]
    # a viewer may read reports, operations may not
    assert http_login(console_backend.url, "viewer").get("/console/reports").status_code == 200
    assert http_login(console_backend.url, "ops").get("/console/reports").status_code == 403
