"""Issue 11, finding 1: gate codes without owning the ticket.

Found: order numbers counted up (`K261130000001`, `…002`), `GET /pickup?code=KO1:<a guessed
number>` answered paid orders with their signed gate codes (one was admitted at the gate),
`/parents?date=&phone=` answered full codes, and the masked buyer phone showed the very last 4
digits the order-number lookup asked for.

Now: order numbers are random with a check character; a lookup (pickup, parents, after-sales)
never answers a gate code; the order number needs the buyer's FULL phone; the codes go only to
the kiosk that prints the order (`GET /orders/{id}` from the kiosk that took it or found it by
proof)."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from datetime import date

import httpx
import pytest

from backend_stub.process import BackendProcess
from backend_stub.seed import DEMO_ORDER_NOS
from kiosk.domain.order_numbers import ALPHABET, check_char, is_order_no
from tests.backend.helpers import later_day, line, paid_order, slot

# one store: random order numbers and which answers carry gate codes are the services' logic,
# the same SQL on both stores (orders and pickup run on both in test_payments_and_tickets)
pytestmark = pytest.mark.store("sqlite")

ZHANG_ID, ZHANG_PHONE = "110101199003072375", "13800138000"  # Ctrip CT88000001, today
BUYER = "13912345678"


@pytest.fixture(scope="module")
def found(backend: BackendProcess) -> Iterator[tuple[httpx.Client, list[dict]]]:
    """Kiosk-01, and six paid kiosk orders it took (unprinted)."""
    with httpx.Client(base_url=backend.url, headers=backend.kiosk_headers(), timeout=10) as c:
        day = later_day(2)
        orders = [
            paid_order(c, line("ADM", slot("ADM", day, 9 + i), "ADM-ADULT"), buyer_phone=BUYER)
            for i in range(6)
        ]
        yield c, orders


def _codes_in(answer: object) -> list[str]:
    """Every gate code anywhere in a JSON answer (a `code` or `qr_text` holding a KT1 code)."""
    if isinstance(answer, dict):
        here = [
            v
            for k, v in answer.items()
            if k in ("code", "qr_text") and isinstance(v, str) and v.startswith("KT1.")
        ]
        return here + [c for v in answer.values() for c in _codes_in(v)]
    if isinstance(answer, list):
        return [c for v in answer for c in _codes_in(v)]
    return []


def test_finding_1_order_numbers_are_random_with_a_check_character(found):
    _, orders = found
    numbers = [o["order_no"] for o in orders]
    assert all(is_order_no(n) for n in numbers), numbers
    assert len(set(numbers)) == len(numbers)
    # nothing counts up: no two numbers share their first half (50 bits drawn each time)
    assert len({n[:5] for n in numbers}) == len(numbers)
    assert all(o["order_qr"] == f"KO1:{o['order_no']}" for o in orders)


def test_finding_1_guessed_order_numbers_give_nothing(found):
    client, orders = found
    today = date.today()
    # the old scheme, counted up: refused as not an order number at all
    for seq in range(1, 6):
        r = client.get("/api/v1/pickup", params={"code": f"KO1:K{today:%y%m%d}{seq:06d}"})
        assert r.status_code == 422 and r.json()["error"]["code"] == "order_no_invalid"
    # well-formed guesses (a valid check character): nothing found, nothing to print (a few:
    # lookups are rate-limited per kiosk, finding 5; one in 2^50 numbers is an order)
    for _ in range(10):
        body = "".join(secrets.choice(ALPHABET) for _ in range(10))
        r = client.get("/api/v1/pickup", params={"code": f"KO1:{body}{check_char(body)}"})
        assert r.status_code == 200 and r.json()["orders"] == []
    # a real order number with the last 4 phone digits is not enough any more
    real = orders[0]["order_no"]
    last4 = client.get("/api/v1/pickup", params={"order_no": real, "phone_last4": BUYER[-4:]})
    assert last4.status_code == 422 and last4.json()["error"]["code"] == "pickup_query_invalid"
    short = client.get("/api/v1/pickup", params={"order_no": real, "phone": BUYER[-4:]})
    assert short.status_code == 422
    # ... nor a full phone that is not the buyer's, even one ending in the same 4 digits
    other = client.get("/api/v1/pickup", params={"order_no": real, "phone": "13000005678"})
    assert other.status_code == 200 and other.json()["orders"] == []


def test_finding_1_lookups_answer_no_gate_codes(found):
    client, orders = found
    day = orders[0]["tickets"][0]["date"]
    real = orders[0]
    answers = [
        client.get("/api/v1/pickup", params={"order_no": real["order_no"], "phone": BUYER}),
        client.get("/api/v1/pickup", params={"code": real["order_qr"]}),
        client.get("/api/v1/pickup", params={"id_number": ZHANG_ID}),
        client.get("/api/v1/pickup", params={"order_no": "CT88000001", "phone": ZHANG_PHONE}),
        client.get("/api/v1/parents", params={"date": day, "phone": BUYER}),
        client.get(
            "/api/v1/parents", params={"date": date.today().isoformat(), "id_number": ZHANG_ID}
        ),
        client.get("/api/v1/aftersales", params={"id_number": ZHANG_ID}),
    ]
    for r in answers:
        assert r.status_code == 200, r.text
        assert _codes_in(r.json()) == [], r.url
    assert answers[0].json()["orders"][0]["id"] == real["id"]  # found, but without codes
    assert len(answers[4].json()["tickets"]) == len(orders)  # /parents: found, no codes
    assert answers[3].json()["orders"][0]["order_no"] == DEMO_ORDER_NOS["CT88000001"]
    # the masked phone no longer completes a lookup: it shows what the lookup does not take
    assert answers[0].json()["orders"][0]["buyer_phone"] == "139****5678"


def test_finding_1_the_codes_go_to_the_kiosk_printing_the_order(found, backend: BackendProcess):
    client, orders = found
    mine = client.get(f"/api/v1/orders/{orders[0]['id']}").json()  # kiosk-01 took it
    assert len(_codes_in(mine)) == 1
    # Ctrip's order: no kiosk took it; kiosk-01 reads it only once it found it by proof
    ctrip = client.get("/api/v1/pickup", params={"id_number": ZHANG_ID}).json()["orders"][0]
    codes = _codes_in(client.get(f"/api/v1/orders/{ctrip['id']}").json())
    assert len(codes) == 1
    # the gate verifies it (the other place a code goes)
    assert client.post("/api/v1/tickets/verify", json={"code": codes[0]}).json()["admitted"]
