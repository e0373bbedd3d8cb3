"""Staged price changes over HTTP, on both stores (issue 13B, services.price_rollouts): the
catalog a kiosk is served — and the price its orders are held at — follows its group and the
rollout: a draft changes nothing, a canary push reaches the canary group's kiosk only (a new
version and ETag; its slots and orders at the new price), a rollback takes it back, a push to
all reaches every kiosk, a change scheduled for later waits for its time (the preview shows
it); a catalog edit on the console is a new version too; the fleet view pairs each kiosk's
reported version with the one it should run."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import httpx

from backend_stub.process import BackendProcess
from tests.backend.helpers import line, order, slot
from tests.fixtures.console import http_login

API = "/api/v1"
DAY = date.today() + timedelta(days=2)
SLOT = slot("ADM", DAY, 10)


def _catalog(kiosk: httpx.Client, etag: str = "") -> httpx.Response:
    return kiosk.get(API + "/catalog", headers={"If-None-Match": etag} if etag else {})


def _price(kiosk: httpx.Client) -> int:
    slots = kiosk.get(API + "/slots", params={"product_id": "ADM", "date": DAY.isoformat()})
    return next(s for s in slots.json() if s["id"] == SLOT)["prices"]["ADM-ADULT"]


def _held_total(kiosk: httpx.Client) -> int:
    held = order(kiosk, line("ADM", SLOT, "ADM-ADULT"))
    assert held.status_code == 201, held.text
    kiosk.post(f"{API}/orders/{held.json()['id']}/cancel", json={})
    return held.json()["total_fen"]


def test_a_price_change_follows_the_kiosks_group_and_the_rollout(backend: BackendProcess):
    ops = httpx.Client(base_url=backend.url + API, headers=backend.ops_headers(), timeout=10)
    kiosk = httpx.Client(base_url=backend.url, headers=backend.kiosk_headers(), timeout=10)
    admin = http_login(backend.url, "admin")
    moved = admin.post(
        "/console/kiosks/kiosk-01/group", data={"csrf_token": admin.csrf, "group": "canary"}
    )
    assert moved.status_code == 303
    first = _catalog(kiosk)
    v1, etag1, old_price = first.json()["version"], first.headers["etag"], _price(kiosk)
    body = {"prices": [{"ticket_type_id": "ADM-ADULT", "base_fen": 15000}], "note": "test"}
    draft = ops.post("/ops/price-changes", json=body).json()
    assert draft["stage"] == "draft" and draft["before"] == {"ADM-ADULT": 12000}
    assert _catalog(kiosk, etag1).status_code == 304  # a draft changes nothing
    canary = ops.post(f"/ops/price-changes/{draft['id']}/canary", json={"group": "canary"})
    assert canary.json()["stage"] == "canary" and canary.json()["version"] > v1
    now = _catalog(kiosk, etag1)
    assert now.status_code == 200 and now.json()["version"] == canary.json()["version"]
    adult = next(
        t
        for p in now.json()["products"]
        if p["id"] == "ADM"
        for t in p["ticket_types"]
        if t["id"] == "ADM-ADULT"
    )
    assert adult["base_fen"] == 15000
    new_price = _price(kiosk)
    assert new_price == old_price * 150 // 120 and _held_total(kiosk) == new_price
    quoted = kiosk.post(API + "/orders/quote", json={"lines": [line("ADM", SLOT, "ADM-ADULT")]})
    assert quoted.json()["total_fen"] == new_price  # the quote a kiosk shows: the same price
    # the fleet view: kiosk-01 should run the canary version; it says so in its heartbeat
    beat = {"catalog_version": canary.json()["version"], "paper_level": "ok"}
    assert kiosk.post(API + "/kiosks/kiosk-01/heartbeat", json=beat).status_code == 200
    fleet = {k["kiosk_id"]: k for k in ops.get("/ops/catalog/fleet").json()["kiosks"]}
    assert fleet["kiosk-01"]["group"] == "canary" and fleet["kiosk-01"]["up_to_date"]
    # rolled back: the old prices, under the version of before
    back = ops.post(f"/ops/price-changes/{draft['id']}/rollback")
    assert back.json()["stage"] == "rolled_back"
    again = _catalog(kiosk, now.headers["etag"])
    assert again.status_code == 200 and again.json()["version"] == v1
    assert _price(kiosk) == old_price and _held_total(kiosk) == old_price
    # scheduled for later and pushed to all: nothing yet, the preview shows it at its time
    later = (datetime.now() + timedelta(hours=2)).replace(microsecond=0)
    body = {
        "prices": [{"ticket_type_id": "ADM-ADULT", "base_fen": 13000}],
        "effective_at": later.isoformat(),
    }
    scheduled = ops.post("/ops/price-changes", json=body).json()
    assert ops.post(f"/ops/price-changes/{scheduled['id']}/all").json()["stage"] == "all"
    assert _price(kiosk) == old_price
    seen = ops.get("/ops/catalog/preview", params={"at": later.isoformat()}).json()
    row = next(r for r in seen["rows"] if r["ticket_type_id"] == "ADM-ADULT")
    assert row["base_fen"] == 13000
    # a catalog edit on the console: a new version, so kiosks polling with an ETag refetch
    ops_user = http_login(backend.url, "ops")
    current = _catalog(kiosk)
    edit = ops_user.post(
        "/console/catalog/ADM/sale", data={"csrf_token": ops_user.csrf, "on_sale": "0"}
    )
    assert edit.status_code == 303
    off = _catalog(kiosk, current.headers["etag"])
    assert off.status_code == 200 and off.json()["version"] > current.json()["version"]
    assert "ADM" not in [p["id"] for p in off.json()["products"]]
    assert order(kiosk, line("ADM", SLOT, "ADM-ADULT")).json()["error"]["code"] == "unknown_product"
    ops_user.post("/console/catalog/ADM/sale", data={"csrf_token": ops_user.csrf, "on_sale": "1"})
    assert "ADM" in [p["id"] for p in _catalog(kiosk).json()["products"]]
