"""Finding 5 (issue 11): one kiosk token held every open admission slot for 31 days with one
phone number, 100 made-up ID numbers held a real-name slot at once, and 10,000 phone guesses
ran unhindered. Now: caps on unpaid holds per kiosk and per phone/ID, rate limits on lookups,
gate checks and sign-ins, each refused with 429 and `Retry-After` — on a backend with the
default limits (backend_stub/settings.py LimitSettings)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

import httpx
import pytest

from backend_stub.process import BackendProcess
from kiosk.domain.ids import resident_id_check_char
from tests.backend.helpers import WECHAT_OK, later_day, line, order, slot

# kiosks of the module's backend besides the demo's kiosk-01: the caps and the lookup rates
# count per kiosk, so each test takes two of its own (and a day, people and phones of its own)
KIOSKS = {f"kiosk-{n:02d}": f"strict-kiosk-{n:02d}-token" for n in range(11, 21)}


@pytest.fixture(scope="module")
def strict_backend(
    tmp_path_factory: pytest.TempPathFactory, backend_db: Callable[[Path], str | Path]
) -> Iterator[BackendProcess]:
    """A demo backend with the default limits and the kiosks of KIOSKS, shared by the tests
    whose limits count per kiosk, day or person."""
    extra = [a for kiosk, token in KIOSKS.items() for a in ("--kiosk-token", f"{token}={kiosk}")]
    db = backend_db(tmp_path_factory.mktemp("strict") / "backend.db")
    with BackendProcess(db, seed="demo", extra_args=extra) as proc:
        yield proc


@pytest.fixture
def guessed_backend(
    tmp_path: Path, backend_db: Callable[[Path], str | Path]
) -> Iterator[BackendProcess]:
    """A demo backend with the default limits for a test that makes the whole address wait
    (it would refuse every other test's calls)."""
    with BackendProcess(backend_db(tmp_path / "backend.db"), seed="demo") as proc:
        yield proc


def kiosk(b: BackendProcess, kiosk_id: str) -> httpx.Client:
    return httpx.Client(base_url=b.url, headers={"Authorization": f"Bearer {KIOSKS[kiosk_id]}"})


def made_up_ids(count: int, born: date = date(1980, 1, 1)) -> list[str]:
    """Valid-looking resident ID numbers (check characters right), people who don't exist."""
    out = []
    for n in range(count):
        first17 = f"110101{born.strftime('%Y%m%d')}{n:03d}"
        out.append(first17 + resident_id_check_char(first17))
    return out


def retry_after(r: httpx.Response) -> int:
    assert r.status_code == 429, r.text
    seconds = int(r.headers["Retry-After"])
    assert seconds == r.json()["error"]["retry_after_s"] and seconds >= 1
    return seconds


def test_finding_5_one_kiosk_token_can_no_longer_hold_every_slot(strict_backend: BackendProcess):
    b, day = strict_backend, later_day(5)
    one, other = kiosk(b, "kiosk-11"), kiosk(b, "kiosk-12")
    held, refused = [], []
    for hour in range(8, 17):  # one unpaid order per slot of the day, as the attacker did
        r = order(one, line("ADM", slot("ADM", day, hour), "ADM-ADULT"))
        (held if r.status_code == 201 else refused).append(r)
    assert len(held) == 5 and len(refused) == 4
    assert {r.json()["error"]["code"] for r in refused} == {"too_many_unpaid_orders"}
    assert 1 <= retry_after(refused[0]) <= 300  # when the oldest hold expires
    assert "5" in refused[0].json()["error"]["message"]["zh"]
    # the slots keep their seats: only five were held
    slots = one.get("/api/v1/slots", params={"product_id": "ADM", "date": str(day)}).json()
    assert sum(s["capacity"] - s["remaining"] for s in slots) == 5
    # paying one makes room for the next tourist; another kiosk is not held up at all
    paid = one.post(
        f"/api/v1/orders/{held[0].json()['id']}/payments",
        json={"method": "auth_code", "auth_code": WECHAT_OK},
    )
    assert paid.json()["status"] == "success"
    assert order(one, line("ADM", slot("ADM", day, 16), "ADM-ADULT")).status_code == 201
    assert order(other, line("ADM", slot("ADM", day, 16), "ADM-ADULT")).status_code == 201


def test_finding_5_one_phone_or_id_holds_two_unpaid_orders_at_most(strict_backend: BackendProcess):
    b, day = strict_backend, later_day(6)
    first, second = kiosk(b, "kiosk-13"), kiosk(b, "kiosk-14")
    phone = {"buyer_phone": "13912345678"}
    for client in (first, second):  # on any kiosk
        assert (
            order(client, line("ADM", slot("ADM", day, 9), "ADM-ADULT"), **phone).status_code == 201
        )
    third = order(second, line("ADM", slot("ADM", day, 10), "ADM-ADULT"), **phone)
    assert third.json()["error"]["code"] == "too_many_unpaid_for_person"
    assert retry_after(third) <= 300
    # one ID number the same, as holder on a real-name product
    (someone,) = made_up_ids(1, born=date(1981, 2, 3))
    holder = {"doc_type": "id_card", "doc_number": someone, "name": "测试"}
    for hour in (9, 10):
        r = order(
            first, line("BUNDLE", slot("BUNDLE", day, hour), "BUNDLE-ADULT", holders=[holder])
        )
        assert r.status_code == 201, r.text
    r = order(second, line("BUNDLE", slot("BUNDLE", day, 11), "BUNDLE-ADULT", holders=[holder]))
    assert r.status_code == 429 and r.json()["error"]["code"] == "too_many_unpaid_for_person"


def test_finding_5_a_hundred_made_up_ids_cannot_hold_a_real_name_slot(
    strict_backend: BackendProcess,
):
    b, day = strict_backend, later_day(7)
    one = kiosk(b, "kiosk-15")
    target = slot("BUNDLE", day, 10)  # capacity 100
    people = [{"doc_type": "id_card", "doc_number": n, "name": "假人"} for n in made_up_ids(100)]
    answers = [  # ten a time, the most one order may have
        order(one, line("BUNDLE", target, "BUNDLE-ADULT", 10, holders=people[i : i + 10]))
        for i in range(0, 100, 10)
    ]
    answers += [  # and one by one
        order(one, line("BUNDLE", target, "BUNDLE-ADULT", holders=[p])) for p in people[20:40]
    ]
    held = [r for r in answers if r.status_code == 201]
    assert len(held) == 2, [r.text for r in answers]  # 20 tickets held unpaid per kiosk
    assert all(r.status_code == 429 for r in answers if r.status_code != 201)
    slots = one.get("/api/v1/slots", params={"product_id": "BUNDLE", "date": str(day)}).json()
    (bundle,) = [s for s in slots if s["id"] == target]
    assert bundle["remaining"] == 80  # two orders of 10, no more


def test_finding_5_phone_guesses_are_slowed(strict_backend: BackendProcess):
    b = strict_backend
    one, other = kiosk(b, "kiosk-16"), kiosk(b, "kiosk-17")
    statuses = []
    for guess in range(100):  # guesses at the buyer's phone of a known order number
        r = one.get(
            "/api/v1/pickup", params={"order_no": "MT55000002", "phone": f"1370013{guess:04d}"}
        )
        statuses.append(r.status_code)
    assert 429 in statuses[:31] and statuses.count(429) >= 70
    refused = one.get("/api/v1/pickup", params={"order_no": "MT55000002", "phone": "13700137000"})
    assert refused.json()["error"]["code"] == "rate_limited"  # even the right one, until the wait
    wait = retry_after(refused)
    # at the default rate (30 lookups a minute per kiosk) 10,000 guesses take over five hours
    assert wait <= 60 and 10_000 / 30 * 60 > 5 * 3600
    # another kiosk is not held up by this one (for another order: guesses at one order
    # number are limited across kiosks too)
    found = other.get("/api/v1/pickup", params={"order_no": "CT88000001", "phone": "13800138000"})
    assert found.status_code == 200, found.text
    again = other.get("/api/v1/pickup", params={"order_no": "MT55000002", "phone": "13700137000"})
    assert again.status_code == 429


def test_finding_5_lookups_naming_one_id_are_limited_across_kiosks(strict_backend: BackendProcess):
    b = strict_backend
    first, second = kiosk(b, "kiosk-18"), kiosk(b, "kiosk-19")
    zhang = {"id_number": "110101199003072375"}
    codes = [c.get("/api/v1/pickup", params=zhang).status_code for c in (first, second) * 6]
    assert codes[:10] == [200] * 10 and codes[10:] == [429, 429]
    gate = {"id_number": "110101199003072375", "gate_id": "G-MAIN-1"}
    checks = [first.post("/api/v1/tickets/verify", json=gate) for _ in range(12)]
    assert [r.status_code for r in checks][-1] == 429
    assert checks[-1].json()["error"]["code"] == "rate_limited"


def test_finding_5_token_guesses_from_one_address_wait(guessed_backend: BackendProcess):
    b = guessed_backend
    guesser = httpx.Client(base_url=b.url)
    codes = [
        guesser.get(
            "/api/v1/ops/kiosks", headers={"Authorization": f"Bearer guess-{n}"}
        ).status_code
        for n in range(60)
    ]
    # 30 failures a minute: the bucket refills one every 2 s while the guesses go on
    assert codes[:30] == [401] * 30 and codes.count(401) <= 32 and codes[-10:] == [429] * 10
    # while the address waits, even a right token is refused, with when to come back
    r = httpx.get(b.url + "/api/v1/ops/kiosks", headers=b.ops_headers())
    assert r.json()["error"]["code"] == "rate_limited" and retry_after(r) <= 60
    # a wrong staff PIN is no token guess: its lockout is its own (finding 7)
