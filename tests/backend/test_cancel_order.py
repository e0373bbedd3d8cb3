"""A kiosk gives up its unpaid order (`POST /orders/{id}/cancel`): the tourist walked away, or
the kiosk restarted after a crash with the payment reversed. Seats and the kiosk's place under
the unpaid-order cap come back at once, not when the hold would have expired."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from backend_stub.process import BackendProcess
from tests.backend.helpers import WECHAT_NEVER, WECHAT_OK, later_day, line, order, slot

DAY = later_day(4)
SECOND = "kiosk-02-token-of-the-cancel-test"


@pytest.fixture(scope="module")
def default_limits(
    tmp_path_factory: pytest.TempPathFactory, backend_db: Callable[[Path], str | Path]
) -> Iterator[BackendProcess]:
    """The backend as a park runs it: default limits (5 unpaid orders per kiosk), two kiosks."""
    folder: Path = tmp_path_factory.mktemp("cancel")
    extra = ["--kiosk-token", f"{SECOND}=kiosk-02"]
    with BackendProcess(backend_db(folder / "backend.db"), extra_args=extra) as proc:
        yield proc


@pytest.fixture
def one(default_limits: BackendProcess) -> Iterator[httpx.Client]:
    headers = default_limits.kiosk_headers()
    with httpx.Client(base_url=default_limits.url, headers=headers, timeout=10) as c:
        yield c


@pytest.fixture
def two(default_limits: BackendProcess) -> Iterator[httpx.Client]:
    headers = {"Authorization": f"Bearer {SECOND}"}
    with httpx.Client(base_url=default_limits.url, headers=headers, timeout=10) as c:
        yield c


def _remaining(client: httpx.Client, slot_id: str) -> int:
    slots = client.get("/api/v1/slots", params={"product_id": "ADM", "date": DAY.isoformat()})
    return next(s["remaining"] for s in slots.json() if s["id"] == slot_id)


def _hold(client: httpx.Client, hour: int, qty: int = 1) -> httpx.Response:
    return order(client, line("ADM", slot("ADM", DAY, hour), "ADM-ADULT", qty))


def test_cancel_gives_the_seats_back_at_once_and_is_idempotent(one: httpx.Client):
    slot_id = slot("ADM", DAY, 9)
    before = _remaining(one, slot_id)
    held = _hold(one, 9, qty=2).json()
    assert _remaining(one, slot_id) == before - 2
    first = one.post(f"/api/v1/orders/{held['id']}/cancel")
    again = one.post(f"/api/v1/orders/{held['id']}/cancel")
    assert first.status_code == again.status_code == 200
    assert first.json()["status"] == again.json()["status"] == "cancelled"
    assert _remaining(one, slot_id) == before
    pay = one.post(
        f"/api/v1/orders/{held['id']}/payments",
        json={"method": "auth_code", "auth_code": WECHAT_OK},
    )
    assert pay.status_code == 409  # a cancelled order is never paid


def test_a_kiosk_that_cancels_its_walkaways_keeps_selling(one: httpx.Client):
    """Five tourists walk away at the payment prompt; with the default cap of 5 unpaid orders
    the sixth is refused until the kiosk gives one up."""
    held = []
    for _ in range(10):
        r = _hold(one, 11)
        if r.status_code != 201:
            break
        held.append(r.json()["id"])
    assert r.status_code == 429 and r.json()["error"]["code"] == "too_many_unpaid_orders"
    assert one.post(f"/api/v1/orders/{held[0]}/cancel").json()["status"] == "cancelled"
    assert _hold(one, 11).status_code == 201
    for order_id in held[1:]:
        one.post(f"/api/v1/orders/{order_id}/cancel")


def test_only_the_kiosk_that_holds_it_cancels_and_not_while_a_payment_waits(
    one: httpx.Client, two: httpx.Client
):
    held = _hold(one, 13).json()
    assert two.post(f"/api/v1/orders/{held['id']}/cancel").status_code == 404
    payment = one.post(
        f"/api/v1/orders/{held['id']}/payments",
        json={"method": "auth_code", "auth_code": WECHAT_NEVER},
    ).json()
    assert payment["status"] == "userpaying"
    refused = one.post(f"/api/v1/orders/{held['id']}/cancel")
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "payment_in_progress"
    reversed_ = one.post(f"/api/v1/orders/{held['id']}/payments/{payment['id']}/cancel")
    assert reversed_.json()["status"] == "cancelled"
    assert one.post(f"/api/v1/orders/{held['id']}/cancel").json()["status"] == "cancelled"


def test_a_paid_order_is_refunded_not_cancelled(one: httpx.Client):
    held = _hold(one, 14).json()
    pay = one.post(
        f"/api/v1/orders/{held['id']}/payments",
        json={"method": "auth_code", "auth_code": WECHAT_OK},
    )
    assert pay.json()["status"] == "success"
    refused = one.post(f"/api/v1/orders/{held['id']}/cancel")
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "order_not_cancellable"
    assert refused.json()["error"]["message"]["en"]
