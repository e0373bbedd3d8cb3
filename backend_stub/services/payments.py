"""Payments of held orders through the payment providers (backend_stub/payments/): WeChat Pay
and Alipay when `--payments-config` names them, the demo's simulator in demo mode without one;
a production start without a config answers 503 `payment_not_configured`. A kiosk pays, polls
and cancels only the orders it took (services.possession); another kiosk's order is
`order_not_found`.

Where the providers' rules run: here, in the backend (the kiosk only polls us).
- One trade number (`trade_no`, the provider's out_trade_no) per payment, on every call about
  it: a retried POST with the same Idempotency-Key answers the same payment and never calls
  the provider to pay again.
- A code payment answering USERPAYING, SYSTEMERROR/BANKERROR/20000 or nothing at all (timeout,
  lost answer) is `userpaying` to the kiosk and is *queried*, every `query_interval_seconds`
  (WeChat 5 s, Alipay 3 s; a kiosk poll or the sweeper triggers it, whichever comes first).
- Unpaid after `give_up_seconds` (WeChat 45 s, Alipay 30 s), or cancelled by the kiosk, or its
  hold expired: `reversing`, then reversed (WeChat /secapi/pay/reverse, Alipay trade.cancel; a
  QR order is closed) not before `reverse_not_before_seconds` (WeChat 15 s) after the payment
  call, and again every `reverse_retry_seconds` until the provider says done: `cancelled`.
- A payment found paid after its hold ended (the order can no longer be paid) is reversed too.
The sweeper (payments/sweeper.py) drives every payment no kiosk polls (a kiosk that crashed).
"""

from __future__ import annotations

import logging
import secrets
import time
from datetime import datetime
from typing import Any

from backend_stub.context import Backend
from backend_stub.payments.gateways import gateways, payments_enabled
from backend_stub.payments.provider import (
    PaymentProvider,
    ProviderUnreachable,
    ReverseResult,
    TradeResult,
)
from backend_stub.payments.simulator import behaviour
from backend_stub.schemas import PaymentRequest
from backend_stub.services.issuing import mark_order_paid
from backend_stub.services.possession import own_order
from backend_stub.services.write_locks import order_touches
from kiosk.domain.code_kinds import payment_provider
from kiosk.domain.errors import ERRORS, RuleError

log = logging.getLogger("backend_stub.payments")

WAITING = ("userpaying", "reversing")
# the providers' refusals, in our error table's words
FAILURES = {
    "NOTENOUGH": "insufficient_balance",
    "ACQ.BUYER_BALANCE_NOT_ENOUGH": "insufficient_balance",
    "ACQ.BUYER_BANKCARD_BALANCE_NOT_ENOUGH": "insufficient_balance",
    "AUTHCODEEXPIRE": "payment_code_invalid",
    "AUTH_CODE_INVALID": "payment_code_invalid",
    "ACQ.PAYMENT_AUTH_CODE_INVALID": "payment_code_invalid",
}


def payment_view(row: dict[str, Any]) -> dict[str, Any]:
    failure = None
    if row["failure_code"]:
        info = ERRORS.get(row["failure_code"])
        failure = {
            "code": row["failure_code"],
            "message": {"zh": info.zh, "en": info.en} if info else None,
        }
    wait = 0.0
    if row.get("give_up_epoch"):
        wait = max(0.0, row["give_up_epoch"] - time.time())
    return {
        "id": row["id"],
        "order_id": row["order_id"],
        "trade_no": row["trade_no"],
        "method": row["method"],
        "provider": row["provider"],
        "status": row["status"],
        "amount_fen": row["amount_fen"],
        "code_url": row["code_url"],
        "auth_code": row["auth_code_masked"],
        "failure": failure,
        # how long the provider's rules still let a `userpaying` payment wait (0: the kiosk's
        # own deadline); a `reversing` one is being reversed: poll until `cancelled`
        "wait_seconds": round(wait, 1),
        "created_at": row["created_at"],
        "updated_at": row["updated_at"],
    }


def _payment(bk: Backend, order_id: str, payment_id: str) -> dict[str, Any]:
    row = bk.store.one(
        "SELECT * FROM payments WHERE id = ? AND order_id = ?", (payment_id, order_id)
    )
    if row is None:
        raise RuleError("payment_not_found")
    return row


def _subject(bk: Backend, order: dict[str, Any]) -> str:
    return f"{bk.settings.area_name_zh} {order['order_no']}"


def start_payment(
    bk: Backend,
    order_id: str,
    req: PaymentRequest,
    idem_key: str | None,
    now: datetime,
    *,
    kiosk_id: str,
) -> tuple[dict[str, Any], bool]:
    """Charge a held order this kiosk took; (payment, replayed). The same Idempotency-Key
    returns the same payment and never charges twice; a paid order is refused."""
    order = own_order(bk, order_id, kiosk_id, now)
    payments_enabled(bk)
    if idem_key:
        prior = bk.store.one(
            "SELECT * FROM payments WHERE order_id = ? AND idem_key = ?", (order_id, idem_key)
        )
        if prior is not None:
            return payment_view(prior), True
    if order["status"] in ("paid", "partially_refunded", "refunded"):
        raise RuleError("order_already_paid")
    if order["status"] == "expired":
        raise RuleError("order_expired")
    if order["status"] != "held":
        raise RuleError("order_not_payable")
    gw = gateways(bk)
    code = (req.auth_code or "").strip()
    if req.method == "auth_code":
        wallet = payment_provider(code)
        if wallet is None:
            raise RuleError("payment_code_invalid")
        provider, wallet_name = gw.for_wallet(wallet.value), wallet.value
    else:
        provider = gw.qr()
        wallet_name = provider.name if provider.name != "simulator" else "wechat"
    trade_no = f"P{order['order_no']}{secrets.token_hex(3)}"
    rules, t0 = provider.rules, time.time()
    row: dict[str, Any] = {
        "id": "p" + secrets.token_hex(8),
        "order_id": order_id,
        "trade_no": trade_no,
        "idem_key": idem_key or None,
        "method": req.method,
        "provider": wallet_name,
        "gateway": provider.name,
        "auth_code_masked": code[:4] + "****" + code[-4:] if code else "",
        "status": "userpaying",
        "provider_state": "submitting",
        "amount_fen": order["total_fen"],
        "code_url": None,
        "failure_code": None,
        "polls": 0,
        "settle_after": 0,
        "next_query_epoch": t0 + rules.query_interval_seconds,
        # a code payment: the provider's limit; a QR waits until the order's hold ends
        "give_up_epoch": t0 + rules.give_up_seconds
        if rules.give_up_seconds and req.method == "auth_code"
        else 0,
        "reverse_after_epoch": t0 + rules.reverse_not_before_seconds,
        "created_at": now.isoformat(),
        "updated_at": now.isoformat(),
    }
    if provider.name == "simulator" and req.method == "auth_code":
        # the demo's simulator answers in-process: the old single-transaction fast path
        state, settle_after, failure = behaviour(code)
        row |= {"settle_after": settle_after, "provider_state": state.upper()}
        if state == "success":
            row |= {"status": "success", "paid_at": now.isoformat()}
        elif state == "failed":
            row |= {"status": "failed", "failure_code": FAILURES.get(failure, "payment_failed")}
    with bk.store.transaction(durable=True, touches=order_touches(bk, order_id, order)):
        if bk.store.one(
            "SELECT 1 FROM payments WHERE order_id = ? AND status IN ('userpaying', 'reversing')",
            (order_id,),
        ):
            raise RuleError("payment_in_progress")
        bk.store.insert("payments", row)
        if row["status"] == "success":
            mark_order_paid(bk, order_id, now)
    if row["provider_state"] != "submitting":  # the simulator has answered already
        return payment_view(row), False
    # the provider is called outside any transaction: its answer is applied in the next one
    if req.method == "auth_code":
        try:
            result = provider.pay_by_code(trade_no, code, order["total_fen"], _subject(bk, order))
        except ProviderUnreachable as exc:  # timeout, lost answer: find out by query
            log.warning("payment %s: no answer from %s (%s)", row["id"], provider.name, exc)
            result = TradeResult("unknown", error_code="NO_ANSWER")
        _apply_trade(bk, row, result, bk.now())
    else:
        try:
            qr = provider.create_qr(trade_no, order["total_fen"], _subject(bk, order))
        except ProviderUnreachable as exc:
            log.warning("QR order %s: %s (%s)", row["id"], provider.name, exc)
            _finish(bk, row["id"], "failed", "payment_provider_unavailable", bk.now())
        else:
            with bk.store.transaction(durable=True):
                bk.store.run(
                    "UPDATE payments SET code_url = ?, provider_state = 'NOTPAY' WHERE id = ?",
                    (qr.code_url, row["id"]),
                )
    return payment_view(_payment(bk, order_id, row["id"])), False


def _finish(bk: Backend, payment_id: str, status: str, failure: str | None, now: datetime) -> None:
    with bk.store.transaction(durable=True):
        bk.store.run(
            "UPDATE payments SET status = ?, failure_code = ?, updated_at = ? WHERE id = ?"
            " AND status IN ('userpaying', 'reversing')",
            (status, failure, now.isoformat(), payment_id),
        )


def _apply_trade(bk: Backend, row: dict[str, Any], result: TradeResult, now: datetime) -> None:
    """What the provider said about a payment still waiting: paid (the order too, or reversed
    when the order can no longer be paid), refused, or still waiting."""
    with bk.store.transaction(durable=True, touches=order_touches(bk, row["order_id"])):
        current = bk.store.one("SELECT * FROM payments WHERE id = ?", (row["id"],))
        if current is None or current["status"] not in WAITING:
            return
        if result.state == "success":
            order = bk.store.one("SELECT status FROM orders WHERE id = ?", (row["order_id"],))
            if current["status"] == "userpaying" and order and order["status"] == "held":
                bk.store.run(
                    "UPDATE payments SET status = 'success', provider_state = 'SUCCESS',"
                    " provider_trade_no = ?, paid_at = ?, updated_at = ? WHERE id = ?",
                    (result.provider_trade_no, now.isoformat(), now.isoformat(), row["id"]),
                )
                mark_order_paid(bk, row["order_id"], now)
                return
            # paid, but the hold is gone (or a reverse was asked): the money goes back
            bk.store.run(
                "UPDATE payments SET status = 'reversing', provider_state = 'SUCCESS',"
                " provider_trade_no = ?, updated_at = ? WHERE id = ?",
                (result.provider_trade_no, now.isoformat(), row["id"]),
            )
            return
        if result.state == "failed" and current["status"] == "userpaying":
            failure = FAILURES.get(result.error_code, "payment_failed")
            if current["gateway"] == "simulator" and result.error_code == "NOTENOUGH":
                failure = "insufficient_balance"
            bk.store.run(
                "UPDATE payments SET status = 'failed', failure_code = ?, provider_state = ?,"
                " updated_at = ? WHERE id = ?",
                (failure, result.error_code, now.isoformat(), row["id"]),
            )
            return
        if result.state == "closed":
            bk.store.run(
                "UPDATE payments SET status = 'cancelled', provider_state = 'CLOSED',"
                " updated_at = ? WHERE id = ?",
                (now.isoformat(), row["id"]),
            )
            return
        bk.store.run(
            "UPDATE payments SET provider_state = ? WHERE id = ?",
            (result.error_code or result.state.upper(), row["id"]),
        )


def _claim(bk: Backend, row: dict[str, Any], next_epoch: float) -> bool:
    """Take the next provider call about this payment (no other request or worker makes it)."""
    with bk.store.transaction():
        return bool(
            bk.store.run(
                "UPDATE payments SET next_query_epoch = ? WHERE id = ? AND status = ?"
                " AND next_query_epoch = ?",
                (next_epoch, row["id"], row["status"], row["next_query_epoch"]),
            )
        )


def step(bk: Backend, row: dict[str, Any], now: datetime) -> None:
    """Apply the provider's rules to a waiting payment once: query when due, give up at the
    limit, reverse when allowed (and again until done)."""
    provider = gateways(bk).providers.get(row["gateway"])
    if provider is None or row["status"] not in WAITING:
        return
    rules, t = provider.rules, time.time()
    if row["status"] == "userpaying" and row["give_up_epoch"] and t >= row["give_up_epoch"]:
        _want_reverse(bk, row["id"], "payment_timeout", now)
        row = _payment(bk, row["order_id"], row["id"])
    if row["status"] == "userpaying" and t >= row["next_query_epoch"]:
        if not _claim(bk, row, t + rules.query_interval_seconds):
            return
        try:
            if row["method"] == "auth_code":
                result = provider.query(row["trade_no"])
            else:
                result = provider.query_qr(row["trade_no"])
        except ProviderUnreachable as exc:
            log.warning("payment %s: query got no answer (%s)", row["id"], exc)
            return
        _apply_trade(bk, row, result, now)
        return
    if row["status"] == "reversing" and t >= max(
        row["reverse_after_epoch"], row["next_query_epoch"]
    ):
        tries = row["reverse_tries"]
        wait = rules.reverse_retry_seconds * (1 if tries < rules.reverse_retries else 6)
        if not _claim(bk, row, t + wait):
            return
        _reverse_once(bk, provider, row, now)


def _reverse_once(
    bk: Backend, provider: PaymentProvider, row: dict[str, Any], now: datetime
) -> None:
    try:
        if row["method"] == "auth_code":
            result = provider.reverse(row["trade_no"])
        else:
            result = _close_qr(provider, row)
    except ProviderUnreachable as exc:
        result = ReverseResult(False, retry=True, error_code=str(exc)[:60])
    with bk.store.transaction(durable=True):
        if result.done:
            bk.store.run(
                "UPDATE payments SET status = 'cancelled', provider_state = 'REVOKED',"
                " updated_at = ? WHERE id = ? AND status = 'reversing'",
                (now.isoformat(), row["id"]),
            )
        else:
            bk.store.run(
                "UPDATE payments SET reverse_tries = reverse_tries + 1, provider_state = ?"
                " WHERE id = ?",
                (f"REVERSE:{result.error_code}"[:60], row["id"]),
            )
    if not result.done:
        level = logging.WARNING if result.retry else logging.ERROR
        log.log(level, "payment %s: reverse not done yet (%s)", row["id"], result.error_code)


def _close_qr(provider: PaymentProvider, row: dict[str, Any]) -> ReverseResult:
    """A QR order is closed; one that was paid meanwhile is refunded in full instead."""
    found = provider.query_qr(row["trade_no"])
    if found.state == "success":
        refund = provider.refund(
            row["trade_no"], row["trade_no"] + "V", row["amount_fen"], row["amount_fen"]
        )
        return ReverseResult(refund.state in ("success", "processing"), retry=True)
    return provider.close(row["trade_no"])


def _want_reverse(bk: Backend, payment_id: str, failure: str | None, now: datetime) -> None:
    with bk.store.transaction(durable=True):
        bk.store.run(
            "UPDATE payments SET status = 'reversing', failure_code = COALESCE(failure_code, ?),"
            " next_query_epoch = 0, updated_at = ? WHERE id = ? AND status = 'userpaying'",
            (failure, now.isoformat(), payment_id),
        )


def poll_payment(
    bk: Backend, order_id: str, payment_id: str, now: datetime, *, kiosk_id: str
) -> dict[str, Any]:
    """What the provider says now: a waiting payment is queried (or reversed) when its rules
    say it is due."""
    own_order(bk, order_id, kiosk_id, now)  # expires the hold (and reverses the payment) if due
    row = _payment(bk, order_id, payment_id)
    step(bk, row, now)
    return payment_view(_payment(bk, order_id, payment_id))


def cancel_payment(
    bk: Backend, order_id: str, payment_id: str, now: datetime, *, kiosk_id: str
) -> dict[str, Any]:
    """Reverse (撤销) a payment still waiting for the customer; idempotent. Answers `cancelled`
    once the provider confirmed it, `reversing` until then (poll the payment)."""
    own_order(bk, order_id, kiosk_id, now)
    row = _payment(bk, order_id, payment_id)
    if row["status"] == "success":
        raise RuleError("payment_not_cancellable")
    if row["status"] == "userpaying":
        _want_reverse(bk, payment_id, None, now)
    step(bk, _payment(bk, order_id, payment_id), now)
    return payment_view(_payment(bk, order_id, payment_id))


def due_payments(bk: Backend, limit: int = 50) -> list[dict[str, Any]]:
    """Waiting payments at a real provider whose next query or reverse is due (the sweeper)."""
    return bk.store.all(
        "SELECT * FROM payments WHERE status IN ('userpaying', 'reversing')"
        " AND gateway != 'simulator' AND next_query_epoch <= ? ORDER BY next_query_epoch LIMIT ?",
        (time.time(), limit),
    )


def simulate_qr_paid(
    bk: Backend, order_id: str, payment_id: str, now: datetime, *, kiosk_id: str
) -> dict:
    """The customer scanned the native QR and confirmed: the payment succeeds (demo only)."""
    own_order(bk, order_id, kiosk_id, now)
    payments_enabled(bk)
    with bk.store.transaction(durable=True):
        row = _payment(bk, order_id, payment_id)
        if row["status"] == "userpaying" and row["gateway"] == "simulator":
            bk.store.run(
                "UPDATE payments SET status = 'success', paid_at = ?, updated_at = ? WHERE id = ?",
                (now.isoformat(), now.isoformat(), payment_id),
            )
            mark_order_paid(bk, order_id, now)
            row = _payment(bk, order_id, payment_id)
    return payment_view(row)
