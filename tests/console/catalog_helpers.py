"""What the catalog side's browser tests share (issue 13B): provisioning a kiosk on the
kiosks page (its token, shown once), waiting for a page's text, the messages next to fields."""

from __future__ import annotations

import time
from collections.abc import Callable

from selenium.webdriver.common.by import By

from tests.fixtures.console import http_login, open_page
from tests.fixtures.console import submit as submit_and_wait


def provision(driver: object, kiosk_id: str, group: str) -> str:
    """On the kiosks page (signed in as admin): a new kiosk in `group`; its token (shown
    once)."""
    open_page(driver, "/console/kiosks", "en")
    form = driver.find_element(By.ID, "provision-kiosk")  # type: ignore[attr-defined]
    form.find_element(By.ID, "f-kiosk_id").send_keys(kiosk_id)
    form.find_element(By.ID, "f-group").send_keys(group)
    click_through(driver, form.find_element(By.CSS_SELECTOR, "button[type=submit]"))
    return driver.find_element(By.ID, "kiosk-token").text.strip()  # type: ignore[attr-defined]


def provision_http(base_url: str, kiosk_id: str, group: str = "") -> str:
    """The same over HTTP (an admin's session, no browser): the new kiosk's token."""
    import re

    admin = http_login(base_url, "admin")
    page = admin.post(  # type: ignore[attr-defined]
        "/console/kiosks",
        data={"csrf_token": admin.csrf, "kiosk_id": kiosk_id, "group": group, "name": ""},  # type: ignore[attr-defined]
    )
    found = re.search(r'id="kiosk-token">([^<]+)<', page.text)
    assert found, f"no token shown for {kiosk_id} ({page.status_code})"
    return found.group(1).strip()


def until(check: Callable[[], object], timeout: float = 10, what: str = "") -> object:
    """Poll `check` until it returns something true (a browser after htmx, a kiosk's poll)."""
    end = time.monotonic() + timeout
    while True:
        try:
            found = check()
        except Exception:  # not there yet (a stale element, an element not yet swapped in)
            found = None
        if found:
            return found
        assert time.monotonic() < end, f"timed out waiting for {what or check}"
        time.sleep(0.1)


def field_errors(driver: object) -> dict[str, str]:
    """The messages shown next to fields: field name -> text."""
    out = {}
    for el in driver.find_elements(By.CSS_SELECTOR, ".field-error"):  # type: ignore[attr-defined]
        out[(el.get_attribute("id") or "").removeprefix("err-")] = el.text
    return out


def submit(driver: object, form_id: str) -> None:
    """Submit a form by its button, and wait for the next page."""
    click_through(driver, driver.find_element(By.CSS_SELECTOR, f"#{form_id} button[type=submit]"))  # type: ignore[attr-defined]


def fill(driver: object, values: dict[str, str], form_id: str = "") -> None:
    """Type into fields by name (clearing them first); checkboxes: "on"/"off"."""
    scope = driver.find_element(By.ID, form_id) if form_id else driver  # type: ignore[attr-defined]
    for name, value in values.items():
        el = scope.find_element(By.NAME, name)
        if el.get_attribute("type") == "checkbox":
            if el.is_selected() != (value == "on"):
                el.click()
        elif el.tag_name == "select":
            from selenium.webdriver.support.ui import Select

            Select(el).select_by_value(value)
        else:
            el.clear()
            el.send_keys(value)


def click_through(driver: object, button: object) -> None:
    """Click a button (an element, or its id) that submits a form; wait for the next page
    (tests.fixtures.console.submit: Chromium may report the old page gone either as stale or
    as "does not belong to the document", which selenium's staleness_of does not catch)."""
    if isinstance(button, str):
        button = driver.find_element(By.ID, button)  # type: ignore[attr-defined]
    submit_and_wait(driver, button)
