"""POST /orders/quote over real HTTP, on both stores: the server's price line by line, the
coupon and points refusals an order would get, and a quote that is exactly what is charged."""

from __future__ import annotations

import httpx

from tests.backend.helpers import WECHAT_OK, later_day, line, slot

DAY = later_day(4)
ADM = slot("ADM", DAY, 10)
HOLDER = {"doc_type": "id_card", "doc_number": "110101199003072375", "name": "王小明"}


def quote(client: httpx.Client, *lines: dict, **extra: object) -> httpx.Response:
    return client.post("/api/v1/orders/quote", json={"lines": list(lines)} | extra)


def refusal(r: httpx.Response) -> tuple[int, str, str]:
    err = r.json()["error"]
    return r.status_code, err["code"], err["message"]["zh"]


def test_quote_is_what_the_order_charges_and_holds_nothing(kiosk_http: httpx.Client):
    body = {"coupon_code": "welcome10", "member_id": "M2002", "points_to_redeem": 1000}
    adults = line("ADM", ADM, "ADM-ADULT", 2)
    seats = next(s for s in kiosk_http.get("/api/v1/slots", params={"product_id": "ADM",
                 "date": DAY.isoformat()}).json() if s["id"] == ADM)["remaining"]  # fmt: skip
    q = quote(kiosk_http, adults, **body)
    assert q.status_code == 200, q.text
    got = q.json()
    unit = got["lines"][0]["unit_fen"]
    assert got["subtotal_fen"] == 2 * unit
    assert got["member_discount_fen"] == 2 * unit // 10  # gold: 10 %
    assert got["coupon_discount_fen"] == 1000 and got["coupon"]["code"] == "WELCOME10"
    assert got["points_used"] == 1000 and got["points_discount_fen"] == 1000
    # line by line: the discounts of the lines add up to the order's
    [only] = got["lines"]
    assert only["quantity"] == 2 and only["coupon_discount_fen"] == 1000
    assert only["total_fen"] == got["total_fen"]
    assert got["total_fen"] == 2 * unit - 2 * unit // 10 - 1000 - 1000
    # points: at most half of what is left to pay, in steps of 100, within the balance
    assert got["points_max"] % 100 == 0 and got["points_max"] <= 5000
    # nothing held by a quote
    after = kiosk_http.get("/api/v1/slots", params={"product_id": "ADM", "date": DAY.isoformat()})
    assert next(s for s in after.json() if s["id"] == ADM)["remaining"] == seats
    # the order with the same request is held at exactly the quoted total
    placed = kiosk_http.post(
        "/api/v1/orders", json={"lines": [adults], **body}, headers={"Idempotency-Key": "q-1"}
    )
    assert placed.status_code == 201, placed.text
    assert placed.json()["total_fen"] == got["total_fen"]
    paid = kiosk_http.post(
        f"/api/v1/orders/{placed.json()['id']}/payments",
        json={"method": "auth_code", "auth_code": WECHAT_OK},
    )
    assert paid.json()["amount_fen"] == got["total_fen"], paid.text


def test_two_lines_share_a_product_coupon_only_where_it_applies(kiosk_http: httpx.Client):
    adult, senior = line("ADM", ADM, "ADM-ADULT", 1), line("ADM", ADM, "ADM-SENIOR", 1)
    got = quote(kiosk_http, adult, senior, coupon_code="ADM20").json()
    a, s = got["lines"]
    assert a["coupon_discount_fen"] == a["amount_fen"] // 5
    assert s["coupon_discount_fen"] == s["amount_fen"] // 5
    assert got["total_fen"] == a["total_fen"] + s["total_fen"]


def test_coupon_refusals_name_the_reason(kiosk_http: httpx.Client):
    adult = line("ADM", ADM, "ADM-ADULT", 1)
    senior = line("ADM", ADM, "ADM-SENIOR", 1)
    assert refusal(quote(kiosk_http, adult, coupon_code="EXPIRED5"))[:2] == (409, "coupon_expired")
    assert refusal(quote(kiosk_http, adult, coupon_code="LATER5"))[:2] == (
        409, "coupon_not_started")  # fmt: skip
    code, key, zh = refusal(quote(kiosk_http, senior, coupon_code="WELCOME10"))
    assert (code, key) == (409, "coupon_min_spend") and "最低消费" in zh
    assert refusal(quote(kiosk_http, adult, coupon_code="NOSUCH"))[:2] == (404, "coupon_invalid")
    bundle = line("BUNDLE", slot("BUNDLE", DAY, 10), "BUNDLE-ADULT", holders=[HOLDER])
    assert refusal(quote(kiosk_http, bundle, coupon_code="ADM20"))[:2] == (
        409, "coupon_not_applicable")  # fmt: skip


def test_a_one_use_coupon_is_used_up_once_an_order_holds_it(kiosk_http: httpx.Client):
    adult = line("ADM", ADM, "ADM-ADULT", 1)
    assert quote(kiosk_http, adult, coupon_code="ONCE8").json()["coupon_discount_fen"] == 800
    first = kiosk_http.post("/api/v1/orders", json={"lines": [adult], "coupon_code": "ONCE8"},
                            headers={"Idempotency-Key": "once-1"})  # fmt: skip
    assert first.status_code == 201, first.text
    assert refusal(quote(kiosk_http, adult, coupon_code="ONCE8"))[:2] == (409, "coupon_used_up")
    again = kiosk_http.post("/api/v1/orders", json={"lines": [adult], "coupon_code": "ONCE8"},
                            headers={"Idempotency-Key": "once-2"})  # fmt: skip
    assert refusal(again)[:2] == (409, "coupon_used_up")
    # the hold given up: the coupon is free again
    kiosk_http.post(f"/api/v1/orders/{first.json()['id']}/cancel", json={})
    assert quote(kiosk_http, adult, coupon_code="ONCE8").status_code == 200


def test_points_refusals(kiosk_http: httpx.Client):
    adult, senior = line("ADM", ADM, "ADM-ADULT", 1), line("ADM", ADM, "ADM-SENIOR", 1)
    # M2002 (gold) holds 4000 or 5000 points; a senior ticket: at most half of ~54 yuan
    for points, expected in ((150, "points_invalid"), (9000, "points_insufficient"),
                             (3900, "points_over_limit")):  # fmt: skip
        r = quote(kiosk_http, senior, member_id="M2002", points_to_redeem=points)
        assert refusal(r)[1] == expected, (points, r.text)
    assert refusal(quote(kiosk_http, adult, points_to_redeem=100))[1] == "points_need_member"
    ok = quote(kiosk_http, adult, member_id="M2002", points_to_redeem=100).json()
    assert ok["points_discount_fen"] == 100 and ok["member"]["points"] >= 4000
