"""Kiosks page in a real Chromium: provision a kiosk (its credential shown once, and as a QR a
camera reads back), the kiosk's own HTTP client (kiosk/client.py) works with it against this
backend and its heartbeat shows on the page (health, app and catalog version), a group is
assigned, a rotation stops the old credential, a revocation refuses the kiosk at once."""

from __future__ import annotations

import asyncio
import io
from urllib.parse import parse_qs, urlsplit

import pytest
import zxingcpp
from PIL import Image
from selenium.webdriver.common.by import By

from kiosk.client import BackendClient, BackendError
from tests.fixtures.console import login, open_page, shots, submit


async def _use(base: str, kiosk_id: str, token: str) -> int:
    """What a kiosk does first (kiosk/upkeep.py): fetch the catalog, send a heartbeat with its
    version; that version."""
    async with BackendClient(base, kiosk_id, token, retries=0) as client:
        catalog = await client.catalog()
        assert catalog.version.isdigit(), catalog.version
        await client.heartbeat({"version": "0.1.0-test", "catalog_version": int(catalog.version),
                                "paper_level": "ok", "devices": {}})  # fmt: skip
        return int(catalog.version)


async def _refused(base: str, kiosk_id: str, token: str) -> str:
    async with BackendClient(base, kiosk_id, token, retries=0) as client:
        with pytest.raises(BackendError) as caught:
            await client.catalog()
        return caught.value.code


def _qr_payload(driver) -> str:
    png = driver.find_element(By.ID, "kiosk-qr").screenshot_as_png
    found = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)).convert("L"))
    assert found, "the QR on the page does not read"
    return found[0].text


def test_provision_use_rotate_and_revoke_a_kiosk(driver, console_backend):
    base = console_backend.url
    login(driver, "admin")
    open_page(driver, "/console/kiosks", "zh")
    form = driver.find_element(By.ID, "provision-kiosk")
    form.find_element(By.ID, "f-kiosk_id").send_keys("Kiosk 07!")  # not an id: said next to it
    submit(driver, form.find_element(By.CSS_SELECTOR, "button[type=submit]"))
    assert "终端编号" in driver.find_element(By.ID, "err-kiosk_id").text
    form = driver.find_element(By.ID, "provision-kiosk")
    form.find_element(By.ID, "f-kiosk_id").clear()
    form.find_element(By.ID, "f-kiosk_id").send_keys("kiosk-07")
    form.find_element(By.ID, "f-name").send_keys("北门 North gate")
    form.find_element(By.ID, "f-group").send_keys("canary")
    submit(driver, form.find_element(By.CSS_SELECTOR, "button[type=submit]"))
    token = driver.find_element(By.ID, "kiosk-token").text.strip()
    assert len(token) >= 40
    driver.set_window_size(1366, 1100)
    from tests.fixtures.console import shot

    shot(driver, "kiosks-provisioned")
    driver.set_window_size(1366, 768)
    query = parse_qs(urlsplit(_qr_payload(driver)).query)
    assert query == {"backend": [base], "kiosk": ["kiosk-07"], "token": [token]}
    # the kiosk's client works with it, and its heartbeat shows
    version = asyncio.run(_use(base, "kiosk-07", token))
    open_page(driver, "/console/kiosks", "en")
    row = driver.find_element(By.CSS_SELECTOR, 'tr[data-kiosk="kiosk-07"]')
    assert "Online" in row.text and f"catalog v{version}" in row.text and "0.1.0-test" in row.text
    assert row.find_element(By.NAME, "group").get_attribute("value") == "canary"
    assert "Never seen" in driver.find_element(By.CSS_SELECTOR, 'tr[data-kiosk="kiosk-01"]').text
    # the token is shown once: not on the page any more, nor in the database in clear
    assert token not in driver.page_source
    shots(driver, "/console/kiosks", "kiosks")
    row = driver.find_element(By.CSS_SELECTOR, 'tr[data-kiosk="kiosk-07"]')
    # a group, then a rotation: the old credential stops, the new one works
    group_form = row.find_element(By.CSS_SELECTOR, "form.group-form")
    group_form.find_element(By.NAME, "group").clear()
    group_form.find_element(By.NAME, "group").send_keys("north")
    submit(driver, group_form.find_element(By.CSS_SELECTOR, "button"))
    row = driver.find_element(By.CSS_SELECTOR, 'tr[data-kiosk="kiosk-07"]')
    assert row.find_element(By.NAME, "group").get_attribute("value") == "north"
    driver.execute_script("window.confirm = () => true")
    submit(driver, row.find_element(By.XPATH, ".//form[contains(@action,'/rotate')]//button"))
    rotated = driver.find_element(By.ID, "kiosk-token").text.strip()
    assert rotated != token
    assert asyncio.run(_refused(base, "kiosk-07", token)) == "unauthorized"
    asyncio.run(_use(base, "kiosk-07", rotated))
    # revoked: refused on the very next call
    open_page(driver, "/console/kiosks", "zh")
    driver.execute_script("window.confirm = () => true")
    row = driver.find_element(By.CSS_SELECTOR, 'tr[data-kiosk="kiosk-07"]')
    submit(driver, row.find_element(By.XPATH, ".//form[contains(@action,'/revoke')]//button"))
    assert "已吊销" in driver.find_element(By.CSS_SELECTOR, ".flash.ok").text
    assert asyncio.run(_refused(base, "kiosk-07", rotated)) == "unauthorized"
    row = driver.find_element(By.CSS_SELECTOR, 'tr[data-kiosk="kiosk-07"]')
    assert "已吊销" in row.text
    # who did what: on the home page
    open_page(driver, "/console/", "en")
    actions = driver.find_element(By.TAG_NAME, "table").text
    for action in ("kiosk.provision", "kiosk.group", "kiosk.rotate", "kiosk.revoke"):
        assert action in actions


def test_an_operator_assigns_groups_but_holds_no_keys(driver, console_backend):
    login(driver, "ops")
    open_page(driver, "/console/kiosks", "zh")
    assert driver.find_elements(By.CSS_SELECTOR, "form.group-form")
    assert not driver.find_elements(By.ID, "provision-kiosk")
    assert not driver.find_elements(By.XPATH, "//form[contains(@action,'/revoke')]")
