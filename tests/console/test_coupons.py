"""Coupons in a real Chromium, used at a real kiosk process: an operations user creates a
coupon (a wrong value is refused next to its field), a kiosk's order with it is discounted by
the backend, and the coupons page counts the use; a batch of single-use codes is issued and
shown once; a coupon switched off is refused at the kiosk."""

from __future__ import annotations

from selenium.webdriver.common.by import By

from tests.console.catalog_helpers import click_through, field_errors, fill, provision_http, submit
from tests.console.kiosk_agent import KioskAgent
from tests.fixtures.console import login, open_page, shots


def test_a_coupon_made_on_the_console_is_used_at_a_kiosk(driver, console_backend):
    token = provision_http(console_backend.url, "kiosk-coupon-1")
    login(driver, "ops")
    open_page(driver, "/console/coupons", "en")
    fill(
        driver,
        {
            "code": "AUTUMN15",
            "value": "-3",
            "min_spend": "100",
            "usage_limit": "5",
            "name_zh": "秋季立减15元",
            "name_en": "15 off in autumn",
        },
        "coupon-form",
    )
    submit(driver, "coupon-form")
    assert "amount" in field_errors(driver)["value"]
    assert not driver.find_elements(By.CSS_SELECTOR, "tr[data-code='AUTUMN15']")
    fill(driver, {"value": "15"}, "coupon-form")
    driver.find_element(By.CSS_SELECTOR, "#f-product_ids input[value='ADM']").click()
    submit(driver, "coupon-form")
    row = driver.find_element(By.CSS_SELECTOR, "tr[data-code='AUTUMN15']")
    assert "0 / 5" in row.find_element(By.CLASS_NAME, "used").text
    kiosk = KioskAgent(console_backend.url, "kiosk-coupon-1", token)
    try:
        kiosk.wait_any_version()
        plain = kiosk.buy("ADM", "ADM-ADULT")["order"]
        used = kiosk.buy("ADM", "ADM-ADULT", coupon="autumn15", keep=True)["order"]
        assert used["coupon_code"] == "AUTUMN15"
        assert used["total_fen"] == plain["total_fen"] - 1500
        open_page(driver, "/console/coupons", "en")
        row = driver.find_element(By.CSS_SELECTOR, "tr[data-code='AUTUMN15']")
        assert row.find_element(By.CLASS_NAME, "used").text == "1 / 5"
        # switched off: the kiosk is told the coupon is not valid
        click_through(driver, row.find_element(By.CSS_SELECTOR, "form button"))
        driver.find_element(By.CSS_SELECTOR, "tr.off[data-code='AUTUMN15']")
        assert kiosk.buy("ADM", "ADM-ADULT", coupon="AUTUMN15") == {"error": "coupon_invalid"}
    finally:
        kiosk.stop()
    # a batch of single-use codes, shown once
    fill(
        driver,
        {
            "code": "VIP",
            "kind": "percent",
            "value": "10",
            "count": "5",
            "name_zh": "贵宾九折",
            "name_en": "VIP 10% off",
        },
        "coupon-form",
    )
    submit(driver, "coupon-form")
    codes = driver.find_element(By.ID, "codes-text").text.split()
    assert len(codes) == 5 and all(c.startswith("VIP-") for c in codes)
    assert len(driver.find_elements(By.CSS_SELECTOR, "tr[data-code^='VIP-']")) == 5
    shots(driver, "/console/coupons", "coupons")
