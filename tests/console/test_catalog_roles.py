"""Roles on the catalog side's pages and API (over HTTP, every route; one look in Chromium):
a viewer or a finance user changes nothing on the catalog, calendar, prices, coupons, members
and staff pages (403, nothing changed) and sees them read-only; without a session a page sends
to the login; a form without its CSRF token is refused; the ops API's price changes take an
operations user's token, refuse a viewer's token and no token."""

from __future__ import annotations

import re

import httpx
from selenium.webdriver.common.by import By

from tests.fixtures.console import http_login, login, open_page

WRITES = (
    ("/console/catalog/new", {"id": "SNEAKY", "kind": "admission", "name_zh": "x", "name_en": "x"}),
    ("/console/catalog/ADM", {"kind": "admission", "name_zh": "x", "name_en": "x"}),
    ("/console/catalog/ADM/sale", {"on_sale": "0"}),
    (
        "/console/catalog/ADM/types",
        {"code": "sneaky", "price": "1", "name_zh": "x", "name_en": "x"},
    ),
    ("/console/catalog/ADM/types/ADM-ADULT", {"code": "adult", "name_zh": "x", "name_en": "x"}),
    (
        "/console/calendar/templates",
        {"product_id": "ADM", "weekdays": "1", "times": "09:00-10:00", "capacity": "1"},
    ),
    ("/console/calendar/slots/ADM-20300101-0900/capacity", {"capacity": "0"}),
    ("/console/calendar/slots/ADM-20300101-0900/closed", {"closed": "1"}),
    ("/console/calendar/days/ADM/2030-01-01", {"closed": "1"}),
    ("/console/prices/changes", {"price_ADM-ADULT": "1"}),
    ("/console/prices/changes/pc-x/all", {}),
    ("/console/coupons", {"code": "SNEAKY", "kind": "amount", "value": "99"}),
    ("/console/coupons/WELCOME10/active", {"active": "0"}),
    ("/console/members/M1001/points", {"delta": "999", "reason": "x"}),
    ("/console/members/M1001/tier", {"tier": "gold"}),
    ("/console/staff", {"id": "S999", "name": "x", "role": "supervisor", "pin": "482913"}),
    ("/console/staff/S001/pin", {"pin": "482913"}),
    ("/console/staff/S001/disabled", {"disabled": "1"}),
)
PAGES = (
    "/console/catalog",
    "/console/catalog/ADM",
    "/console/calendar",
    "/console/prices",
    "/console/coupons",
    "/console/members/M1001",
    "/console/staff",
)


def test_viewer_and_finance_change_nothing(driver, console_backend):
    base = console_backend.url
    ops = http_login(base, "ops")
    before = [ops.get(p).text.count("<tr") for p in PAGES]
    for who in ("viewer", "finance"):
        client = http_login(base, who)
        for path, form in WRITES:
            answer = client.post(path, data={"csrf_token": client.csrf, **form})
            assert answer.status_code == 403, (who, path, answer.status_code)
        for page in PAGES:
            html = client.get(page).text
            assert "can look at this page but not change it" in html or "只能查看" in html
            assert not re.search(r'<button type="submit" class="[^"]*primary', html), page
    assert [ops.get(p).text.count("<tr") for p in PAGES] == before
    assert "M1001" in ops.get("/console/members/M1001").text
    # without a session: to the login page; without the CSRF token: refused
    anonymous = httpx.Client(base_url=base, follow_redirects=False)
    for page in PAGES:
        answer = anonymous.get(page)
        assert answer.status_code == 303 and "/console/login" in answer.headers["location"]
    refused = ops.post(
        "/console/coupons",
        data={"code": "NOCSRF", "kind": "amount", "value": "5", "name_zh": "x", "name_en": "x"},
    )
    assert refused.status_code == 403
    assert "NOCSRF" not in ops.get("/console/coupons").text
    # in the browser: the viewer sees the catalog without a way to change it
    login(driver, "viewer")
    open_page(driver, "/console/catalog/ADM", "en")
    assert driver.find_element(By.CSS_SELECTOR, "#product-form fieldset").get_attribute("disabled")
    assert not driver.find_elements(By.ID, "type-form")


def test_the_price_api_takes_an_operations_token_only(console_backend):
    base = console_backend.url + "/api/v1"
    viewer = http_login(console_backend.url, "viewer")
    page = viewer.post("/console/tokens", data={"csrf_token": viewer.csrf, "name": "mine"})
    token = re.search(r'id="new-token">([^<]+)<', page.text).group(1)
    body = {"prices": [{"ticket_type_id": "SHOW-CHILD", "base_fen": 4400}], "note": "api"}
    as_viewer = {"Authorization": f"Bearer {token}"}
    assert httpx.get(base + "/ops/price-changes", headers=as_viewer).status_code == 200
    assert httpx.post(base + "/ops/price-changes", json=body, headers=as_viewer).status_code == 403
    assert httpx.post(base + "/ops/price-changes", json=body).status_code == 401
    ops = console_backend.ops_headers()
    made = httpx.post(base + "/ops/price-changes", json=body, headers=ops)
    assert made.status_code == 201 and made.json()["stage"] == "draft"
    assert made.json()["before"] == {"SHOW-CHILD": 4500} and made.json()["created_by"] == "ops"
    preview = httpx.get(
        base + "/ops/catalog/preview",
        headers=as_viewer,
        params={"change_id": made.json()["id"], "audience": "canary"},
    )
    row = next(r for r in preview.json()["rows"] if r["ticket_type_id"] == "SHOW-CHILD")
    assert (row["was_fen"], row["base_fen"]) == (4500, 4400)
    gone = httpx.post(f"{base}/ops/price-changes/{made.json()['id']}/rollback", headers=ops)
    assert gone.json()["stage"] == "rolled_back"
    again = httpx.post(f"{base}/ops/price-changes/{made.json()['id']}/all", headers=ops)
    assert again.status_code == 409 and again.json()["error"]["code"] == "price_change_stage"
