"""API tokens page in a real Chromium: an operator makes a token (shown once), a script uses
it on the ops API, its last use shows, he revokes it and the next call is refused."""

from __future__ import annotations

import httpx
from selenium.webdriver.common.by import By

from tests.fixtures.console import login, open_page, shots, submit


def test_make_use_and_revoke_an_api_token(driver, console_backend):
    login(driver, "ops")
    open_page(driver, "/console/tokens", "zh")
    form = driver.find_element(By.ID, "create-token")
    submit(driver, form.find_element(By.CSS_SELECTOR, "button[type=submit]"))  # no name
    assert "请填写用途" in driver.find_element(By.ID, "err-name").text
    form = driver.find_element(By.ID, "create-token")
    form.find_element(By.ID, "f-name").send_keys("票务对接 ticketing sync")
    submit(driver, form.find_element(By.CSS_SELECTOR, "button[type=submit]"))
    token = driver.find_element(By.ID, "new-token").text.strip()
    assert token.startswith("kco_")
    shots(driver, "/console/tokens", "tokens", tablet=False)  # (the list; the token is gone)
    assert token not in driver.page_source
    url = console_backend.url + "/api/v1/ops/kiosks"
    auth = {"Authorization": f"Bearer {token}"}
    assert httpx.get(url, headers=auth).status_code == 200
    open_page(driver, "/console/tokens", "en")
    row = driver.find_element(By.CSS_SELECTOR, 'tr[data-token-name="票务对接 ticketing sync"]')
    assert "never" not in row.text and "Live" in row.text and token[:8] in row.text
    driver.execute_script("window.confirm = () => true")
    submit(driver, row.find_element(By.CSS_SELECTOR, "button.danger"))
    assert "Token revoked" in driver.find_element(By.CSS_SELECTOR, ".flash.ok").text
    refused = httpx.get(url, headers=auth)
    assert refused.status_code == 401 and refused.json()["error"]["code"] == "ops_unauthorized"
    row = driver.find_element(By.CSS_SELECTOR, 'tr[data-token-name="票务对接 ticketing sync"]')
    assert "Revoked" in row.text
    # the admin sees every user's tokens (the demo one of the ops user among them)
    login(driver, "admin")
    shots(driver, "/console/tokens", "tokens-admin", tablet=True)
    assert "demo ops token" in driver.page_source
