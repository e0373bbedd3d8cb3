"""The day's back-office tables on both stores (SQLite and PostgreSQL, migration 11), over
HTTP: kiosk heartbeats land in the history, a paper-out heartbeat raises one alert however
often it repeats (the partial unique index, `ON CONFLICT ... DO NOTHING`) and a refill clears
it; the console's out-of-service switch comes back in the heartbeat's answer; the range report
reconciles with the money tables."""

from __future__ import annotations

import csv
import io
from datetime import date

import httpx
import pytest

from tests.backend.helpers import later_day, line, paid_order, slot
from tests.fixtures.backend import query
from tests.fixtures.console import http_login

pytestmark = pytest.mark.parametrize("store", ["sqlite", "postgres"], indirect=True,
                                     scope="module")  # fmt: skip
PAPER_OUT = {"printer": {"device": "printer", "state": "error", "code": "paper_out"}}


def test_heartbeats_alerts_switch_and_report(backend):
    kiosk = httpx.Client(base_url=backend.url, headers=backend.kiosk_headers())
    beat = "/api/v1/kiosks/kiosk-01/heartbeat"
    body = {"devices": {}, "paper_level": "ok", "version": "t", "out_of_service": False}
    assert kiosk.post(beat, json=body).json()["out_of_service"] is False
    for _ in range(3):
        kiosk.post(beat, json=body | {"devices": PAPER_OUT, "paper_level": "out"})
    rows = query(backend, "SELECT kind, cleared_at FROM console_alerts WHERE subject = ?",
                 "kiosk-01")  # fmt: skip
    assert rows == [("paper_low", None)]
    kiosk.post(beat, json=body)
    rows = query(backend, "SELECT kind, cleared_at IS NOT NULL FROM console_alerts")
    assert rows == [("paper_low", True)]
    assert query(backend, "SELECT COUNT(*) FROM kiosk_heartbeats WHERE kiosk_id = ?",
                 "kiosk-01") == [(5,)]  # fmt: skip
    ops = http_login(backend.url, "ops")
    switched = ops.post("/console/fleet/kiosk-01/service",
                        data={"csrf_token": ops.csrf, "out_of_service": "on"})  # fmt: skip
    assert switched.status_code == 303
    assert kiosk.post(beat, json=body).json()["out_of_service"] is True
    # the report: net = payments + channels' collections − refunds, from the tables
    paid_order(kiosk, line("ADM", slot("ADM", later_day(3), 11), "ADM-ADULT"))
    finance = http_login(backend.url, "finance")
    day = date.today().isoformat()
    got = finance.get("/console/reports/export.csv", params={"start": day, "end": day})
    rows = list(csv.reader(io.StringIO(got.content.decode("utf-8-sig"))))
    total = dict(zip(rows[1], next(r for r in rows if r and r[0] == "total"), strict=True))
    money = query(backend, "SELECT (SELECT COALESCE(SUM(amount_fen), 0) FROM payments WHERE "
                  "status = 'success') + (SELECT COALESCE(SUM(total_fen), 0) FROM orders WHERE "
                  "channel != 'kiosk' AND paid_at IS NOT NULL) - (SELECT COALESCE(SUM("
                  "amount_fen), 0) FROM refunds)")[0][0]  # fmt: skip
    assert int(total["net_fen"]) == money > 0
