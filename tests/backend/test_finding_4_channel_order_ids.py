"""Issue 11, finding 4: a channel order could stop all kiosk sales.

Found: a channel order whose `channel_order_id` equalled the next kiosk order number took that
number as its own order number, and every later kiosk `POST /orders` answered 409
`idempotency_conflict` (the number was taken; the counter never moved on).

Now: every order gets a random order number of ours (a new draw if one is taken); a channel's
order id stays `channel_order_id`, idempotent per channel, in a namespace apart from order
numbers and from the kiosks' Idempotency-Keys."""

from __future__ import annotations

from datetime import date

import httpx

from backend_stub.process import BackendProcess
from kiosk.domain.order_numbers import is_order_no
from tests.backend.helpers import later_day, line, order, paid_order, slot

DAY = later_day(4)
PHONE = "13611112222"


def _import(ops: httpx.Client, channel: str, channel_order_id: str, hour: int) -> httpx.Response:
    body = {
        "channel_order_id": channel_order_id,
        "lines": [line("ADM", slot("ADM", DAY, hour), "ADM-ADULT")],
        "buyer_phone": PHONE,
    }
    return ops.post(f"/api/v1/channels/{channel}/orders", json=body)


def test_finding_4_a_channel_order_named_like_a_kiosk_order_does_not_stop_sales(
    fresh_backend: BackendProcess,
):
    b = fresh_backend
    with (
        httpx.Client(base_url=b.url, headers=b.kiosk_headers(), timeout=10) as kiosk,
        httpx.Client(base_url=b.url, headers=b.ops_headers(), timeout=10) as ops,
    ):
        # the numbers the kiosks' next orders had under the old scheme (K<yymmdd><seq>)...
        old_next = [f"K{date.today():%y%m%d}{seq:06d}" for seq in range(1, 4)]
        for n, channel_order_id in enumerate(old_next):
            assert _import(ops, "meituan", channel_order_id, 9 + n).status_code == 201
        # ... and the number of a kiosk order already sold, sent by two channels
        sold = paid_order(kiosk, line("ADM", slot("ADM", DAY, 12), "ADM-ADULT"))
        for channel in ("ctrip", "fliggy"):
            same = _import(ops, channel, sold["order_no"], 13)
            assert same.status_code == 201, same.text
            assert same.json()["channel_order_id"] == sold["order_no"]
            assert same.json()["order_no"] != sold["order_no"]  # ours, not the channel's id
        # kiosk sales go on, each with a fresh number of ours
        for hour in (14, 15, 16):
            r = order(kiosk, line("ADM", slot("ADM", DAY, hour), "ADM-ADULT"))
            assert r.status_code == 201, r.text
            assert is_order_no(r.json()["order_no"])
        # the channel's id is still its idempotency key, per channel
        again = _import(ops, "ctrip", sold["order_no"], 13)
        assert again.status_code == 200 and again.json()["channel"] == "ctrip"
        # the kiosk order is still itself: its number finds it, not the channel orders
        assert kiosk.get(f"/api/v1/orders/{sold['id']}").json()["order_no"] == sold["order_no"]
        found = kiosk.get("/api/v1/pickup", params={"code": sold["order_qr"]}).json()["orders"]
        assert [o["id"] for o in found] == [sold["id"]]
        # a channel order is found by its channel's id and the buyer's full phone
        by_channel_id = kiosk.get(
            "/api/v1/pickup", params={"order_no": old_next[0], "phone": PHONE}
        ).json()["orders"]
        assert [o["channel_order_id"] for o in by_channel_id] == [old_next[0]]
        assert by_channel_id[0]["order_no"] != old_next[0] and is_order_no(
            by_channel_id[0]["order_no"]
        )
