"""The calendar: slot templates generate the days ahead on a rolling window with no manual
step, a template change applies to new days only, and closing a day (weather) refunds what
kiosks took in full at once and lists the channels' orders to settle."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import httpx
import pytest

from backend_stub.context import Backend
from backend_stub.process import BackendProcess
from backend_stub.seed import seed_demo
from backend_stub.services.calendar import top_up
from backend_stub.settings import Settings
from backend_stub.stores import open_store
from tests.backend.helpers import line, order, paid_order, slot

TODAY = date.today()
PRODUCTS = {"ADM": 9, "CABLE": 9, "SHOW": 3, "BUNDLE": 9}


def slots_of(client: httpx.Client, product_id: str, day: date) -> list[dict]:
    r = client.get("/api/v1/slots", params={"product_id": product_id, "date": str(day)})
    assert r.status_code == 200, r.text
    return r.json()


def test_after_start_slots_exist_60_days_ahead(backend: BackendProcess, kiosk_http: httpx.Client):
    for product_id, per_day in PRODUCTS.items():
        assert len(slots_of(kiosk_http, product_id, TODAY)) == per_day
        assert len(slots_of(kiosk_http, product_id, TODAY + timedelta(days=60))) == per_day
        assert slots_of(kiosk_http, product_id, TODAY + timedelta(days=61)) == []
    # the seed's fixed days are templates now
    ops = httpx.get(backend.url + "/api/v1/ops/calendar/templates", headers=backend.ops_headers())
    templates = {t["id"]: t for t in ops.json()["templates"]}
    assert set(templates) == {"tpl-ADM", "tpl-CABLE", "tpl-SHOW", "tpl-BUNDLE"}
    adm = templates["tpl-ADM"]
    assert adm["capacity"] == 300 and adm["weekdays"] == [1, 2, 3, 4, 5, 6, 7]
    assert [t["percent"] for t in adm["times"]][:2] == [-10, 0]


def test_templates_are_checked_and_a_new_one_does_not_touch_open_days(backend: BackendProcess):
    url, ops = backend.url + "/api/v1/ops/calendar/templates", backend.ops_headers()
    evening = {
        "product_id": "SHOW",
        "name": "周末夜场 / Weekend evening",
        "weekdays": [6, 7],
        "times": [{"start": "19:00", "end": "20:00"}],
        "capacity": 150,
        "price_percent": 20,
    }
    for body, status, code in (
        (evening | {"product_id": "NOPE"}, 404, "unknown_product"),
        (evening | {"weekdays": [0]}, 422, "template_invalid"),
        (evening | {"times": [{"start": "20:00", "end": "19:00"}]}, 422, "template_invalid"),
        (evening | {"prices_fen": {"ADM-ADULT": 100}}, 404, "unknown_ticket_type"),
        (evening | {"valid_from": "2026-13-01"}, 422, "template_invalid"),
        (evening | {"times": [{"start": "7pm", "end": "20:00"}]}, 422, "invalid_request"),
    ):
        r = httpx.post(url, json=body, headers=ops)
        assert (r.status_code, r.json()["error"]["code"]) == (status, code), r.text
    assert httpx.post(url, json=evening).status_code == 401
    created = httpx.post(url, json=evening, headers=ops)
    assert created.status_code == 201, created.text
    assert created.json()["id"] in {
        t["id"] for t in httpx.get(url, headers=ops).json()["templates"]
    }
    with httpx.Client(base_url=backend.url, headers=backend.kiosk_headers()) as kiosk:
        for offset in range(0, 61, 5):  # every open day keeps its three shows
            assert len(slots_of(kiosk, "SHOW", TODAY + timedelta(days=offset))) == 3
    missing = httpx.put(url + "/tpl-NOPE", json=evening, headers=ops)
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "template_not_found"


def test_a_template_change_applies_to_new_days_only(
    tmp_path: Path, backend_db: Callable[[Path], str | Path]
):
    db = backend_db(tmp_path / "backend.db")
    day60, day61 = TODAY + timedelta(days=60), TODAY + timedelta(days=61)
    far = TODAY + timedelta(days=64)
    with BackendProcess(db, seed="demo") as b:
        kiosk = httpx.Client(base_url=b.url, headers=b.kiosk_headers())
        sold = paid_order(kiosk, line("ADM", slot("ADM", day60, 10), "ADM-ADULT"))
        assert sold["status"] == "paid"
        tpl = httpx.get(b.url + "/api/v1/ops/calendar/templates", headers=b.ops_headers())
        adm = next(t for t in tpl.json()["templates"] if t["id"] == "tpl-ADM")
        change = {k: adm[k] for k in ("product_id", "name", "weekdays", "price_percent")} | {
            "capacity": 250,
            "times": [*adm["times"], {"start": "17:00", "end": "18:00", "percent": 0}],
            "prices_fen": {"ADM-ADULT": 9900},
        }
        put = httpx.put(
            b.url + "/api/v1/ops/calendar/templates/tpl-ADM", json=change, headers=b.ops_headers()
        )
        assert put.status_code == 200 and put.json()["capacity"] == 250, put.text
        # a day beyond the window can be closed ahead: it will be generated closed
        closed = httpx.post(
            b.url + "/api/v1/ops/calendar/close",
            json={"date": str(far), "product_ids": ["ADM"], "reason_zh": "检修"},
            headers=b.ops_headers(),
        )
        assert closed.status_code == 200 and closed.json()["slots_closed"] == 0
        open_day = slots_of(kiosk, "ADM", day60)
        assert [s["capacity"] for s in open_day] == [300] * 9
        assert slots_of(kiosk, "ADM", day61) == []
    # the window grows by a day (as when the day turns): the next day follows the new template
    for _ in range(2):  # twice: generation is idempotent
        with BackendProcess(db, seed="demo", extra_args=["--calendar-days", "65"]) as b:
            kiosk = httpx.Client(base_url=b.url, headers=b.kiosk_headers())
            new_day = slots_of(kiosk, "ADM", day61)
            assert len(new_day) == 10 and {s["capacity"] for s in new_day} == {250}
            assert {s["prices"]["ADM-ADULT"] for s in new_day} == {9900}
            old_day = slots_of(kiosk, "ADM", day60)
            assert len(old_day) == 9 and {s["capacity"] for s in old_day} == {300}
            sold_slot = next(s for s in old_day if s["start"] == "10:00")
            assert sold_slot["remaining"] == 299
            assert len(slots_of(kiosk, "CABLE", day61)) == 9  # other products keep theirs
            assert {s["status"] for s in slots_of(kiosk, "ADM", far)} == {"closed"}


def test_closing_a_day_refunds_kiosk_orders_in_full_and_lists_channel_ones(
    backend: BackendProcess,
):
    b = backend
    day = TODAY + timedelta(days=9)  # no other test here sells or closes it
    kiosk = httpx.Client(base_url=b.url, headers=b.kiosk_headers())
    ops = httpx.Client(base_url=b.url, headers=b.ops_headers())
    paid = paid_order(
        kiosk,
        line("ADM", slot("ADM", day, 10), "ADM-ADULT", 2),
        line("CABLE", slot("CABLE", day, 11), "CABLE-ADULT"),  # bound to an admission above
    )
    held = order(kiosk, line("ADM", slot("ADM", day, 14), "ADM-ADULT"))
    assert held.status_code == 201
    ota = ops.post(
        "/api/v1/channels/meituan/orders",
        json={
            "channel_order_id": "MT-WEATHER-1",
            "lines": [line("ADM", slot("ADM", day, 10), "ADM-ADULT")],
            "buyer_phone": "13700137000",
            "buyer_name": "刘洋",
        },
    )
    assert ota.status_code == 201, ota.text
    past = ops.post("/api/v1/ops/calendar/close", json={"date": str(TODAY - timedelta(days=1))})
    assert past.status_code == 422

    r = ops.post(
        "/api/v1/ops/calendar/close",
        json={"date": str(day), "product_ids": ["ADM"], "reason_zh": "暴雨", "reason_en": "Storm"},
    )
    assert r.status_code == 200, r.text
    closing = r.json()
    assert closing["slots_closed"] == 9 and closing["holds_released"] == 1
    (refund,) = closing["refunded"]
    assert refund["order_id"] == paid["id"]
    # in full, no fee: the area closed, not the tourist; the bound cable car goes with it
    assert refund["refunded_fen"] == paid["total_fen"] == closing["refunded_fen"]
    assert len(refund["ticket_ids"]) == 3
    (settle,) = closing["to_settle_by_channel"]
    assert (settle["order_id"], settle["channel"]) == (ota.json()["id"], "meituan")
    after = kiosk.get(f"/api/v1/orders/{paid['id']}").json()
    assert after["status"] == "refunded" and after["refunded_fen"] == paid["total_fen"]
    assert all(t["refunded_fen"] == t["paid_fen"] for t in after["tickets"])
    revoked = kiosk.get("/api/v1/tickets/revoked").json()["revoked"]
    assert {r["code"] for r in revoked if r["reason"] == "closure"} == {
        t["code"] for t in paid["tickets"]
    }
    assert kiosk.get(f"/api/v1/orders/{held.json()['id']}").json()["status"] == "expired"
    pickup = {"order_no": "MT-WEATHER-1", "phone": "13700137000"}  # as a kiosk finds it
    (untouched,) = kiosk.get("/api/v1/pickup", params=pickup).json()["orders"]
    assert untouched["status"] == "paid" and untouched["refunded_fen"] == 0
    # the day no longer sells; other products' slots that day still do
    assert {s["status"] for s in slots_of(kiosk, "ADM", day)} == {"closed"}
    again = order(kiosk, line("ADM", slot("ADM", day, 15), "ADM-ADULT"))
    assert again.status_code == 409 and again.json()["error"]["code"] == "slot_closed"
    assert {s["status"] for s in slots_of(kiosk, "SHOW", day)} == {"open"}
    # closing again refunds nothing more
    twice = ops.post("/api/v1/ops/calendar/close", json={"date": str(day), "product_ids": ["ADM"]})
    assert twice.json()["refunded_fen"] == 0 and twice.json()["refunded"] == []
    listed = ops.get("/api/v1/ops/calendar/closures").json()["closures"]
    assert {"product_id": "ADM", "date": str(day)}.items() <= listed[0].items()


@pytest.fixture
def local_backend(tmp_path: Path) -> Backend:
    """The backend's services in this process, on a demo database seeded for TODAY."""
    bk = Backend(open_store(str(tmp_path / "b.db")), Settings())
    seed_demo(bk, TODAY)
    return bk


def test_the_sweepers_top_up_is_idempotent_and_leaves_slots_with_sales(local_backend: Backend):
    bk = local_backend
    count = "SELECT COUNT(*) AS n FROM slots WHERE template_id IS NOT NULL"  # not departures
    before = bk.store.one(count)["n"]
    assert before == 61 * sum(PRODUCTS.values())
    assert top_up(bk, TODAY) == 0  # nothing new the same day
    last = TODAY + timedelta(days=60)
    with bk.store.transaction():
        bk.store.run("UPDATE slots SET remaining = 7 WHERE id = ?", (slot("ADM", last, 9),))
    assert top_up(bk, TODAY + timedelta(days=1)) == sum(PRODUCTS.values())  # one more day
    assert top_up(bk, TODAY + timedelta(days=1)) == 0
    row = bk.store.one("SELECT * FROM slots WHERE id = ?", (slot("ADM", last, 9),))
    assert (row["capacity"], row["remaining"]) == (300, 7)
    assert bk.store.one(count)["n"] == before + sum(PRODUCTS.values())
