"""Members and staff in a real Chromium against a real backend: points adjusted with a reason
land in the member's ledger (taking more than the balance is refused next to the field); a new
staff member's PIN works at a kiosk (`/staff/verify`), a reset PIN replaces it, and once he is
disabled the kiosk refuses him."""

from __future__ import annotations

import httpx
from selenium.webdriver.common.by import By

from tests.console.catalog_helpers import click_through, field_errors, fill, provision_http, submit
from tests.fixtures.console import login, open_page, shots


def test_points_are_adjusted_with_a_reason(driver):
    login(driver, "ops")
    open_page(driver, "/console/members/M1001", "en")
    before = int(driver.find_element(By.ID, "balance").text)
    fill(driver, {"delta": str(-before - 1), "reason": "typo"}, "points-form")
    submit(driver, "points-form")
    assert "Not enough points" in field_errors(driver)["delta"]
    fill(driver, {"delta": "300", "reason": "goodwill after a complaint"}, "points-form")
    submit(driver, "points-form")
    assert int(driver.find_element(By.ID, "balance").text) == before + 300
    first = driver.find_element(By.CSS_SELECTOR, "#ledger-table tbody tr").text
    assert "+300" in first and "goodwill after a complaint" in first
    names = [
        r.text for r in driver.find_elements(By.CSS_SELECTOR, "#members-table td:nth-child(2)")
    ]
    assert "李*" in names and "李娜" not in names  # masked
    shots(driver, "/console/members/M1001", "members")


def test_a_disabled_staff_member_is_refused_at_the_kiosk(driver, console_backend):
    token = provision_http(console_backend.url, "kiosk-staff-1")
    kiosk = httpx.Client(
        base_url=console_backend.url + "/api/v1",
        timeout=10,
        headers={"Authorization": f"Bearer {token}"},
    )
    login(driver, "ops")
    open_page(driver, "/console/staff", "en")
    fill(
        driver,
        {
            "id": "S301",
            "name": "孙师傅",
            "role": "supervisor",
            "card_uid": "04A1B2C3",
            "pin": "123456",
        },
        "staff-form",
    )
    submit(driver, "staff-form")
    assert "too easy" in field_errors(driver)["pin"]
    fill(driver, {"id": "S301", "name": "孙师傅", "pin": "482913"}, "staff-form")
    submit(driver, "staff-form")
    row = driver.find_element(By.CSS_SELECTOR, "tr[data-staff='S301']")
    assert "Active" in row.text
    verify = {"staff_id": "S301", "pin": "482913"}
    assert kiosk.post("/staff/verify", json=verify).status_code == 200
    # a new PIN replaces the old one
    row.find_element(By.NAME, "pin").send_keys("736150")
    click_through(driver, row.find_element(By.CSS_SELECTOR, ".pin-form button"))
    assert "PIN reset" in driver.find_element(By.CSS_SELECTOR, ".flash.ok").text
    assert kiosk.post("/staff/verify", json=verify).status_code == 401
    assert kiosk.post("/staff/verify", json=verify | {"pin": "736150"}).status_code == 200
    # disabled: refused at once
    row = driver.find_element(By.CSS_SELECTOR, "tr[data-staff='S301']")
    click_through(driver, row.find_element(By.CSS_SELECTOR, "form.inline button"))
    assert "Disabled" in driver.find_element(By.CSS_SELECTOR, "tr[data-staff='S301']").text
    refused = kiosk.post("/staff/verify", json=verify | {"pin": "736150"})
    assert refused.status_code == 401 and refused.json()["error"]["code"] == "wrong_pin"
    shots(driver, "/console/staff", "staff")
