"""Prices and staged pushes in a real Chromium against a real backend, with two real kiosk
processes (tests/console/kiosk_agent.py: the kiosk's own client and heartbeat): a price change
is saved as a draft (a wrong price is refused next to its field), previewed as a canary kiosk
will see it, pushed to the canary group — the canary kiosk reports the new catalog version
and pays the new price while the other kiosk keeps the old one — then pushed to all; another
change goes to canary and is rolled back. Every step is on the page's history and audit."""

from __future__ import annotations

import httpx
from selenium.webdriver.common.by import By

from tests.console.catalog_helpers import (
    click_through,
    field_errors,
    fill,
    provision,
    submit,
    until,
)
from tests.console.kiosk_agent import KioskAgent
from tests.fixtures.console import login, logout, open_page, shot, shots


def _stage(driver: object) -> str:
    return driver.find_element(By.ID, "rollout-stage").text


def _version_on_page(driver: object) -> str:
    badges = driver.find_elements(By.CSS_SELECTOR, "#rollout h2 .badge")
    return next(b.text for b in badges if b.text.startswith("v"))[1:]


def test_a_price_change_reaches_the_canary_kiosk_first_then_all(driver, console_backend):
    base = console_backend.url
    login(driver, "admin")
    canary_token = provision(driver, "kiosk-canary-1", "canary")
    plain_token = provision(driver, "kiosk-plain-1", "")
    canary = KioskAgent(base, "kiosk-canary-1", canary_token)
    plain = KioskAgent(base, "kiosk-plain-1", plain_token)
    try:
        first = canary.wait_any_version()
        assert plain.wait_any_version() == first
        logout(driver)
        login(driver, "ops")
        open_page(driver, "/console/prices", "en")
        # a price that is not an amount: refused next to its field, nothing saved
        fill(driver, {"price_ADM-ADULT": "12o", "note": "winter"}, "change-form")
        submit(driver, "change-form")
        assert "amount" in field_errors(driver)["price_ADM-ADULT"]
        assert not driver.find_elements(By.ID, "rollout")
        fill(driver, {"price_ADM-ADULT": "150", "note": "winter"}, "change-form")
        submit(driver, "change-form")
        assert _stage(driver) == "Draft"
        # the preview: the catalog as a canary kiosk will be served it (htmx)
        driver.find_element(By.ID, "preview-canary").click()
        row = until(
            lambda: driver.find_element(By.CSS_SELECTOR, "#preview-table tr[data-type='ADM-ADULT']")
        )
        assert "¥120" in row.text and "¥150" in row.text
        shot(driver, "prices-preview")
        # to the canary group: that kiosk polls the new version and pays the new price
        click_through(driver, "push-canary")
        assert _stage(driver) == "On canary"
        version = _version_on_page(driver)
        assert int(version) > int(first)
        canary.wait_version(version)
        old = plain.buy("ADM", "ADM-ADULT")
        new = canary.buy("ADM", "ADM-ADULT")
        assert plain.version == first
        assert old["slot"] == new["slot"]
        assert old["order"]["total_fen"] == old["slot_price"]
        assert new["order"]["total_fen"] == new["slot_price"]
        assert abs(new["order"]["total_fen"] - old["order"]["total_fen"] * 150 / 120) <= 1

        # the console shows which kiosk runs which version (from their heartbeats)
        def reported(kiosk_id: str) -> str:
            open_page(driver, "/console/prices", "en")
            return driver.find_element(
                By.CSS_SELECTOR, f"#fleet-table tr[data-kiosk='{kiosk_id}'] .reported"
            ).text

        until(lambda: reported("kiosk-canary-1") == f"v{version}", what="the fleet table")
        assert reported("kiosk-plain-1") == f"v{first}"
        shots(driver, "/console/prices", "prices")
        open_page(driver, "/console/prices", "en")
        # then to all: the other kiosk gets it too
        click_through(driver, "push-all")
        assert not driver.find_elements(By.ID, "rollout")
        plain.wait_version(version)
        assert plain.buy("ADM", "ADM-ADULT")["order"]["total_fen"] == new["order"]["total_fen"]
        # another change on canary, rolled back: the canary kiosk goes back to what all run
        fill(driver, {"price_ADM-CHILD": "55"}, "change-form")
        submit(driver, "change-form")
        click_through(driver, "push-canary")
        canary.wait_version(_version_on_page(driver))
        click_through(driver, "rollback")
        canary.wait_version(version)
        stages = [b.text for b in driver.find_elements(By.CSS_SELECTOR, "#changes-table .badge")]
        assert stages[:2] == ["Rolled back", "On all kiosks"]
        audit = driver.find_element(By.CSS_SELECTOR, "ul.audit").text
        for action in (
            "price_change.create",
            "price_change.canary",
            "price_change.all",
            "price_change.rollback",
        ):
            assert action in audit
        assert "ops" in audit and '"ADM-ADULT": "120"' in audit and '"ADM-ADULT": "150"' in audit
    finally:
        canary.stop()
        plain.stop()
    # the ops API: the same history for an API token; none: refused
    api = httpx.get(base + "/api/v1/ops/price-changes", headers=console_backend.ops_headers())
    assert [c["stage"] for c in api.json()["changes"][:2]] == ["rolled_back", "all"]
    assert httpx.get(base + "/api/v1/ops/price-changes").status_code == 401
