"""Paying for a held order: by payment code (micropay) or by a native QR shown on screen.

The payment's Idempotency-Key is journaled (with the request) before it is sent. A network error
mid-payment is resolved by asking again with the same key, which the backend answers with the
same payment: it never pays twice. `userpaying` is polled with backoff up to
`timeouts.payment_poll_seconds` (30 s), then the payment is cancelled (reversed).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from kiosk.api_records import Payment
from kiosk.client import BackendClient, BackendError
from kiosk.clock import Clock
from kiosk.journal import Journal

log = logging.getLogger("kiosk.payment")

BACKOFF = (0.5, 0.5, 1.0, 1.0, 2.0, 2.0, 3.0)


@dataclass(frozen=True)
class PayResult:
    status: str  # success, failed, cancelled (reversed after userpaying), expired, unknown
    payment_id: str = ""
    reason_code: str = ""
    reason_zh: str = ""
    reason_en: str = ""


def new_key(kind: str) -> str:
    return f"{kind}-{uuid.uuid4().hex}"


async def submit(
    client: BackendClient,
    journal: Journal,
    clock: Clock,
    order_id: str,
    auth_code: str | None,
    key: str,
    attempts: int = 6,
    crash: Callable[[str], None] | None = None,
) -> Payment:
    """POST the payment; on a connection error ask again with the same key (never a new one)."""
    for attempt in range(attempts):
        try:
            payment = await client.pay(order_id, auth_code, key)
        except BackendError as exc:
            if not exc.unreachable or attempt + 1 >= attempts:
                raise
            await clock.sleep(BACKOFF[min(attempt, len(BACKOFF) - 1)])
            continue
        if crash is not None:  # the crash test: the answer came, the journal has not got it
            crash("payment_submitted")
        journal.payment_state(key, _journal_state(payment.status), payment.id)
        return payment
    raise AssertionError("unreachable")  # pragma: no cover


def _journal_state(status: str) -> str:
    return {"success": "success", "failed": "failed", "cancelled": "cancelled"}.get(
        status, "pending"
    )


async def settle(
    client: BackendClient,
    journal: Journal,
    clock: Clock,
    order_id: str,
    key: str,
    payment: Payment,
    deadline_seconds: float,
    on_wait: Callable[[float], Awaitable[None]] | None = None,
) -> PayResult:
    """Poll a `userpaying`/pending payment until final or the deadline, then reverse it."""
    start = clock.monotonic()
    step = 0
    while not payment.final and clock.monotonic() - start < deadline_seconds:
        if on_wait is not None:
            await on_wait(deadline_seconds - (clock.monotonic() - start))
        await clock.sleep(BACKOFF[min(step, len(BACKOFF) - 1)])
        step += 1
        try:
            payment = await client.get_payment(order_id, payment.id)
        except BackendError as exc:
            if not exc.unreachable:
                raise
            continue  # keep asking; never pay again
    if not payment.final:
        return await reverse(client, journal, clock, order_id, key, payment.id)
    journal.payment_state(key, _journal_state(payment.status), payment.id)
    return _result(payment)


async def reverse(
    client: BackendClient, journal: Journal, clock: Clock, order_id: str, key: str, payment_id: str
) -> PayResult:
    """Cancel (reverse) a payment; journaled first so a crash mid-way finishes it at replay."""
    journal.payment_state(key, "cancelling", payment_id)
    for attempt in range(6):
        try:
            payment = await client.cancel_payment(order_id, payment_id, f"cancel-{key}")
            break
        except BackendError as exc:
            if not exc.unreachable or attempt == 5:
                raise
            await clock.sleep(BACKOFF[min(attempt, len(BACKOFF) - 1)])
    journal.payment_state(key, _journal_state(payment.status), payment.id)
    if payment.status == "success":  # it settled just before the cancel landed
        return _result(payment)
    return PayResult(
        "cancelled",
        payment.id,
        "payment_timeout",
        "支付超时，已撤销",
        "Payment timed out and was reversed",
    )


def _result(payment: Payment) -> PayResult:
    if payment.status == "success":
        return PayResult("success", payment.id)
    reason = payment.raw.get("failure") or payment.raw.get("reason") or {}
    msg = (reason.get("message") or {}) if isinstance(reason, dict) else {}
    return PayResult(
        payment.status,
        payment.id,
        payment.reason_code or "payment_failed",
        str(msg.get("zh", "支付失败")) if isinstance(msg, dict) else "支付失败",
        str(msg.get("en", "Payment failed")) if isinstance(msg, dict) else "Payment failed",
    )


async def pay(
    client: BackendClient,
    journal: Journal,
    clock: Clock,
    order_id: str,
    auth_code: str | None,
    deadline_seconds: float,
    on_wait: Callable[[float], Awaitable[None]] | None = None,
    on_submitted: Callable[[Payment], Awaitable[None]] | None = None,
    crash: Callable[[str], None] | None = None,
) -> PayResult:
    """Submit a payment and see it through to a final state (or reverse it)."""
    key = new_key("pay")
    journal.payment_submitting(key, order_id, "auth_code" if auth_code else "qr", auth_code or "")
    payment = await submit(client, journal, clock, order_id, auth_code, key, crash=crash)
    if on_submitted is not None:
        await on_submitted(payment)
    return await settle(client, journal, clock, order_id, key, payment, deadline_seconds, on_wait)
