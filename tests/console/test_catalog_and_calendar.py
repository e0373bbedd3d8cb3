"""The catalog and the calendar in a real Chromium against a real backend: an operations user
creates an add-on bound to the admission product (a form with mistakes comes back with a
message next to each field, nothing saved), gives it a ticket type, and a kiosk's catalog has
it at once; a slot template generates a month of its slots (a kiosk sees them); a day's slots
open beside the month (htmx); a capacity below what is sold is refused with the number sold;
a slot is closed and reopened."""

from __future__ import annotations

import calendar as months
from datetime import date, timedelta

import httpx
import pytest
from selenium.webdriver.common.by import By

from tests.console.catalog_helpers import (
    click_through,
    field_errors,
    fill,
    provision_http,
    submit,
    until,
)
from tests.fixtures.console import login, open_page, shot, shots


@pytest.fixture(scope="module")
def kiosk(console_backend) -> dict[str, str]:
    """A kiosk of this module's own (provisioned on the kiosks page), as its bearer header."""
    token = provision_http(console_backend.url, "kiosk-catalog-1")
    return {"Authorization": f"Bearer {token}"}


def test_an_addon_bound_to_admission_reaches_the_kiosks(driver, console_backend, kiosk):
    login(driver, "ops")
    shots(driver, "/console/catalog", "catalog")
    open_page(driver, "/console/catalog", "en")
    click_through(driver, "new-addon")
    fill(driver, {"id": "BUS", "addons_per_parent": "0"}, "product-form")
    submit(driver, "product-form")
    errors = field_errors(driver)
    assert set(errors) >= {"name_zh", "name_en", "parent_product_id", "addons_per_parent"}
    assert "admission" in errors["parent_product_id"]
    shot(driver, "catalog-product-errors")
    fill(
        driver,
        {
            "name_zh": "环线观光车",
            "name_en": "Loop bus",
            "parent_product_id": "ADM",
            "addons_per_parent": "2",
            "desc_zh": "园内环线",
            "desc_en": "Round the park",
            "sort": "6",
        },
        "product-form",
    )
    submit(driver, "product-form")
    assert driver.current_url.split("?")[0].endswith("/console/catalog/BUS")
    assert "Product saved" in driver.find_element(By.CSS_SELECTOR, ".flash.ok").text
    fill(
        driver,
        {"code": "adult", "price": "25", "name_zh": "成人票", "name_en": "Adult"},
        "type-form",
    )
    submit(driver, "type-form")
    row = driver.find_element(By.CSS_SELECTOR, "#types-table tr[data-type='BUS-ADULT']")
    assert "¥25" in row.text
    shots(driver, "/console/catalog/BUS", "catalog-product")
    shots(driver, "/console/catalog/BUS/types/BUS-ADULT", "catalog-type", tablet=False)
    # a kiosk's next poll has it, bound to admission, two per parent
    body = httpx.get(console_backend.url + "/api/v1/catalog", headers=kiosk).json()
    bus = next(p for p in body["products"] if p["id"] == "BUS")
    assert bus["kind"] == "addon" and bus["parent_product_id"] == "ADM"
    assert bus["sale_rules"]["addons_per_parent"] == 2
    assert bus["name"] == {"zh": "环线观光车", "en": "Loop bus"}
    assert [(t["id"], t["base_fen"]) for t in bus["ticket_types"]] == [("BUS-ADULT", 2500)]


def test_a_template_generates_a_month_of_slots(driver, console_backend, kiosk):
    login(driver, "ops")
    open_page(driver, "/console/calendar?product=BUS", "en")
    fill(driver, {"times": "9-12", "capacity": "40"}, "template-form")
    submit(driver, "template-form")
    assert "08:00-09:00" in field_errors(driver)["times"]
    fill(
        driver,
        {"times": "09:00-12:00, 13:00-17:00", "capacity": "40", "name": "Daily"},
        "template-form",
    )
    submit(driver, "template-form")
    assert "slots generated" in driver.find_element(By.CSS_SELECTOR, ".flash.ok").text
    # next month: every day within the rolling window (60 days after today) has its two
    # slots; on the first days of a month the window ends before next month does
    following = (date.today().replace(day=1) + timedelta(days=32)).replace(day=1)
    open_page(driver, f"/console/calendar?product=BUS&month={following:%Y-%m}", "en")
    days = driver.find_elements(By.CSS_SELECTOR, "#month-grid td[data-date]")
    with_slots = [d for d in days if "2 slots" in d.text]
    month_end = following.replace(day=months.monthrange(following.year, following.month)[1])
    # 59: the park's today may be a day ahead of this machine's
    window_end = min(month_end, date.today() + timedelta(days=59))
    expected = {following + timedelta(days=i) for i in range((window_end - following).days + 1)}
    assert expected <= {date.fromisoformat(d.get_attribute("data-date")) for d in with_slots}
    assert "0/80" in with_slots[0].text
    # a day's slots open beside the month (htmx)
    with_slots[4].find_element(By.TAG_NAME, "a").click()
    until(lambda: len(driver.find_elements(By.CSS_SELECTOR, "#slots-table tr[data-slot]")) == 2)
    shot(driver, "calendar-day")
    # a kiosk sees them
    day = (following + timedelta(days=4)).isoformat()
    slots = httpx.get(
        console_backend.url + "/api/v1/slots",
        headers=kiosk,
        params={"product_id": "BUS", "date": day},
    ).json()
    assert [(s["start"], s["capacity"], s["prices"]["BUS-ADULT"]) for s in slots] == [
        ("09:00", 40, 2500),
        ("13:00", 40, 2500),
    ]
    shots(driver, f"/console/calendar?product=BUS&month={following:%Y-%m}", "calendar")


def test_a_capacity_never_goes_below_what_is_sold(driver, console_backend):
    login(driver, "ops")
    today = date.today()
    open_page(driver, f"/console/calendar?product=ADM&day={today.isoformat()}", "en")
    slot = f"ADM-{today:%Y%m%d}-1300"  # the demo's Meituan order: 3 tickets
    row = driver.find_element(By.CSS_SELECTOR, f"#slots-table tr[data-slot='{slot}']")
    assert row.find_element(By.CLASS_NAME, "sold").text == "3 / 300"
    box = row.find_element(By.NAME, "capacity")
    box.clear()
    box.send_keys("2")
    row.find_element(By.CSS_SELECTOR, ".capacity-form button").click()
    message = until(lambda: driver.find_element(By.ID, f"err-capacity-{slot}").text)
    assert "3 are sold" in message and "below 3" in message
    shot(driver, "calendar-capacity-refused")
    row = driver.find_element(By.CSS_SELECTOR, f"#slots-table tr[data-slot='{slot}']")
    box = row.find_element(By.NAME, "capacity")
    box.clear()
    box.send_keys("3")
    row.find_element(By.CSS_SELECTOR, ".capacity-form button").click()
    until(
        lambda: (
            "3 / 3"
            in driver.find_element(By.CSS_SELECTOR, f"#slots-table tr[data-slot='{slot}']").text
        )
    )

    # close one slot, then reopen it
    def toggle() -> str:
        row = driver.find_element(By.CSS_SELECTOR, f"#slots-table tr[data-slot='{slot}']")
        row.find_element(By.CSS_SELECTOR, "form.inline button").click()
        return slot

    toggle()
    until(
        lambda: (
            "off"
            in driver.find_element(
                By.CSS_SELECTOR, f"#slots-table tr[data-slot='{slot}']"
            ).get_attribute("class")
        )
    )
    toggle()
    until(
        lambda: (
            "off"
            not in driver.find_element(
                By.CSS_SELECTOR, f"#slots-table tr[data-slot='{slot}']"
            ).get_attribute("class")
        )
    )
