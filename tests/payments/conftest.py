"""Fixtures of the payment tests: each provider's sandbox (a real HTTP server speaking its
wire format) and the backend process configured to use it, one per provider for the whole run
(every payment test of a provider adds to the same ledger: the reconciliation test then matches
a day of varied payments), with
the providers' rules shortened through the config so the tests stay fast."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from backend_stub.payments.sandboxes import Sandboxes, start_sandboxes
from backend_stub.process import BackendProcess
from tests.backend.roomy import ROOMY_LIMITS
from tests.fixtures.backend import chosen_stores
from tests.fixtures.postgres import database_name

# the documented numbers (5-10 s, 45 s, 15 s...) scaled down; the order between them kept
FAST_RULES = {
    "query_interval_seconds": 0.3,
    "give_up_seconds": 3.0,
    "reverse_not_before_seconds": 1.0,
    "reverse_retry_seconds": 0.3,
    "reverse_retries": 5,
    "timeout_seconds": 1.0,
    "refund_retry_seconds": 0.3,
}
PROVIDERS = ("wechat", "alipay")
# a payment code of each wallet (WeChat: 18 digits from 10-15; Alipay: 16-24 from 25-30)
CODES = {"wechat": "134567890123456780", "alipay": "284567890123456780"}


class Sandbox:
    """One provider's sandbox as a test sees it: its control endpoint and ledger."""

    def __init__(self, name: str, url: str) -> None:
        self.name, self.url = name, url
        self.http = httpx.Client(base_url=url, timeout=5)

    def script(self, **fault: Any) -> None:
        self.http.post("/_sandbox/script", json=fault).raise_for_status()

    def scan(self, out_trade_no: str) -> None:
        assert self.http.post("/_sandbox/scan", json={"out_trade_no": out_trade_no}).json()["ok"]

    def bill(self, **tweaks: Any) -> None:
        self.http.post("/_sandbox/bill", json=tweaks).raise_for_status()

    def trades(self) -> dict[str, dict[str, Any]]:
        ledger = self.http.get("/_sandbox/ledger").json()
        return {t["out_trade_no"]: t for t in ledger["trades"]}

    def trade(self, out_trade_no: str) -> dict[str, Any]:
        return self.trades()[out_trade_no]


@pytest.fixture(scope="session", params=PROVIDERS)
def provider(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture(scope="session")
def sandboxes(provider: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandboxes]:
    found = start_sandboxes(
        tmp_path_factory.mktemp(f"sandbox-{provider}"), (provider,), rules=FAST_RULES
    )
    yield found
    found.stop()


@pytest.fixture(scope="session")
def sandbox(provider: str, sandboxes: Sandboxes) -> Sandbox:
    return Sandbox(provider, sandboxes.servers[provider].url)


@pytest.fixture(scope="session")
def paying_backend(
    provider: str,
    sandboxes: Sandboxes,
    tmp_path_factory: pytest.TempPathFactory,
    request: pytest.FixtureRequest,
) -> Iterator[BackendProcess]:
    """The demo backend (its data and tokens), paying through the sandbox, not the simulator;
    on `KIOSK_TEST_DB`'s store (default SQLite)."""
    db: str | Path = tmp_path_factory.mktemp("backend") / "backend.db"
    cluster = None
    if (chosen_stores() or ("sqlite",))[0] == "postgres":
        cluster = request.getfixturevalue("postgres_cluster")
        db = cluster.create_database(database_name(f"payments_{provider}"))
    with BackendProcess(db, payments=sandboxes.config_path, extra_args=ROOMY_LIMITS) as bk:
        yield bk
    if cluster is not None:
        cluster.drop_database(str(db).rsplit("/", 1)[-1])


def wait_for(check: Callable[[], Any], timeout: float = 10.0, step: float = 0.1) -> Any:
    """Ask `check` until it answers something true; that answer (AssertionError at timeout)."""
    deadline = time.monotonic() + timeout
    while True:
        found = check()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"still {found!r} after {timeout}s")
        time.sleep(step)
