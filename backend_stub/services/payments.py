"""Payments through the built-in provider simulator (WeChat Pay / Alipay micropay and QR).

The simulator exists only in demo mode (`--demo` / `--seed demo`); a production start has no
payment provider yet (issue 15 brings real ones) and answers 503 `payment_not_configured`.
A kiosk pays, polls and cancels only the orders it took (services.possession); another
kiosk's order is `order_not_found`.

The simulator's answer is chosen by the payment code's last digit:
0-5 success at once; 6-7 `userpaying`, success on the second poll; 8 failed (insufficient
balance); 9 `userpaying` that never settles (the kiosk cancels it). A QR payment settles when
`simulate_qr_paid` is called (what the customer's phone would do).
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from backend_stub.context import Backend
from backend_stub.schemas import PaymentRequest
from backend_stub.services.issuing import mark_order_paid
from backend_stub.services.possession import own_order
from kiosk.domain.code_kinds import payment_provider
from kiosk.domain.errors import ERRORS, RuleError

NEVER = -1


def _behaviour(auth_code: str) -> tuple[str, int, str | None]:
    """(first status, polls until success or NEVER, failure code) for a payment code."""
    last = int(auth_code[-1])
    if last <= 5:
        return "success", 0, None
    if last <= 7:
        return "userpaying", 2, None
    if last == 8:
        return "failed", 0, "insufficient_balance"
    return "userpaying", NEVER, None


def payment_view(row: dict[str, Any]) -> dict[str, Any]:
    failure = None
    if row["failure_code"]:
        info = ERRORS.get(row["failure_code"])
        failure = {
            "code": row["failure_code"],
            "message": {"zh": info.zh, "en": info.en} if info else None,
        }
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


def _provider_configured(bk: Backend) -> None:
    if not bk.settings.demo:
        raise RuleError("payment_not_configured", "no payment provider; the simulator is demo only")


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
    _provider_configured(bk)
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
    if bk.store.one(
        "SELECT 1 FROM payments WHERE order_id = ? AND status = 'userpaying'", (order_id,)
    ):
        raise RuleError("payment_in_progress")
    trade_no = f"P{order['order_no']}{secrets.token_hex(3)}"
    row: dict[str, Any] = {
        "id": "p" + secrets.token_hex(8),
        "order_id": order_id,
        "trade_no": trade_no,
        "idem_key": idem_key or None,
        "method": req.method,
        "amount_fen": order["total_fen"],
        "created_at": now.isoformat(),
        "updated_at": now.isoformat(),
        "code_url": None,
        "failure_code": None,
        "polls": 0,
    }
    if req.method == "auth_code":
        code = (req.auth_code or "").strip()
        provider = payment_provider(code)
        if provider is None:
            raise RuleError("payment_code_invalid")
        status, settle_after, failure = _behaviour(code)
        row |= {
            "provider": provider.value,
            "auth_code_masked": code[:4] + "****" + code[-4:],
            "status": status,
            "settle_after": settle_after,
            "failure_code": failure,
        }
    else:
        row |= {
            "provider": "wechat",
            "status": "userpaying",
            "settle_after": NEVER,
            "auth_code_masked": "",
            "code_url": f"weixin://wxpay/bizpayurl?pr={trade_no}",
        }
    with bk.store.transaction(durable=row["status"] == "success"):
        bk.store.insert("payments", row)
        if row["status"] == "success":
            mark_order_paid(bk, order_id, now)
    return payment_view(row), False


def poll_payment(
    bk: Backend, order_id: str, payment_id: str, now: datetime, *, kiosk_id: str
) -> dict[str, Any]:
    """What the provider says now; a `userpaying` payment may settle on this poll."""
    own_order(bk, order_id, kiosk_id, now)  # expires the hold (and cancels the payment) if due
    with bk.store.transaction(durable=True):
        row = _payment(bk, order_id, payment_id)
        if row["status"] == "userpaying":
            polls = row["polls"] + 1
            status = "success" if 0 < row["settle_after"] <= polls else "userpaying"
            bk.store.run(
                "UPDATE payments SET polls = ?, status = ?, updated_at = ? WHERE id = ?",
                (polls, status, now.isoformat(), payment_id),
            )
            if status == "success":
                mark_order_paid(bk, order_id, now)
            row = _payment(bk, order_id, payment_id)
    return payment_view(row)


def cancel_payment(
    bk: Backend, order_id: str, payment_id: str, now: datetime, *, kiosk_id: str
) -> dict[str, Any]:
    """Reverse (撤销) a payment still waiting for the customer; idempotent."""
    own_order(bk, order_id, kiosk_id, now)
    with bk.store.transaction(durable=True):
        row = _payment(bk, order_id, payment_id)
        if row["status"] == "success":
            raise RuleError("payment_not_cancellable")
        if row["status"] == "userpaying":
            bk.store.run(
                "UPDATE payments SET status = 'cancelled', updated_at = ? WHERE id = ?",
                (now.isoformat(), payment_id),
            )
            row = _payment(bk, order_id, payment_id)
    return payment_view(row)


def simulate_qr_paid(
    bk: Backend, order_id: str, payment_id: str, now: datetime, *, kiosk_id: str
) -> dict:
    """The customer scanned the native QR and confirmed: the payment succeeds (demo only)."""
    own_order(bk, order_id, kiosk_id, now)
    _provider_configured(bk)
    with bk.store.transaction(durable=True):
        row = _payment(bk, order_id, payment_id)
        if row["status"] == "userpaying":
            bk.store.run(
                "UPDATE payments SET status = 'success', updated_at = ? WHERE id = ?",
                (now.isoformat(), payment_id),
            )
            mark_order_paid(bk, order_id, now)
            row = _payment(bk, order_id, payment_id)
    return payment_view(row)
