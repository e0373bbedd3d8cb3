"""A console page that waits on the database holds up no kiosk. The pages are plain `def`
(console.forms.Posted reads the form first), so FastAPI runs them in its threadpool: while
one waits for the write lock (another worker's writer holds it), the worker's event loop
still answers the kiosks. Were a page `async def`, its wait would stall every request of the
worker until the lock came free.

PostgreSQL only: there other workers and processes write beside this one. A SQLite backend is
its file's only writer, and its one connection is shared by the threads under one lock, so a
writer kept waiting from outside holds up every request whatever the page is."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import psycopg
import pytest

from backend_stub.stores.postgres import WRITE_LOCK
from tests.fixtures.backend import query
from tests.fixtures.console import http_login

pytestmark = pytest.mark.parametrize("store", ["postgres"], indirect=True, scope="module")


@contextmanager
def write_lock_held(backend) -> Iterator[None]:
    """Another writer holds the global write lock (stores/postgres.py) until the block ends."""
    with psycopg.connect(str(backend.db)) as conn:
        conn.execute("SELECT pg_advisory_xact_lock(%s)", (WRITE_LOCK,))
        yield
        conn.rollback()


def test_a_console_change_waiting_for_the_database_holds_up_no_kiosk(backend):
    ops = http_login(backend.url, "ops")
    slot_id = query(backend, "SELECT id FROM slots ORDER BY id LIMIT 1")[0][0]
    kiosk = httpx.Client(base_url=backend.url, headers=backend.kiosk_headers(), timeout=4)
    answers: list[httpx.Response] = []

    def close_slot() -> None:
        answers.append(ops.post(f"/console/calendar/slots/{slot_id}/closed",
                                data={"csrf_token": ops.csrf, "closed": "1"}))  # fmt: skip

    with write_lock_held(backend):
        change = threading.Thread(target=close_slot)
        change.start()
        time.sleep(0.5)  # the page is in, waiting for the lock
        assert change.is_alive(), answers and answers[0].text[:300]
        catalog = kiosk.get("/api/v1/catalog")  # raises ReadTimeout if the worker is stalled
        assert catalog.status_code == 200
        assert change.is_alive(), "the console change should still be waiting for the lock"
    change.join(timeout=20)
    assert answers and answers[0].status_code == 303, answers and answers[0].text[:300]
    assert query(backend, "SELECT closed FROM slots WHERE id = ?", slot_id)[0][0] in (1, True)
