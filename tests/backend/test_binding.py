"""Parent/child binding (父子票) kept after the sale, over HTTP: each add-on ticket records its
parent, at most N add-ons of a product per parent (SHOW 1, CABLE 2 in the demo seed),
refunding a parent takes its unused add-ons along (money back once), rebooking a parent to
another day is refused while it carries add-ons. The gate's side is in test_gate.py."""

from __future__ import annotations

from datetime import timedelta

import httpx

from tests.backend.helpers import current_proof, later_day, line, order, paid_order, proof_of, slot

DAY = later_day(6)


def _parent(client: httpx.Client, hour: int = 10, qty: int = 1, **extra: str) -> dict:
    return paid_order(client, line("ADM", slot("ADM", DAY, hour), "ADM-ADULT", qty), **extra)


def _show(client: httpx.Client, qty: int = 1, **extra: object) -> httpx.Response:
    return order(client, line("SHOW", slot("SHOW", DAY, 14), "SHOW-ADULT", qty, **extra))


def test_the_catalog_states_how_many_addons_a_parent_carries(kiosk_http: httpx.Client):
    products = {p["id"]: p for p in kiosk_http.get("/api/v1/catalog").json()["products"]}
    assert products["SHOW"]["sale_rules"]["addons_per_parent"] == 1
    assert products["CABLE"]["sale_rules"]["addons_per_parent"] == 2
    assert products["CABLE"]["sale_rules"]["requires_parent_entered"] is True
    assert products["SHOW"]["sale_rules"]["requires_parent_entered"] is False


def test_two_addons_on_one_admission_where_the_rule_is_one_the_second_is_refused(
    kiosk_http: httpx.Client,
):
    parent = _parent(kiosk_http)["tickets"][0]
    first = _show(kiosk_http, parent_ticket_code=parent["code"])
    assert first.status_code == 201, first.text
    assert first.json()["tickets"][0]["parent_ticket_id"] == parent["id"]
    second = _show(kiosk_http, parent_ticket_code=parent["code"])
    assert second.status_code == 409
    error = second.json()["error"]
    assert error["code"] == "addon_limit_reached"
    assert "上限" in error["message"]["zh"] and "as many" in error["message"]["en"]
    # two at once on one parent: refused as a whole, nothing held
    other = _parent(kiosk_http, hour=11)["tickets"][0]
    both = _show(kiosk_http, 2, parent_ticket_code=other["code"])
    assert both.json()["error"]["code"] == "addon_limit_reached"


def test_ten_cable_cars_on_one_admission_found_by_phone_stop_at_the_products_limit(
    kiosk_http: httpx.Client,
):
    phone = "13512345678"
    parent = _parent(kiosk_http, hour=12, buyer_phone=phone)["tickets"][0]
    cable = line("CABLE", slot("CABLE", DAY, 13), "CABLE-ADULT")
    bought = [order(kiosk_http, cable, buyer_phone=phone) for _ in range(3)]
    assert [r.status_code for r in bought] == [201, 201, 409]
    assert bought[2].json()["error"]["code"] == "addon_limit_reached"
    assert {r.json()["tickets"][0]["parent_ticket_id"] for r in bought[:2]} == {parent["id"]}


def test_addons_in_one_order_hang_on_the_matching_parents(kiosk_http: httpx.Client):
    o = paid_order(
        kiosk_http,
        line("ADM", slot("ADM", DAY, 9), "ADM-ADULT"),
        line("ADM", slot("ADM", DAY, 9), "ADM-CHILD"),
        line("CABLE", slot("CABLE", DAY, 10), "CABLE-CHILD"),
        line("CABLE", slot("CABLE", DAY, 10), "CABLE-ADULT"),
    )
    by_type = {t["ticket_type_id"]: t for t in o["tickets"]}
    assert by_type["CABLE-ADULT"]["parent_ticket_id"] == by_type["ADM-ADULT"]["id"]
    assert by_type["CABLE-CHILD"]["parent_ticket_id"] == by_type["ADM-CHILD"]["id"]
    assert by_type["ADM-ADULT"]["parent_ticket_id"] is None
    # one admission, two shows in the same order: the second has no parent with room
    r = order(
        kiosk_http,
        line("ADM", slot("ADM", DAY, 9), "ADM-ADULT"),
        line("SHOW", slot("SHOW", DAY, 16), "SHOW-ADULT", 2),
    )
    assert r.json()["error"]["code"] == "addon_limit_reached"


def test_refund_of_a_parent_refunds_its_addon_once_money_back_once(kiosk_http: httpx.Client):
    o = paid_order(
        kiosk_http,
        line("ADM", slot("ADM", DAY, 14), "ADM-ADULT"),
        line("SHOW", slot("SHOW", DAY, 14), "SHOW-ADULT"),
    )
    adm, show = o["tickets"]
    assert show["parent_ticket_id"] == adm["id"]
    url = f"/api/v1/orders/{o['id']}/refund"
    key = {"Idempotency-Key": "refund-parent-1"}
    shown = proof_of(o)
    first = kiosk_http.post(url, json={"ticket_ids": [adm["id"]], **shown}, headers=key)
    assert first.status_code == 200, first.text
    answer = first.json()
    assert answer["refunded_fen"] == o["total_fen"] and answer["fee_fen"] == 0
    assert [a["ticket_id"] for a in answer["addons_refunded"]] == [show["id"]]
    assert {t["status"] for t in answer["order"]["tickets"]} == {"refunded"}
    assert answer["order"]["status"] == "refunded"
    again = kiosk_http.post(url, json={"ticket_ids": [adm["id"]], **shown}, headers=key)
    assert again.json() == answer  # the retry gets the first answer, nothing more
    after = kiosk_http.get(f"/api/v1/orders/{o['id']}").json()
    assert after["refunded_fen"] == o["total_fen"]  # money back once
    late = kiosk_http.post(url, json={"ticket_ids": [show["id"]], **shown})
    assert late.json()["error"]["code"] == "ticket_refunded"


def test_an_addon_bought_later_in_another_order_goes_with_its_parent(kiosk_http: httpx.Client):
    parent_order = _parent(kiosk_http, hour=15)
    parent = parent_order["tickets"][0]
    addon_order = paid_order(
        kiosk_http,
        line("SHOW", slot("SHOW", DAY, 16), "SHOW-ADULT", parent_ticket_code=parent["code"]),
    )
    r = kiosk_http.post(
        f"/api/v1/orders/{parent_order['id']}/refund",
        json={"ticket_ids": [parent["id"]], **proof_of(parent_order)},
    ).json()
    assert r["refunded_fen"] == parent_order["total_fen"] + addon_order["total_fen"]
    assert r["addons_refunded"][0]["order_id"] == addon_order["id"]
    addon_after = kiosk_http.get(f"/api/v1/orders/{addon_order['id']}").json()
    assert addon_after["status"] == "refunded"
    assert addon_after["refunded_fen"] == addon_order["total_fen"]


def test_a_parent_with_addons_moves_within_its_day_but_not_to_another(kiosk_http: httpx.Client):
    o = paid_order(
        kiosk_http,
        line("ADM", slot("ADM", DAY, 11), "ADM-ADULT"),
        line("CABLE", slot("CABLE", DAY, 12), "CABLE-ADULT"),
    )
    adm, cable = o["tickets"]
    url = f"/api/v1/orders/{o['id']}/rebook"
    same_day = kiosk_http.post(
        url, json={"ticket_ids": [adm["id"]], "slot_id": slot("ADM", DAY, 12), **proof_of(o)}
    )
    assert same_day.status_code == 200, same_day.text
    moved = {t["id"]: t for t in same_day.json()["order"]["tickets"]}
    assert moved[cable["id"]]["parent_ticket_id"] == adm["id"]
    other_day = slot("ADM", DAY + timedelta(days=7), 12)
    shown = current_proof(kiosk_http, o["id"])
    refused = kiosk_http.post(url, json={"ticket_ids": [adm["id"]], "slot_id": other_day, **shown})
    assert refused.json()["error"]["code"] == "addons_block_rebook"
    addon_away = kiosk_http.post(
        url,
        json={
            "ticket_ids": [cable["id"]],
            "slot_id": slot("CABLE", DAY + timedelta(days=7), 12),
            **shown,
        },
    )
    assert addon_away.json()["error"]["code"] == "addon_date_mismatch"
    # without its add-on (refunded), the parent moves to another day
    kiosk_http.post(f"/api/v1/orders/{o['id']}/refund", json={"ticket_ids": [cable["id"]], **shown})
    free = kiosk_http.post(url, json={"ticket_ids": [adm["id"]], "slot_id": other_day, **shown})
    assert free.status_code in (200, 202), free.text  # 202: a dearer day, the difference due
