"""Roles, CSRF and lockout in a real Chromium (and over HTTP for the many routes): a viewer
changes nothing, on a page or through the API; a form without its CSRF token is refused and
changes nothing; repeated wrong passwords lock the user out, even the right one then; an admin
creates a user (a weak password is refused next to its field), changes his role, disables
him (his session ends)."""

from __future__ import annotations

import httpx
from selenium.webdriver.common.by import By

from backend_stub.console import users as console_users
from backend_stub.stores import open_store
from tests.fixtures.console import csrf_of, http_login, login, open_page, shots, submit

WRITES = (  # every change a console page of this part takes
    ("/console/users", {"username": "sneaky", "role": "admin", "password": "Sneaky-pass-123"}),
    ("/console/users/1/role", {"role": "viewer"}),
    ("/console/users/1/disabled", {"disabled": "1"}),
    ("/console/users/1/password", {"password": "Another-pass-123"}),
    ("/console/kiosks", {"kiosk_id": "kiosk-66", "group": ""}),
    ("/console/kiosks/kiosk-01/group", {"group": "canary"}),
    ("/console/kiosks/kiosk-01/rotate", {}),
    ("/console/kiosks/kiosk-01/revoke", {}),
)


def test_a_viewer_cannot_change_anything(driver, console_backend):
    base = console_backend.url
    viewer = http_login(base, "viewer")
    for path, form in WRITES:
        answer = viewer.post(path, data={"csrf_token": viewer.csrf, **form})
        assert answer.status_code == 403, (path, answer.status_code)
        assert "无权访问" in answer.text or "Not allowed" in answer.text
    assert viewer.get("/console/users").status_code == 403
    kiosks = httpx.get(base + "/api/v1/ops/kiosks", headers=console_backend.ops_headers())
    assert any(k["id"] == "kiosk-01" for k in kiosks.json()["kiosks"]) or kiosks.status_code == 200
    # nothing changed: kiosk-01 still answers with its token, no user "sneaky"
    assert httpx.get(base + "/api/v1/catalog", headers=console_backend.kiosk_headers()).is_success
    admin = http_login(base, "admin")
    assert 'data-username="sneaky"' not in admin.get("/console/users").text
    # in the browser: the kiosks page shows no form to change, the users page is refused
    login(driver, "viewer")
    open_page(driver, "/console/kiosks")
    assert not driver.find_elements(By.CSS_SELECTOR, "form.group-form, #provision-kiosk")
    assert "账号" not in [a.text for a in driver.find_elements(By.CSS_SELECTOR, ".nav a")]
    open_page(driver, "/console/users", "zh")
    assert driver.find_element(By.ID, "refused").text == "无权访问"
    shots(driver, "/console/users", "refused-role", tablet=False)


def test_a_form_without_its_csrf_token_is_refused(driver, console_backend):
    login(driver, "admin")
    open_page(driver, "/console/users", "en")
    form = driver.find_element(By.ID, "create-user")
    driver.execute_script("arguments[0].querySelector('[name=csrf_token]').remove()", form)
    form.find_element(By.ID, "f-username").send_keys("csrf-victim")
    form.find_element(By.ID, "f-password").send_keys("Csrf-victim-pass1")
    submit(driver, form.find_element(By.CSS_SELECTOR, "button[type=submit]"))
    assert driver.find_element(By.ID, "refused").text == "The form has expired"
    shots(driver, "/console/users", "users")  # (the users page itself, zh/en/tablet)
    assert 'data-username="csrf-victim"' not in driver.page_source
    # a wrong token (another browser's) is refused too; so is a POST with none over HTTP
    other = http_login(console_backend.url, "admin")
    form = {"csrf_token": "0" * 64, "username": "x1", "role": "viewer", "password": "Xx-1234567"}
    answer = other.post("/console/users", data=form)
    assert answer.status_code == 403
    assert other.post("/console/logout").status_code == 403


def test_admin_creates_a_user_changes_role_and_disables_him(driver, console_backend):
    login(driver, "admin")
    open_page(driver, "/console/users", "zh")
    form = driver.find_element(By.ID, "create-user")
    form.find_element(By.ID, "f-username").send_keys("li.ming")
    form.find_element(By.ID, "f-display_name").send_keys("李明")
    form.find_element(By.CSS_SELECTOR, "#f-role option[value=operations]").click()
    form.find_element(By.ID, "f-password").send_keys("short1")
    submit(driver, form.find_element(By.CSS_SELECTOR, "button[type=submit]"))
    assert "至少 10 个字符" in driver.find_element(By.ID, "err-password").text
    assert driver.find_element(By.ID, "f-username").get_attribute("value") == "li.ming"
    open_page(driver, "/console/users?lang=en")  # the same refusal, in English
    form = driver.find_element(By.ID, "create-user")
    form.find_element(By.ID, "f-username").send_keys("li.ming")
    form.find_element(By.ID, "f-password").send_keys("li.ming-2026")
    submit(driver, form.find_element(By.CSS_SELECTOR, "button[type=submit]"))
    assert "must not contain the user name" in driver.find_element(By.ID, "err-password").text
    form = driver.find_element(By.ID, "create-user")
    form.find_element(By.ID, "f-display_name").send_keys("Li Ming")
    form.find_element(By.CSS_SELECTOR, "#f-role option[value=operations]").click()
    form.find_element(By.ID, "f-password").send_keys("Yuntai-ops-2026")
    submit(driver, form.find_element(By.CSS_SELECTOR, "button[type=submit]"))
    assert "User created" in driver.find_element(By.CSS_SELECTOR, ".flash.ok").text
    row = driver.find_element(By.CSS_SELECTOR, 'tr[data-username="li.ming"]')
    assert "Operations" in row.text
    # he signs in (over HTTP, a second browser) and may see kiosks, not users
    li = http_login(console_backend.url, "li.ming", "Yuntai-ops-2026")
    assert li.get("/console/kiosks").status_code == 200
    assert li.get("/console/users").status_code == 403
    submit(driver, row.find_element(By.CSS_SELECTOR, "a.button"))
    shots(driver, driver.current_url.split(driver.console_base)[1].split("?")[0], "user-edit")
    driver.find_element(By.CSS_SELECTOR, "#role-form option[value=finance]").click()
    submit(driver, driver.find_element(By.CSS_SELECTOR, "#role-form button"))
    assert li.get("/console/kiosks").status_code == 303  # a role change ends his session
    li = http_login(console_backend.url, "li.ming", "Yuntai-ops-2026")
    driver.execute_script("window.confirm = () => true")
    submit(driver, driver.find_element(By.CSS_SELECTOR, "#disable-form button"))
    assert li.get("/console/").status_code == 303
    page = httpx.Client(base_url=console_backend.url)
    token = csrf_of(page.get("/console/login").text)
    refused = page.post("/console/login", data={"csrf_token": token, "username": "li.ming",
                                                "password": "Yuntai-ops-2026"})  # fmt: skip
    assert refused.status_code == 401 and "已停用" in refused.text


def test_repeated_wrong_passwords_lock_the_user_out(driver, console_backend):
    admin = http_login(console_backend.url, "admin")
    admin.post("/console/users", data={"csrf_token": admin.csrf, "username": "wang.fang",
                                       "role": "viewer", "password": "Wang-fang-2026"})  # fmt: skip
    open_page(driver, "/console/login", "en")
    for _ in range(console_users.LOCK_AFTER_USER):
        login(driver, "wang.fang", "not-her-password")
    assert "locked" in driver.find_element(By.ID, "login-error").text
    login(driver, "wang.fang", "Wang-fang-2026")  # even the right one, while locked
    assert "Too many failed attempts" in driver.find_element(By.ID, "login-error").text
    assert "/console/login" in driver.current_url
    shots(driver, "/console/login", "login-locked", tablet=False)
    login(driver, "admin")  # another user from the same address is not locked
    assert driver.current_url.endswith("/console/")


def test_an_address_is_locked_after_many_failures_across_users(tmp_path):
    """The per-address count, on the functions themselves (20 failures over HTTP would lock
    this run's shared backend for everyone)."""
    store = open_store(str(tmp_path / "backend.db"))
    for i in range(console_users.LOCK_AFTER_IP - 1):
        console_users.count_failure(store, "ip:10.0.0.9", console_users.LOCK_AFTER_IP)
        console_users.count_failure(store, f"user:u{i}", console_users.LOCK_AFTER_USER)
    assert console_users.locked_for(store, ["user:new", "ip:10.0.0.9"]) == 0
    console_users.count_failure(store, "ip:10.0.0.9", console_users.LOCK_AFTER_IP)
    assert console_users.locked_for(store, ["user:new", "ip:10.0.0.9"]) == 60
    assert console_users.locked_for(store, ["user:new", "ip:10.0.0.8"]) == 0
    console_users.count_failure(store, "ip:10.0.0.9", console_users.LOCK_AFTER_IP)
    assert console_users.locked_for(store, ["ip:10.0.0.9"]) == 120  # doubling
    store.close()
