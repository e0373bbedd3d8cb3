"""Kill the kiosk (SIGKILL, a real process) at each step of a purchase, restart it, and check:
every order is fully printed or was never charged / reversed, and nothing prints twice.

The printer emulator and the backend live outside the kiosk process, so they see what a real
printer and a real backend would see across the crash.
"""

from __future__ import annotations

import json
import signal
import sqlite3
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from appliance.scenarios import PAY_NEVER, PAY_OK, PAY_USERPAYING
from backend_stub.process import BackendProcess
from peripherals.printer.emulator import PrinterEmulator
from tests.flows.conftest import api

CASES = [
    ("order_held", PAY_OK),
    ("payment_submitted", PAY_OK),  # charged, but the kiosk never wrote down the answer
    ("payment_submitted", PAY_USERPAYING),  # the tourist was still confirming on the phone
    ("payment_submitted", PAY_NEVER),  # never confirmed: must be reversed, not left pending
    ("payment_success", PAY_OK),
    ("ticket_printed_1", PAY_OK),  # ticket 1 of 2 out
    ("ticket_printed_2", PAY_OK),  # both out, the order not yet closed in the journal
]


@pytest.fixture
def printer(artifacts_dir: Path) -> Iterator[PrinterEmulator]:
    emu = PrinterEmulator(port=0, out_dir=artifacts_dir / "tickets", paper_mm=5_000).start()
    yield emu
    emu.stop()


def kiosk_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "appliance.cli", "play", *args]


@pytest.mark.slow
@pytest.mark.parametrize(("step", "code"), CASES, ids=[f"{s}-{c[-1]}" for s, c in CASES])
def test_kill_at_each_step_then_restart_leaves_nothing_half_done(
    step: str, code: str, backend: BackendProcess, printer: PrinterEmulator, tmp_path: Path
) -> None:
    common = ["--backend-url", backend.url, "--printer", f"tcp://127.0.0.1:{printer.port}",
              "--data-dir", str(tmp_path / "kiosk"), "--out", str(tmp_path / "run"),
              "--payment-poll-seconds", "4"]  # fmt: skip
    crashed = subprocess.run(
        kiosk_cmd("purchase", "--json", "--crash-after", step, "--pay-code", code, *common),
        capture_output=True, timeout=90,
    )  # fmt: skip
    assert crashed.returncode == -signal.SIGKILL, crashed.stderr.decode()[-2000:]
    printed_before = len(printer.tickets)

    restarted = subprocess.run(kiosk_cmd("replay", "--json", *common), capture_output=True,
                               timeout=90)  # fmt: skip
    assert restarted.returncode == 0, restarted.stderr.decode()[-2000:]
    report = json.loads(restarted.stdout)["replayed"]

    journal = sqlite3.connect(tmp_path / "kiosk" / "journal.sqlite")
    order_ids = [r[0] for r in journal.execute("SELECT order_id FROM orders") if r[0]]
    assert len(order_ids) == 1
    order = api(backend, f"/orders/{order_ids[0]}")
    codes = Counter(c for t in printer.tickets if t.complete for c in t.qr_payloads)
    assert all(n == 1 for n in codes.values()), "a ticket printed twice"
    if order["status"] == "paid":
        assert {t["status"] for t in order["tickets"]} == {"printed"}
        assert set(codes) == {t["code"] for t in order["tickets"]}
    else:
        assert order["status"] in ("held", "expired", "cancelled")
        assert codes == Counter()
        payments = journal.execute("SELECT state FROM payments").fetchall()
        assert all(state in ("cancelled", "failed") for (state,) in payments), payments
    # what each step must come to
    if step == "order_held" or code == PAY_NEVER:
        assert order["status"] != "paid"
    else:
        assert order["status"] == "paid"
    if step.startswith("ticket_printed"):
        already = int(step.rsplit("_", 1)[1])
        assert len(printer.tickets) - printed_before == 2 - already  # only the rest printed
        assert len(report["tickets_printed"]) == 2 - already
