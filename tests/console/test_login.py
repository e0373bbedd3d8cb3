"""Signing in to the console in a real Chromium: a page without a session sends you to the
login page and back after it; a wrong password says so (zh/en) and keeps the user name; sign
out ends the session; every text the pages use exists in both languages."""

from __future__ import annotations

import re
from pathlib import Path

from selenium.webdriver.common.by import By

from backend_stub.console import i18n
from tests.fixtures.console import login, logout, open_page, shots, submit

LITERAL_T = r"""\bt\(\s*["']([a-z_]+\.[a-z0-9_.]*[a-z0-9_])["']\s*[,)]"""  # not "x." ~ y
CONSOLE = Path(__file__).resolve().parents[2] / "backend_stub" / "console"


def test_a_page_without_a_session_goes_to_login_and_back(driver):
    open_page(driver, "/console/kiosks")
    assert "/console/login?next=/console/kiosks" in driver.current_url
    shots(driver, "/console/login", "login")
    open_page(driver, "/console/kiosks")  # back on the login page with next=
    driver.find_element(By.ID, "f-username").send_keys("ops")
    driver.find_element(By.ID, "f-password").send_keys("demo-ops-pass")
    submit(driver, driver.find_element(By.ID, "login-submit"))
    assert driver.current_url.endswith("/console/kiosks")
    assert driver.find_element(By.TAG_NAME, "h1").text in ("终端", "Kiosks")


def test_wrong_password_says_so_in_both_languages(driver):
    open_page(driver, "/console/login", "en")
    login(driver, "finance", "not-the-password")
    error = driver.find_element(By.ID, "login-error").text
    assert "Wrong user name or password" in error
    assert driver.find_element(By.ID, "f-username").get_attribute("value") == "finance"
    assert driver.find_element(By.ID, "f-password").get_attribute("value") == ""
    open_page(driver, "/console/login", "zh")
    login(driver, "nobody-here", "whatever-it-is")  # an unknown user: the same message
    assert "用户名或密码不对" in driver.find_element(By.ID, "login-error").text
    login(driver, "finance")
    assert driver.current_url.endswith("/console/")


def test_sign_out_ends_the_session(driver):
    login(driver, "admin")
    assert "您好" in driver.find_element(By.TAG_NAME, "h1").text
    shots(driver, "/console/", "home")
    logout(driver)
    assert "/console/login" in driver.current_url
    open_page(driver, "/console/")
    assert "/console/login" in driver.current_url


def _keys_used() -> set[str]:
    """Every literal key given to t(...) in the templates, and the i18n keys the page modules
    name (one_error(..., "x.y"), AccountError("x.y", ...), "ok.*" redirects)."""
    used: set[str] = set()
    for path in (CONSOLE / "templates").glob("*.html"):
        used |= set(re.findall(LITERAL_T, path.read_text()))
    for path in CONSOLE.glob("*.py"):
        text = path.read_text()
        used |= set(re.findall(r"""one_error\([^,]+,\s*["']([a-z_]+\.[a-z_.]+)["']""", text))
        used |= set(re.findall(r"""AccountError\(\s*["']([a-z_]+\.[a-z_.]+)["']""", text))
        used |= set(re.findall(r"""ok=(ok\.[a-z_]+)""", text))
        used |= set(re.findall(r"""return ["'](auth\.[a-z_]+)["']""", text))
    return used


def test_every_text_the_console_uses_is_there_in_zh_and_en():
    catalogue = i18n.catalogue()
    missing = sorted(k for k in _keys_used() if k not in catalogue)
    assert not missing, f"i18n keys missing from backend_stub/console/i18n/*.json: {missing}"
    half = sorted(k for k, v in catalogue.items() if not (v.get("zh") and v.get("en")))
    assert not half, f"keys without both zh and en: {half}"
    # keys built from a prefix (role.*, kiosks.health.*, refused.*) for every value
    for role in ("admin", "operations", "finance", "viewer"):
        assert f"role.{role}" in catalogue and f"home.role_says.{role}" in catalogue
    for health in ("online", "stale", "never"):
        assert f"kiosks.health.{health}" in catalogue
    for why in ("role", "csrf", "not_found"):
        assert f"refused.title_{why}" in catalogue and f"refused.text_{why}" in catalogue
