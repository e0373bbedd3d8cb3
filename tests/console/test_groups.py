"""Groups in a real Chromium: the roster template downloads (XLSX and CSV); a 30-person
roster with two bad rows (a wrong check digit, an ID twice) is uploaded and checked row by row
with nothing booked; the two rows are fixed on the page, the group is booked (30 tickets, the
slot's stock taken); then amended (one member replaced, one added) and its ticket list
exported. ID numbers never appear in clear on the pages or in the export."""

from __future__ import annotations

import csv
import io

import openpyxl
from selenium.webdriver.common.by import By
from selenium.webdriver.support.select import Select

from kiosk.domain.ids import resident_id_check_char
from tests.backend.helpers import later_day, slot
from tests.fixtures.backend import query
from tests.fixtures.console import http_login, login, open_page, shot, shots, submit


def resident_id(n: int, year: int = 1980) -> str:
    first = f"110101{year + n % 20}{1 + n % 12:02d}{1 + n % 28:02d}{n % 1000:03d}"
    return first + resident_id_check_char(first)


NUMBERS = [resident_id(n) for n in range(1, 31)]
BAD_DIGIT = NUMBERS[3][:-1] + ("0" if NUMBERS[3][-1] != "0" else "1")  # row 5
FIXED_5, FIXED_12 = resident_id(101), resident_id(102)
GUIDE_ID = "440304198510121540"


def _roster_file(folder, template: bytes) -> str:
    """The downloaded template filled with 30 people: row 5 a wrong check digit, row 12 the
    same ID as row 3."""
    book = openpyxl.load_workbook(io.BytesIO(template))
    sheet = book.active
    sheet.delete_rows(2, sheet.max_row)
    for i, number in enumerate(NUMBERS):
        row = i + 2
        if row == 5:
            number = BAD_DIGIT
        if row == 12:
            number = NUMBERS[1]  # the same person as row 3
        sheet.append([f"游客{i + 1:02d}", "id_card", number, "", ""])
    path = folder / "roster.xlsx"
    book.save(path)
    return str(path)


def test_upload_fix_book_amend_and_export_a_group(driver, console_backend, tmp_path):
    client = http_login(console_backend.url, "ops")
    xlsx = client.get("/console/groups/template.xlsx")
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    header = [c.value for c in openpyxl.load_workbook(io.BytesIO(xlsx.content)).active[1]]
    assert "证件号码 doc_number" in header
    template_csv = client.get("/console/groups/template.csv").content.decode("utf-8-sig")
    assert "doc_number" in template_csv.splitlines()[0]
    day = later_day(2)
    target = slot("ADM", day, 15)
    before = query(console_backend, "SELECT remaining FROM slots WHERE id = ?", target)[0][0]
    login(driver, "ops")
    open_page(driver, "/console/groups", "zh")
    form = driver.find_element(By.ID, "group-form")
    form.find_element(By.ID, "f-group_ref").send_keys("TA-CONSOLE-30")
    Select(form.find_element(By.ID, "f-slot_id")).select_by_value(target)
    Select(form.find_element(By.ID, "f-ticket_type_id")).select_by_value("ADM-ADULT")
    form.find_element(By.ID, "f-guide_name").send_keys("李娜")
    form.find_element(By.ID, "f-guide_phone").send_keys("13900139000")
    form.find_element(By.ID, "f-guide_doc_number").send_keys(GUIDE_ID)
    form.find_element(By.ID, "f-roster").send_keys(_roster_file(tmp_path, xlsx.content))
    submit(driver, driver.find_element(By.ID, "group-check"))
    # checked row by row: two bad rows, said on their rows; nothing booked
    bad = driver.find_elements(By.CSS_SELECTOR, "#roster-table tr.bad")
    assert [r.get_attribute("data-row") for r in bad] == ["5", "12"]
    assert "第5行 证件号码" in bad[0].text and "第12行 证件号码" in bad[1].text
    assert len(driver.find_elements(By.CSS_SELECTOR, "#roster-table tr.ok")) == 28
    assert not driver.find_elements(By.ID, "group-book")
    for number in (*NUMBERS, GUIDE_ID):
        assert number not in driver.page_source
    assert query(console_backend, "SELECT COUNT(*) FROM group_rosters WHERE group_ref = ?",
                 "TA-CONSOLE-30") == [(0,)]  # fmt: skip
    shot(driver, "groups-check")
    # fixed on the page, checked again, booked
    driver.find_element(By.NAME, "fix-5-doc_number").send_keys(FIXED_5)
    driver.find_element(By.NAME, "fix-12-doc_number").send_keys(FIXED_12)
    submit(driver, driver.find_element(By.ID, "group-check"))
    assert len(driver.find_elements(By.CSS_SELECTOR, "#roster-table tr.ok")) == 30
    submit(driver, driver.find_element(By.ID, "group-book"))
    assert "团体订单已预订" in driver.find_element(By.CSS_SELECTOR, ".flash.ok").text
    assert driver.find_element(By.ID, "member-count").text == "30"
    order_id = driver.current_url.split("/console/groups/")[1].split("?")[0]
    after = query(console_backend, "SELECT remaining FROM slots WHERE id = ?", target)[0][0]
    assert before - after == 30
    shots(driver, f"/console/groups/{order_id}", "groups-group", tablet=False)
    # amend: replace one member (remove + add) and add one more
    open_page(driver, f"/console/groups/{order_id}", "en")
    rows = driver.find_elements(By.CSS_SELECTOR, "#members-table tr[data-ticket]")
    gone = rows[0].get_attribute("data-ticket")
    rows[0].find_element(By.CSS_SELECTOR, "input[type=checkbox]").click()
    driver.find_element(By.ID, "add-0-name").send_keys("替补一")
    driver.find_element(By.ID, "add-0-doc_number").send_keys(NUMBERS[5])  # already in the group
    submit(driver, driver.find_element(By.ID, "amend-submit"))
    assert "ID" in driver.find_element(By.ID, "err-add-0-doc_number").text
    rows = driver.find_elements(By.CSS_SELECTOR, "#members-table tr[data-ticket]")
    rows[0].find_element(By.CSS_SELECTOR, "input[type=checkbox]").click()
    driver.find_element(By.ID, "add-0-doc_number").send_keys(resident_id(201))
    driver.find_element(By.ID, "add-1-name").send_keys("Late joiner")
    driver.find_element(By.ID, "add-1-doc_number").send_keys(resident_id(202))
    submit(driver, driver.find_element(By.ID, "amend-submit"))
    assert "Group amended." in driver.find_element(By.CSS_SELECTOR, ".flash.ok").text
    assert driver.find_element(By.ID, "member-count").text == "31"
    statuses = dict(query(console_backend, "SELECT id, status FROM tickets WHERE order_id = ?",
                          order_id))  # fmt: skip
    assert statuses[gone] == "void"
    assert sum(s == "issued" for s in statuses.values()) == 31
    assert query(console_backend, "SELECT amendments FROM group_rosters WHERE order_id = ?",
                 order_id) == [(1,)]  # fmt: skip
    # the ticket list: every ticket, masked
    got = client.get(f"/console/groups/{order_id}/tickets.csv")
    rows = list(csv.reader(io.StringIO(got.content.decode("utf-8-sig"))))
    assert len(rows) == 1 + 32 and rows[0][0] == "ticket"
    assert all(n not in got.text for n in NUMBERS)
    sheet = openpyxl.load_workbook(io.BytesIO(client.get(
        f"/console/groups/{order_id}/tickets.xlsx").content)).active  # fmt: skip
    assert sheet.max_row == 2 + 32
    # a viewer reads the group but cannot amend it
    viewer = http_login(console_backend.url, "viewer")
    assert "amend-submit" not in viewer.get(f"/console/groups/{order_id}").text
