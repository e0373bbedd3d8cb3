"""The crash test (tests/flows/test_crash.py) against a real provider's sandbox: the kiosk is
SIGKILLed right after the payment was submitted, before it wrote the answer down and before
any query; the restarted kiosk replays its journal. Whatever the customer did on the phone,
there is exactly one charge and the tickets printed once, or no charge and nothing printed."""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from backend_stub.process import BackendProcess
from peripherals.printer.emulator import PrinterEmulator
from tests.flows.test_crash import kiosk_cmd
from tests.payments.conftest import CODES, Sandbox, wait_for


@pytest.fixture
def printer(artifacts_dir: Path) -> Iterator[PrinterEmulator]:
    emu = PrinterEmulator(port=0, out_dir=artifacts_dir / "tickets", paper_mm=5_000).start()
    yield emu
    emu.stop()


# what the customer does while the kiosk is down: WeChat's pays on the 2nd query, Alipay's never
FAULTS = {"wechat": "userpaying_then_success", "alipay": "userpaying_forever"}


@pytest.mark.slow
def test_kill_between_payment_and_query_then_replay_one_charge_or_none(
    provider: str,
    paying_backend: BackendProcess,
    sandbox: Sandbox,
    printer: PrinterEmulator,
    tmp_path: Path,
) -> None:
    fault = FAULTS[provider]
    sandbox.script(fault=fault, queries=2)
    common = ["--backend-url", paying_backend.url,
              "--printer", f"tcp://127.0.0.1:{printer.port}",
              "--data-dir", str(tmp_path / "kiosk"), "--out", str(tmp_path / "run"),
              "--payment-poll-seconds", "4"]  # fmt: skip
    crashed = subprocess.run(
        kiosk_cmd("purchase", "--json", "--crash-after", "payment_submitted",
                  "--pay-code", CODES[provider], *common),
        capture_output=True, timeout=90,
    )  # fmt: skip
    assert crashed.returncode == -signal.SIGKILL, crashed.stderr.decode()[-2000:]
    restarted = subprocess.run(kiosk_cmd("replay", "--json", *common), capture_output=True,
                               timeout=90)  # fmt: skip
    assert restarted.returncode == 0, restarted.stderr.decode()[-2000:]
    json.loads(restarted.stdout)

    journal = sqlite3.connect(tmp_path / "kiosk" / "journal.sqlite")
    [(order_id,)] = journal.execute("SELECT order_id FROM orders").fetchall()
    import httpx

    http = httpx.Client(base_url=paying_backend.url, headers=paying_backend.kiosk_headers())
    order = http.get(f"/api/v1/orders/{order_id}").json()
    ours = [t for no, t in sandbox.trades().items() if no.startswith("P" + order["order_no"])]
    assert len(ours) == 1 and ours[0]["pay_calls"] == 1  # one trade, paid for once at most
    codes = Counter(c for t in printer.tickets if t.complete for c in t.qr_payloads)
    if fault == "userpaying_then_success":
        assert order["status"] == "paid" and ours[0]["state"] == "SUCCESS"
        assert set(codes) == {t["code"] for t in order["tickets"]}
        assert all(n == 1 for n in codes.values())
    else:
        assert order["status"] != "paid" and codes == Counter()
        wait_for(lambda: sandbox.trade(ours[0]["out_trade_no"])["state"] == "REVOKED")
        states = journal.execute("SELECT state FROM payments").fetchall()
        assert all(s in ("cancelled", "failed") for (s,) in states), states
