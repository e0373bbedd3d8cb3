"""The providers' rules, proven over real HTTP: the kiosk-facing payment API of the backend
process, which talks to each provider's sandbox through the real adapter (signatures made and
checked both ways). What a merchant checks: how many times the customer was charged (the
sandbox's ledger) and what the kiosk was told."""

from __future__ import annotations

import itertools
from typing import Any

import httpx
import pytest

from backend_stub.process import BackendProcess
from tests.backend.helpers import later_day, line, order, slot
from tests.payments.conftest import CODES, FAST_RULES, Sandbox, wait_for


@pytest.fixture(scope="module")
def kiosk(paying_backend: BackendProcess) -> httpx.Client:
    return httpx.Client(
        base_url=paying_backend.url, headers=paying_backend.kiosk_headers(), timeout=10
    )


def held(kiosk: httpx.Client) -> dict[str, Any]:
    r = order(kiosk, line("ADM", slot("ADM", later_day(2), 10), "ADM-ADULT"))
    assert r.status_code == 201, r.text
    return r.json()


def pay(kiosk: httpx.Client, provider: str, o: dict[str, Any], key: str = "") -> dict[str, Any]:
    body = {"method": "auth_code", "auth_code": CODES[provider]}
    headers = {"Idempotency-Key": key} if key else {}
    r = kiosk.post(f"/api/v1/orders/{o['id']}/payments", json=body, headers=headers)
    assert r.status_code in (200, 201), r.text
    return r.json()


def poll_until_final(kiosk: httpx.Client, p: dict[str, Any], timeout: float = 10) -> dict:
    def final() -> dict[str, Any] | None:
        now = kiosk.get(f"/api/v1/orders/{p['order_id']}/payments/{p['id']}").json()
        return now if now["status"] in ("success", "failed", "cancelled") else None

    return wait_for(final, timeout, step=0.2)


def charged(sandbox: Sandbox, order_no: str) -> list[dict[str, Any]]:
    """The sandbox's trades of this order that took the customer's money and kept it."""
    return [
        t
        for no, t in sandbox.trades().items()
        if no.startswith(f"P{order_no}") and t["state"] == "SUCCESS"
    ]


def test_paid_at_once_with_one_charge(kiosk: httpx.Client, sandbox: Sandbox, provider: str):
    o = held(kiosk)
    p = pay(kiosk, provider, o)
    assert p["status"] == "success"
    assert kiosk.get(f"/api/v1/orders/{o['id']}").json()["status"] == "paid"
    [trade] = charged(sandbox, o["order_no"])
    assert trade["amount_fen"] == o["total_fen"] and trade["pay_calls"] == 1


def test_userpaying_then_success_found_by_query(kiosk, sandbox, provider):
    sandbox.script(fault="userpaying_then_success", queries=2)
    o = held(kiosk)
    p = pay(kiosk, provider, o)
    assert p["status"] == "userpaying"
    assert poll_until_final(kiosk, p)["status"] == "success"
    [trade] = charged(sandbox, o["order_no"])
    assert trade["pay_calls"] == 1 and trade["queries"] >= 2
    queries = [at for call, at in trade["calls"] if call == "query"]
    gaps = [b - a for a, b in itertools.pairwise(queries)]
    assert all(g >= FAST_RULES["query_interval_seconds"] * 0.9 for g in gaps), gaps


def test_userpaying_never_is_reversed_at_the_limit_not_before_allowed(kiosk, sandbox, provider):
    sandbox.script(fault="userpaying_forever")
    o = held(kiosk)
    p = pay(kiosk, provider, o)
    final = poll_until_final(kiosk, p)  # nobody cancels: the backend gives up by itself
    assert final["status"] == "cancelled" and final["failure"]["code"] == "payment_timeout"
    trade = sandbox.trade(p["trade_no"])
    assert trade["state"] == "REVOKED" and trade["pay_calls"] == 1
    paid_at = next(at for call, at in trade["calls"] if call == "pay")
    reversed_at = next(at for call, at in trade["calls"] if call == "reverse")
    assert reversed_at - paid_at >= FAST_RULES["give_up_seconds"] * 0.9
    assert kiosk.get(f"/api/v1/orders/{o['id']}").json()["status"] == "held"
    assert charged(sandbox, o["order_no"]) == []


def test_cancel_waits_until_the_provider_allows_a_reverse(kiosk, sandbox, provider):
    sandbox.script(fault="userpaying_forever")
    o = held(kiosk)
    p = pay(kiosk, provider, o)
    first = kiosk.post(f"/api/v1/orders/{o['id']}/payments/{p['id']}/cancel").json()
    assert first["status"] in ("reversing", "cancelled")
    assert poll_until_final(kiosk, p)["status"] == "cancelled"
    trade = sandbox.trade(p["trade_no"])
    paid_at = next(at for call, at in trade["calls"] if call == "pay")
    reversed_at = next(at for call, at in trade["calls"] if call == "reverse")
    assert reversed_at - paid_at >= FAST_RULES["reverse_not_before_seconds"] * 0.9


@pytest.mark.parametrize(
    "fault",
    [
        {"fault": "systemerror_paid"},  # SYSTEMERROR / 20000, yet the money moved
        {"fault": "lost_answer"},  # the money moved, the answer never came
        {"fault": "timeout", "delay": FAST_RULES["timeout_seconds"] + 0.8, "paid": True},
    ],
    ids=["systemerror", "lost_answer", "timeout"],
)
def test_unknown_outcome_is_found_by_query_with_one_charge(kiosk, sandbox, provider, fault):
    sandbox.script(**fault)
    o = held(kiosk)
    p = pay(kiosk, provider, o, key=f"k-{fault['fault']}")
    assert p["status"] == "userpaying"  # not known yet: the kiosk polls
    again = pay(kiosk, provider, o, key=f"k-{fault['fault']}")  # the kiosk's retry
    assert again["id"] == p["id"]
    assert poll_until_final(kiosk, p)["status"] == "success"
    [trade] = charged(sandbox, o["order_no"])
    assert trade["pay_calls"] == 1  # found by query, never paid again
    assert kiosk.get(f"/api/v1/orders/{o['id']}").json()["status"] == "paid"


def test_a_reverse_that_fails_twice_then_succeeds(kiosk, sandbox, provider):
    sandbox.script(fault="userpaying_forever", reverse_fails=2)
    o = held(kiosk)
    p = pay(kiosk, provider, o)
    kiosk.post(f"/api/v1/orders/{o['id']}/payments/{p['id']}/cancel")
    assert poll_until_final(kiosk, p)["status"] == "cancelled"
    trade = sandbox.trade(p["trade_no"])
    assert trade["reverse_calls"] == 3 and trade["state"] == "REVOKED"


def test_a_refused_payment_says_why(kiosk, sandbox, provider):
    sandbox.script(fault="refused", code="NOTENOUGH")
    o = held(kiosk)
    p = pay(kiosk, provider, o)
    assert p["status"] == "failed" and p["failure"]["code"] == "insufficient_balance"
    assert p["failure"]["message"]["zh"] and p["failure"]["message"]["en"]


def test_native_qr_paid_when_the_customer_scans(kiosk, sandbox, provider):
    o = held(kiosk)
    p = kiosk.post(f"/api/v1/orders/{o['id']}/payments", json={"method": "qr"}).json()
    assert p["status"] == "userpaying"
    assert p["code_url"].startswith("weixin://" if provider == "wechat" else "https://qr.alipay")
    sandbox.scan(p["trade_no"])
    assert poll_until_final(kiosk, p)["status"] == "success"
    assert len(charged(sandbox, o["order_no"])) == 1


def test_a_refund_goes_back_through_the_provider_once(kiosk, sandbox, provider):
    r = order(kiosk, line("ADM", slot("ADM", later_day(2), 11), "ADM-ADULT", 2))
    o = r.json()
    p = pay(kiosk, provider, o)
    assert p["status"] == "success"
    paid = kiosk.get(f"/api/v1/orders/{o['id']}").json()
    ticket = paid["tickets"][0]
    body = {"ticket_ids": [ticket["id"]], "ticket_code": ticket["code"]}
    for _ in range(2):  # the kiosk's retry with the same key refunds nothing more
        r = kiosk.post(
            f"/api/v1/orders/{o['id']}/refund", json=body, headers={"Idempotency-Key": "rf-1"}
        )
        assert r.status_code == 200, r.text
    back = r.json()["refunded_fen"]
    assert back > 0
    refunds = wait_for(lambda: sandbox.trade(p["trade_no"])["refunds"])
    assert [x["amount_fen"] for x in refunds.values()] == [back]


def test_reconciliation_reports_exactly_the_three_disagreements(
    kiosk, sandbox, provider, paying_backend: BackendProcess, sandboxes
):
    """After every payment above (paid, reversed, refunded, found by query), the bill agrees
    with us except where the sandbox was told to disagree: one payment we never made, one
    refund left out, one amount changed."""
    import json
    import subprocess
    import sys
    from datetime import date

    refunded = next(
        t for t in sandbox.trades().values() if t["refunds"] and t["state"] == "SUCCESS"
    )
    refund_no = next(iter(refunded["refunds"]))
    other = sandbox.trade(pay(kiosk, provider, held(kiosk))["trade_no"])
    sandbox.bill(
        extra_payment={"trade_no": "PX0000001abc", "amount_fen": 12300},
        drop_refund=refund_no,
        amount={other["out_trade_no"]: other["amount_fen"] + 1},
    )
    day = date.today().isoformat()
    run = subprocess.run(
        [sys.executable, "-m", "backend_stub.server", "reconcile", "--db", str(paying_backend.db),
         "--payments-config", str(sandboxes.config_path), "--date", day, "--json"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert run.returncode == 1, run.stderr[-2000:]
    [cli] = json.loads(run.stdout)
    found = {(m["kind"], m["trade_no"], m["refund_no"]) for m in cli["mismatches"]}
    assert found == {
        ("missing_ours", "PX0000001abc", ""),
        ("missing_theirs", refunded["out_trade_no"], refund_no),
        ("amount_differs", other["out_trade_no"], ""),
    }
    ops = httpx.get(
        f"{paying_backend.url}/api/v1/ops/reconciliation",
        params={"date": day},
        headers=paying_backend.ops_headers(),
    ).json()
    [report] = ops["runs"]
    assert report["gateway"] == provider and len(report["mismatches"]) == 3
    differs = next(m for m in report["mismatches"] if m["kind"] == "amount_differs")
    assert differs["theirs_fen"] == differs["ours_fen"] + 1
