"""Issue 12: the backend with 3 worker processes on one PostgreSQL never sells a seat twice, and
a worker killed mid-load loses no paid order and leaves every slot's count right.

The kiosks are asyncio connections of the benchmark's lean HTTP client (bench/backend_http.py:
httpx's async pool spends more CPU than the 3 workers on this 2-core machine); the backend's
limits are roomy (tests/backend/roomy.py): one demo token speaks for them all."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psycopg
import pytest

from backend_stub.process import BackendProcess
from bench.backend_http import LeanClient
from peripherals.idcard.emulator.cards import DEMO_CARDS
from tests.backend.helpers import WECHAT_OK, later_day, slot
from tests.backend.roomy import ROOMY_LIMITS

WORKERS = 3
SEATS_TAKEN = ("held", "issued", "printed", "used")  # ticket states that hold a seat


# kiosks with tokens of their own: their writes take per-kiosk locks (stores/postgres.py), so
# they run side by side and the rules across kiosks are what hold them
KIOSKS = {f"workers-test-token-{n:02d}": f"kiosk-w{n:02d}" for n in range(40)}
KIOSK_ARGS = [a for token, kid in KIOSKS.items() for a in ("--kiosk-token", f"{token}={kid}")]


def start_workers(url: str, tmp_path_factory: pytest.TempPathFactory) -> BackendProcess:
    workdir = tmp_path_factory.mktemp("workers")
    backend = BackendProcess(
        url, workers=WORKERS, workdir=workdir, extra_args=ROOMY_LIMITS + KIOSK_ARGS
    )
    backend.start()
    deadline = time.monotonic() + 30
    while len(backend.worker_pids()) < WORKERS:  # every worker up, not just the first
        assert time.monotonic() < deadline, f"workers: {backend.worker_pids()}"
        time.sleep(0.1)
    with httpx.Client(base_url=backend.url, timeout=10) as c:
        for _ in range(2 * WORKERS):
            c.get("/api/v1/health").raise_for_status()
    return backend


@pytest.fixture(scope="module")
def workers3(
    postgres_database: Callable[[str], str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[BackendProcess]:
    """3 workers on a new database of the session's PostgreSQL, shared by the module (a start
    takes seconds); the test that kills a worker comes last."""
    backend = start_workers(postgres_database("workers"), tmp_path_factory)
    try:
        yield backend
    finally:
        backend.stop()


def set_capacity(backend: BackendProcess, slot_id: str, capacity: int) -> None:
    with httpx.Client(base_url=backend.url, headers=backend.ops_headers(), timeout=10) as c:
        c.put(f"/api/v1/ops/slots/{slot_id}", json={"capacity": capacity}).raise_for_status()


def seats(url: str, slot_id: str) -> tuple[int, int, int]:
    """From the database itself: (capacity, remaining, tickets holding a seat) of a slot."""
    with psycopg.connect(url) as conn:
        capacity, remaining = conn.execute(
            "SELECT capacity, remaining FROM slots WHERE id = %s", (slot_id,)
        ).fetchone()
        (taken,) = conn.execute(
            "SELECT COUNT(*) FROM tickets WHERE slot_id = %s AND status = ANY(%s)",
            (slot_id, list(SEATS_TAKEN)),
        ).fetchone()
    return capacity, remaining, taken


def adult(slot_id: str) -> dict:
    line = {"product_id": "ADM", "slot_id": slot_id, "ticket_type_id": "ADM-ADULT", "quantity": 1}
    return {"lines": [line]}


async def post(
    kiosk: LeanClient, path: str, body: dict, key: str, errors: list[str] | None = None
) -> tuple[int, dict]:
    """A kiosk's POST: on a broken connection tried again (new connection, same idempotency
    key), as the kiosk's client does."""
    for _ in range(5):
        try:
            status, raw = await kiosk.request("POST", path, body, {"Idempotency-Key": key})
            return status, json.loads(raw) if raw else {}
        except (OSError, TimeoutError, asyncio.IncompleteReadError) as exc:
            if errors is not None:
                errors.append(type(exc).__name__)
            await kiosk.close()
            await asyncio.sleep(0.05)
    return 0, {}


def test_2000_concurrent_holds_on_3_workers_hold_exactly_the_100_seats(
    workers3: BackendProcess,
) -> None:
    slot_id = slot("ADM", later_day(4), 15)
    set_capacity(workers3, slot_id, 100)

    async def hold_all() -> list[tuple[int, str]]:
        async def one(i: int) -> tuple[int, str]:  # 2,000 kiosks, each its own connection
            kiosk = LeanClient("127.0.0.1", workers3.port, workers3.kiosk_headers(), timeout=120)
            try:
                status, body = await post(kiosk, "/api/v1/orders", adult(slot_id), f"os-{i}")
            finally:
                await kiosk.close()
            return status, body.get("status") or body.get("error", {}).get("code", "")

        return await asyncio.gather(*(one(i) for i in range(2000)))

    answers = Counter(asyncio.run(hold_all()))
    assert answers == {(201, "held"): 100, (409, "sold_out"): 1900}, answers
    assert seats(str(workers3.db), slot_id) == (100, 0, 100)


def test_kiosks_on_3_workers_racing_keep_real_name_idempotency_and_one_payment(
    workers3: BackendProcess,
) -> None:
    """40 kiosks at once: the same document for one slot (one ticket), orders for two slots
    named in both orders (all held), one kiosk's retries under one Idempotency-Key (one order),
    and ten payments of one order (one charge)."""
    card = DEMO_CARDS["foreign_smith"]
    holder = {"doc_type": card.doc_type, "doc_number": card.id_number, "name": card.name}
    bundle_slot = slot("BUNDLE", later_day(6), 10)
    same_person = {
        "lines": [
            {
                "product_id": "BUNDLE",
                "slot_id": bundle_slot,
                "ticket_type_id": "BUNDLE-ADULT",
                "quantity": 1,
                "holders": [holder],
            }
        ]
    }
    tokens = list(KIOSKS)

    def client(token: str) -> LeanClient:
        return LeanClient("127.0.0.1", workers3.port, {"Authorization": f"Bearer {token}"}, 60)

    async def race(body: dict, keys: list[str], tokens: list[str], path: str) -> list:
        async def one(token: str, key: str) -> tuple[int, dict]:
            kiosk = client(token)
            try:
                return await post(kiosk, path, body, key)
            finally:
                await kiosk.close()

        return await asyncio.gather(*(one(t, k) for t, k in zip(tokens, keys, strict=True)))

    # one document, 40 kiosks, the same slot: exactly one ticket
    answers = asyncio.run(
        race(same_person, [f"rn-{n}" for n in range(40)], tokens, "/api/v1/orders")
    )
    codes = Counter(body.get("status") or body["error"]["code"] for _, body in answers)
    assert codes == {"held": 1, "duplicate_real_name": 39}, codes
    # two slots in one order, half the kiosks naming them the other way round: every order held
    # (rows locked in one order: no deadlock between writers running side by side)
    a, b = slot("ADM", later_day(6), 13), slot("ADM", later_day(6), 14)
    both = [adult(a)["lines"][0], adult(b)["lines"][0]]

    async def two_slots() -> list:
        async def one(n: int, token: str) -> tuple[int, dict]:
            kiosk = client(token)
            body = {"lines": both if n % 2 else both[::-1]}
            try:
                return await post(kiosk, "/api/v1/orders", body, f"two-{n}")
            finally:
                await kiosk.close()

        return await asyncio.gather(*(one(n, t) for n, t in enumerate(tokens)))

    answers = asyncio.run(two_slots())
    assert Counter(status for status, _ in answers) == {201: len(tokens)}, answers
    # one kiosk's 20 retries of one request under one key: one order, every answer that order
    adult_order = adult(slot("ADM", later_day(6), 10))
    answers = asyncio.run(race(adult_order, ["same-key"] * 20, [tokens[0]] * 20, "/api/v1/orders"))
    assert {status for status, _ in answers} <= {200, 201}, answers
    order_ids = {body["id"] for _, body in answers}
    assert len(order_ids) == 1, order_ids
    # ten payments of that order at once, each under its own key: one charge
    (order_id,) = order_ids
    pay = {"method": "auth_code", "auth_code": WECHAT_OK}
    path = f"/api/v1/orders/{order_id}/payments"
    answers = asyncio.run(race(pay, [f"pay-{n}" for n in range(10)], [tokens[0]] * 10, path))
    assert all(status in (201, 409) for status, _ in answers), answers
    assert [body.get("status") for _, body in answers].count("success") == 1, answers
    with psycopg.connect(str(workers3.db)) as conn:
        (orders,) = conn.execute(
            "SELECT COUNT(*) FROM orders WHERE kiosk_id = %s AND idem_key = 'same-key'",
            (KIOSKS[tokens[0]],),
        ).fetchone()
        (charged,) = conn.execute(
            "SELECT COUNT(*) FROM payments WHERE order_id = %s AND status = 'success'",
            (order_id,),
        ).fetchone()
    assert (orders, charged) == (1, 1)


@dataclass
class Load:
    """What the kiosks saw while a worker died."""

    paid: set[str] = field(default_factory=set)
    statuses: Counter[int] = field(default_factory=Counter)
    broken: list[str] = field(default_factory=list)  # connections that broke (then retried)


async def buy_until(backend: BackendProcess, load: Load, n: int, slots: list[str], end: float):
    """One kiosk: hold one adult ticket, pay by code, again, until `end`."""
    kiosk = LeanClient("127.0.0.1", backend.port, backend.kiosk_headers(), timeout=30)
    i = 0
    try:
        while time.monotonic() < end:
            i += 1
            slot_id = slots[(n + i) % len(slots)]
            status, held = await post(
                kiosk, "/api/v1/orders", adult(slot_id), f"k{n}-{i}", load.broken
            )
            load.statuses[status] += 1
            if status != 201:
                continue
            pay = {"method": "auth_code", "auth_code": WECHAT_OK}
            path = f"/api/v1/orders/{held['id']}/payments"
            status, paid = await post(kiosk, path, pay, f"p{n}-{i}", load.broken)
            load.statuses[status] += 1
            if status == 201 and paid.get("status") == "success":
                load.paid.add(held["id"])
    finally:
        await kiosk.close()


def busiest_worker(backend: BackendProcess) -> int:
    """The worker holding the most established client connections on the backend's port
    (/proc/net/tcp against each worker's socket inodes): the kernel hands the shared listening
    socket's connections to workers unevenly, so the first worker may hold none."""
    port = f"{backend.port:04X}"
    established: set[str] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table, encoding="ascii") as fh:
            for line in fh.readlines()[1:]:
                fields = line.split()
                if fields[1].endswith(":" + port) and fields[3] == "01":
                    established.add(fields[9])  # the socket's inode

    def held(pid: int) -> int:
        count = 0
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            with contextlib.suppress(OSError):
                link = os.readlink(fd)
                count += link.startswith("socket:[") and link[8:-1] in established
        return count

    return max(backend.worker_pids(), key=held)


def test_a_canary_push_and_its_rollback_reach_every_worker_at_once(
    workers3: BackendProcess,
) -> None:
    """Each worker caches the catalog it serves (services.price_rollouts): a push or rollback
    made through one worker is what the very next call on any worker serves."""
    canary_token, other_token = list(KIOSKS)[:2]
    with psycopg.connect(str(workers3.db)) as conn:  # what the console's kiosks page sets
        conn.execute(
            "INSERT INTO console_kiosks (id, group_name) VALUES (%s, 'canary') "
            "ON CONFLICT (id) DO UPDATE SET group_name = 'canary'",
            (KIOSKS[canary_token],),
        )

    def versions(token: str) -> set[int]:  # a new connection each: any worker answers
        auth = {"Authorization": f"Bearer {token}", "Connection": "close"}
        return {
            httpx.get(workers3.url + "/api/v1/catalog", headers=auth, timeout=10).json()["version"]
            for _ in range(3 * WORKERS)
        }

    before = versions(canary_token)  # every worker has it cached now
    assert len(before) == 1
    with httpx.Client(base_url=workers3.url + "/api/v1", headers=workers3.ops_headers()) as ops:
        body = {"prices": [{"ticket_type_id": "ADM-ADULT", "base_fen": 15500}]}
        change = ops.post("/ops/price-changes", json=body).json()
        pushed = ops.post(f"/ops/price-changes/{change['id']}/canary", json={"group": "canary"})
        assert versions(canary_token) == {pushed.json()["version"]} != before
        assert versions(other_token) == before
        ops.post(f"/ops/price-changes/{change['id']}/rollback").raise_for_status()
    assert versions(canary_token) == before


def test_a_worker_killed_mid_load_loses_no_paid_order_and_no_seat(
    workers3: BackendProcess,
) -> None:
    day = later_day(5)
    capacities = {slot("ADM", day, 10): 2000, slot("ADM", day, 11): 2000, slot("ADM", day, 12): 40}
    for slot_id, capacity in capacities.items():
        set_capacity(workers3, slot_id, capacity)
    load = Load()
    victim = 0

    async def run() -> None:
        end = time.monotonic() + 6
        buyers = [buy_until(workers3, load, n, list(capacities), end) for n in range(32)]

        async def kill_one() -> None:
            nonlocal victim
            await asyncio.sleep(2)
            victim = busiest_worker(workers3)
            os.kill(victim, signal.SIGKILL)

        await asyncio.gather(kill_one(), *buyers)

    asyncio.run(run())
    assert victim not in workers3.worker_pids()
    assert load.broken, "no kiosk was on the killed worker: the test proved nothing"
    assert load.paid, f"nothing paid: {load.statuses}"
    assert not [s for s in load.statuses if s >= 500 or s == 0], load.statuses
    url = str(workers3.db)
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT id, status FROM orders WHERE id = ANY(%s)", (list(load.paid),)
        ).fetchall()
    statuses = dict(rows)
    lost = [o for o in load.paid if statuses.get(o) != "paid"]
    assert not lost, f"{len(lost)} of {len(load.paid)} orders the kiosks saw paid are not: {lost}"
    for slot_id, capacity in capacities.items():
        cap, remaining, taken = seats(url, slot_id)
        assert cap == capacity and remaining == capacity - taken and remaining >= 0, slot_id
    # and the backend still sells with the workers it has left
    with httpx.Client(base_url=workers3.url, headers=workers3.kiosk_headers(), timeout=10) as c:
        after = c.post("/api/v1/orders", json=adult(slot("ADM", day, 10)))
        assert after.status_code == 201, after.text
