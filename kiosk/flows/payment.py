"""Paying for a held order: by payment code (micropay) or by a native QR shown on screen.

The payment's Idempotency-Key is journaled (with the request) before it is sent. A network error
mid-payment is resolved by asking again with the same key, which the backend answers with the
same payment: it never pays twice. `userpaying` is polled with backoff up to
`timeouts.payment_poll_seconds` (30 s), then the payment is cancelled (reversed).

While the backend does not answer, each step asks again (same key) for up to `patience` seconds
(`timeouts.network_retry_seconds` at the screen) and calls `on_retry(seconds_left)` each time, so
the tourist is told; then it raises the unreachable BackendError and leaves the journal entry
open: the next replay (kiosk/flows/recovery.py; the journey loop runs it as soon as the backend
answers again) finishes or reverses it.
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
REVERSE_WAIT_SECONDS = 60.0  # a reverse the provider has not confirmed yet: polled this long

Retry = Callable[[float], Awaitable[None]]  # told the seconds of patience left


class Patience:
    """How long to keep asking an unreachable backend: `attempts` tries, or for `seconds`
    when given (at the screen: `timeouts.network_retry_seconds`)."""

    def __init__(self, clock: Clock, seconds: float = 0.0, attempts: int = 6) -> None:
        self.clock = clock
        self.seconds = seconds
        self.attempts = attempts
        self.started = clock.monotonic()
        self.tries = 0

    def left(self) -> float:
        return max(0.0, self.seconds - (self.clock.monotonic() - self.started))

    async def again(self, exc: BackendError, on_retry: Retry | None = None) -> None:
        """After a failed try: pause and return to ask again, or raise `exc` (not a network
        error, or patience spent)."""
        self.tries += 1
        spent = self.left() <= 0 if self.seconds else self.tries >= self.attempts
        if not exc.unreachable or spent:
            raise exc
        if on_retry is not None:
            await on_retry(self.left())
        await self.clock.sleep(_backoff(self.tries - 1))


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
    patience: float = 0.0,
    on_retry: Retry | None = None,
) -> Payment:
    """POST the payment; on a connection error ask again with the same key (never a new one),
    `attempts` times or for `patience` seconds."""
    wait = Patience(clock, patience, attempts)
    while True:
        try:
            payment = await client.pay(order_id, auth_code, key)
        except BackendError as exc:
            await wait.again(exc, on_retry)
            continue
        if crash is not None:  # the crash test: the answer came, the journal has not got it
            crash("payment_submitted")
        journal.payment_state(key, _journal_state(payment.status), payment.id)
        return payment


def _journal_state(status: str) -> str:
    return {
        "success": "success",
        "failed": "failed",
        "cancelled": "cancelled",
        "reversing": "cancelling",  # the backend reverses it; replay asks again
    }.get(status, "pending")


async def settle(
    client: BackendClient,
    journal: Journal,
    clock: Clock,
    order_id: str,
    key: str,
    payment: Payment,
    deadline_seconds: float,
    on_wait: Callable[[float], Awaitable[float | None]] | None = None,
    on_retry: Retry | None = None,
    patience: float = 0.0,
) -> PayResult:
    """Poll a `userpaying`/pending payment until final or the deadline, then reverse it."""
    # the provider's own limit (WeChat 45 s) when longer: the backend reverses at it (issue 15)
    deadline_seconds = max(deadline_seconds, float(payment.raw.get("wait_seconds") or 0))
    payment = await _poll(
        client, clock, order_id, payment, lambda p: not p.final, deadline_seconds, on_wait, on_retry
    )
    if not payment.final:
        return await reverse(
            client, journal, clock, order_id, key, payment.id, patience=patience, on_retry=on_retry
        )
    journal.payment_state(key, _journal_state(payment.status), payment.id)
    return _result(payment)


async def reverse(
    client: BackendClient,
    journal: Journal,
    clock: Clock,
    order_id: str,
    key: str,
    payment_id: str,
    *,
    patience: float = 0.0,
    on_retry: Retry | None = None,
) -> PayResult:
    """Cancel (reverse) a payment; journaled first so a crash mid-way finishes it at replay."""
    journal.payment_state(key, "cancelling", payment_id)
    wait = Patience(clock, patience)
    while True:
        try:
            payment = await client.cancel_payment(order_id, payment_id, f"cancel-{key}")
            break
        except BackendError as exc:
            if exc.code == "payment_not_cancellable":  # it settled just before the cancel
                payment = await client.get_payment(order_id, payment_id)
                break
            await wait.again(exc, on_retry)
    # a reverse the provider has not confirmed yet (not allowed yet, or to be retried) is polled
    # until final, up to REVERSE_WAIT_SECONDS; then the journal keeps it `cancelling` and the
    # replay asks again (the backend finishes it meanwhile)
    payment = await _poll(
        client, clock, order_id, payment, _reversing, REVERSE_WAIT_SECONDS, on_retry=on_retry
    )
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


async def _poll(
    client: BackendClient,
    clock: Clock,
    order_id: str,
    payment: Payment,
    pending: Callable[[Payment], bool],
    seconds: float,
    on_wait: Callable[[float], Awaitable[float | None]] | None = None,
    on_retry: Retry | None = None,
) -> Payment:
    """Ask for the payment again, with back-off, while `pending(payment)` and for `seconds`
    (`on_wait`, told the seconds left before each ask, may add more). A poll that does not
    reach the backend is told to `on_retry` and asked again (never paid again)."""
    start, step = clock.monotonic(), 0
    while pending(payment) and clock.monotonic() - start < seconds:
        if on_wait is not None:  # it may give the tourist more time (seconds to add)
            seconds += await on_wait(seconds - (clock.monotonic() - start)) or 0
        await clock.sleep(_backoff(step))
        step += 1
        try:
            payment = await client.get_payment(order_id, payment.id)
        except BackendError as exc:
            if not exc.unreachable:
                raise
            if on_retry is not None:
                await on_retry(seconds - (clock.monotonic() - start))
    return payment


def _reversing(payment: Payment) -> bool:
    return payment.status == "reversing"


def _backoff(step: int) -> float:
    return BACKOFF[min(step, len(BACKOFF) - 1)]


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
    on_wait: Callable[[float], Awaitable[float | None]] | None = None,
    on_submitted: Callable[[Payment], Awaitable[None]] | None = None,
    crash: Callable[[str], None] | None = None,
    on_retry: Retry | None = None,
    patience: float = 0.0,
) -> PayResult:
    """Submit a payment and see it through to a final state (or reverse it). `patience`: how
    long each step asks an unreachable backend again, telling `on_retry`."""
    key = new_key("pay")
    journal.payment_submitting(key, order_id, "auth_code" if auth_code else "qr", auth_code or "")
    payment = await submit(
        client, journal, clock, order_id, auth_code, key,
        crash=crash, patience=patience, on_retry=on_retry,
    )  # fmt: skip
    if on_submitted is not None:
        await on_submitted(payment)
    return await settle(
        client, journal, clock, order_id, key, payment, deadline_seconds, on_wait,
        on_retry=on_retry, patience=patience,
    )  # fmt: skip


async def give_up_hold(client: BackendClient, order_id: str) -> bool:
    """Tell the backend an unpaid hold is given up (`POST /orders/{id}/cancel`): its seats and
    this kiosk's place under the unpaid-order cap come back at once. Only after every payment
    on it was reversed. When the backend can't be told, the hold expires by itself; False."""
    try:
        await client.cancel_order(order_id, idempotency_key=f"cancel-{order_id}")
    except BackendError as exc:
        log.info("hold %s left to expire: %s", order_id, exc.code)
        return False
    return True
