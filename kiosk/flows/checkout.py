"""The end of every buying journey: hold the order, take the payment, print the tickets.

Shared by purchase, add-ons and rebook (when a difference is due). Screens: `pay`,
`pay_waiting`, `pay_qr`, `printing`, `paper_out`, `done` (docs/journeys.md).

A failing network: every call here is safe to ask again (a GET, or a journaled Idempotency-Key),
so while the backend does not answer it is asked again for `timeouts.network_retry_seconds` and
the tourist sees `net.retrying` ("网络不稳定，正在重试… / The network is slow, retrying…") on
`pay_waiting` (or on `pay_qr` over the QR). When the backend stays away longer the journey ends
saying what happens next (`error.payment_unconfirmed`, `error.tickets_print_later`); the journal
keeps the open payment or the unprinted tickets and the journey loop's replay finishes them
(reversed, or paid and printed once) as soon as the backend answers again.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any, TypeVar

from kiosk.api_records import Order
from kiosk.client import BackendError
from kiosk.domain.code_kinds import CodeKind, classify
from kiosk.domain.errors import ERRORS
from kiosk.flows import payment
from kiosk.flows.base import SCAN, Flow, FlowCancelled, Msg, Outcome
from kiosk.flows.printing import journal_order_tickets, print_order, remaining
from kiosk.flows.steps import BACK, StepBack

# Crash-test hook: `kiosk play purchase --crash-after STEP` SIGKILLs the process right after
# the journal recorded STEP. Steps: order_held, payment_submitted, payment_success,
# ticket_printed_1, ticket_printed_2, ...
CrashHook = Any
T = TypeVar("T")
RETRYING = "net.retrying"


@contextmanager
def telling_retries(flow: Flow, say: Callable[[], None]) -> Iterator[None]:
    """While the block runs, `say()` tells the tourist each time the client asks a call again
    (kiosk.client.Connectivity.retry_listeners): at the first lost answer, not the last."""
    listeners = flow.ports.client.connectivity.retry_listeners

    def listener(_what: str) -> None:
        say()

    listeners.append(listener)
    try:
        yield
    finally:
        listeners.remove(listener)


def retrying_shown(flow: Flow) -> bool:
    return bool(flow.state.messages) and flow.state.messages[0].key == RETRYING


async def patiently(flow: Flow, call: Callable[[], Awaitable[T]]) -> T:
    """`call()` (a GET, or a POST with its journaled key: safe to repeat) asked again while the
    backend does not answer, for `timeouts.network_retry_seconds`, the tourist told meanwhile
    (`pay_waiting` saying `net.retrying`)."""
    wait = payment.Patience(flow.ports.clock, flow.ports.config.timeouts.network_retry_seconds)

    def say() -> None:
        if not retrying_shown(flow):
            data = flow.state.data
            amount = data.get("total_fen", data.get("estimate_fen", 0))
            flow.publish("pay_waiting", Msg(RETRYING), data={**data, "total_fen": amount})

    async def retrying(left: float) -> None:
        say()

    with telling_retries(flow, say):
        while True:
            try:
                return await call()
            except BackendError as exc:
                await wait.again(exc, retrying)


def network_gave_up(code: str, exc: BackendError) -> BackendError:
    """The error a journey ends with when the backend stayed away (a kiosk-side code of
    kiosk.domain.errors: what happens next, in zh/en)."""
    info = ERRORS[code]
    error = BackendError(code, info.zh, info.en, 0)
    error.__cause__ = exc
    return error


async def create_order(flow: Flow, request: dict[str, Any]) -> Order:
    """POST /orders with a journaled Idempotency-Key (asked again with it while the backend
    does not answer: one order, however often the answer is lost)."""
    journal, client = flow.ports.journal, flow.ports.client
    key = payment.new_key("order")
    journal.order_creating(key)
    order = await patiently(flow, lambda: client.create_order(request, key))
    journal.order_held(key, order.id, order.order_no, order.total_fen)
    crash_point(flow, "order_held")
    return order


def crash_point(flow: Flow, step: str) -> None:
    hook = getattr(flow.ports, "crash_hook", None)
    if hook is not None:
        hook(step)


# confirming a payment on the phone (userpaying): a touch at "still there?" near the deadline
# adds this much, this many times (accessibility: every timeout can be extended by >= 20 s)
MORE_TIME_SECONDS = 30.0
MORE_TIME_TIMES = 2


def _hold_length(order: Order, expires: datetime) -> float | None:
    """The hold's length by the backend's own clock (`expires_at` - `created_at` of its answer),
    so a kiosk whose clock disagrees with the backend's still counts the hold right; None when
    the answer does not say."""
    try:
        created = datetime.fromisoformat(str(order.raw.get("created_at") or ""))
    except ValueError:
        return None
    if (created.tzinfo is None) != (expires.tzinfo is None):  # naive: the backend's local time
        created = created.replace(tzinfo=expires.tzinfo)
    return (expires - created).total_seconds()


def _hold_ends(flow: Flow, order: Order) -> float:
    """When the hold ends on the kiosk's monotonic clock. By the wall clock (`expires_at` - now)
    while the kiosk's and the backend's clocks agree; where they disagree (the reading is past
    or longer than the hold itself), the hold's length by the backend's own answer."""
    try:
        expires = datetime.fromisoformat(order.expires_at)
    except ValueError:
        left = flow.ports.config.timeouts.payment_poll_seconds
    else:
        now = flow.ports.clock.now()
        if expires.tzinfo is None:
            now = now.replace(tzinfo=None)
        left = (expires - now).total_seconds()
        length = _hold_length(order, expires)
        if length is not None and not 0 < left <= length:
            left = length
    return flow.ports.clock.monotonic() + left


def _hold_seconds_left(flow: Flow, hold_ends: float) -> float:
    return max(1.0, hold_ends - flow.ports.clock.monotonic())


def order_view(order: Order) -> dict[str, Any]:
    return {
        "order_id": order.id,
        "order_no": order.order_no,
        "total_fen": order.total_fen,
        "expires_at": order.expires_at,
        "tickets": len(order.tickets),
        "points_used": int(order.raw.get("points_used", 0) or 0),
        "discount_fen": int(order.raw.get("member_discount_fen", 0) or 0)
        + int(order.raw.get("coupon_discount_fen", 0) or 0)
        + int(order.raw.get("points_discount_fen", 0) or 0),
    }


async def take_payment(flow: Flow, order: Order, *intro: Msg) -> bool:
    """The `pay` screen until paid (True) or the person cancels (the hold is released).
    `intro`: messages shown above the prompt (e.g. what a rebook's difference is for)."""
    ports = flow.ports
    messages: list[Msg] = [*intro, Msg("pay.show_code_or_choose_qr")]
    # a journey with a step history (kiosk.flows.steps) offers Back: the hold is given up
    back = (BACK,) if getattr(flow, "history", None) is not None else ()
    hold_ends = _hold_ends(flow, order)
    while True:
        flow.publish(
            "pay", *messages, data=order_view(order), actions=(SCAN, "pay_qr", "cancel", *back)
        )
        try:
            action = await flow.wait(SCAN, "pay_qr")
        except BaseException as exc:
            await release(flow, order, tell_backend=isinstance(exc, FlowCancelled | StepBack))
            raise
        auth_code: str | None = None
        if action.name == SCAN:
            code = classify(str(action.params.get("text", "")))
            if code.kind != CodeKind.PAYMENT:
                messages = [Msg("pay.not_a_payment_code")]
                continue
            auth_code = code.text

        try:
            result = await _Attempt(flow, order, auth_code, hold_ends).run()
        except BackendError as exc:
            if exc.unreachable:  # not known whether it was charged: never ask for a 2nd payment
                raise network_gave_up("payment_unconfirmed", exc) from exc
            messages = [flow.error_msg(exc)]
            continue
        except FlowCancelled:
            await reverse_open_payments(flow, order)
            await release(flow, order, tell_backend=True)
            raise
        if result.status == "success":
            ports.journal.order_state(order.id, "paid")
            crash_point(flow, "payment_success")
            return True
        if result.status == "cancelled":
            messages = [Msg("pay.reversed", {"reason": result.reason_code})]
        else:
            messages = [
                Msg(
                    "pay.failed",
                    {"reason": result.reason_code, "zh": result.reason_zh, "en": result.reason_en},
                )
            ]


class _Attempt:
    """One payment attempt on screen: `pay_waiting` while a code is confirmed (or `pay_qr` with
    the native QR), and `net.retrying` while the backend does not answer."""

    def __init__(self, flow: Flow, order: Order, auth_code: str | None, hold_ends: float) -> None:
        self.flow, self.order, self.auth_code = flow, order, auth_code
        self.hold_ends = hold_ends  # the kiosk's monotonic clock (see _hold_ends)
        self.qr: dict[str, Any] = {}  # the native QR on screen, once the backend gave it
        self.asking = False  # "still there?" is up: confirming on the phone takes a while
        self.extended = 0

    async def run(self) -> payment.PayResult:
        flow, ports = self.flow, self.flow.ports
        timeouts = ports.config.timeouts
        deadline = (
            timeouts.payment_poll_seconds
            if self.auth_code
            else _hold_seconds_left(flow, self.hold_ends)
        )
        flow.publish("pay_waiting", Msg("pay.processing"), data=order_view(self.order))
        with telling_retries(flow, self.say_retrying):
            return await payment.pay(
                ports.client,
                ports.journal,
                ports.clock,
                self.order.id,
                self.auth_code,
                deadline,
                on_wait=self.waiting if self.auth_code else self.qr_wait,
                on_submitted=self.submitted,
                crash=ports.crash_hook,
                on_retry=self.retrying,
                patience=timeouts.network_retry_seconds,
            )

    async def waiting(self, left: float) -> float | None:
        """Confirming on the phone: the seconds left told; near the end "still there?" is
        asked, and a touch gives MORE_TIME_SECONDS more (twice at most, within the hold)."""
        flow = self.flow
        if self.asking or self.extended:  # FlowCancelled when the tourist cancels
            touched = await flow.poll_action("continue") is not None
            if self.asking and touched:
                self.asking, self.extended = False, self.extended + 1
                left += MORE_TIME_SECONDS
                flow.publish("pay_waiting", Msg("pay.confirm_on_phone", {"seconds": int(left)}),
                             data=order_view(self.order), actions=("cancel",))  # fmt: skip
                return MORE_TIME_SECONDS
            if self.asking:
                return None
        warn = flow.ports.config.timeouts.still_there_seconds
        roomy = _hold_seconds_left(flow, self.hold_ends) > left + MORE_TIME_SECONDS
        told = any(m.key == "pay.confirm_on_phone" for m in flow.state.messages)
        if told and left <= warn and self.extended < MORE_TIME_TIMES and roomy:
            self.asking = True
            flow.publish("still_there", Msg("still_there"), data=order_view(self.order),
                         actions=("continue", "cancel"))  # fmt: skip
            return None
        flow.publish(
            "pay_waiting",
            Msg("pay.confirm_on_phone", {"seconds": int(left)}),
            data=order_view(self.order),
            actions=("cancel",) if self.extended else (),
        )
        return None

    async def submitted(self, p: payment.Payment) -> None:
        if self.auth_code is None:
            self.qr.update(order_view(self.order), code_url=p.code_url, payment_id=p.id)
            self.show_qr("pay.scan_qr")

    def show_qr(self, message: str) -> None:
        """The QR screen, with the seconds the hold has left now."""
        data = {**self.qr, "hold_seconds_left": _hold_seconds_left(self.flow, self.hold_ends)}
        self.flow.publish("pay_qr", Msg(message), data=data, actions=("cancel",))

    async def qr_wait(self, left: float) -> None:
        flow = self.flow
        await flow.poll_action()  # raises FlowCancelled when the tourist cancels
        if retrying_shown(flow):  # the backend answers again
            self.show_qr("pay.scan_qr")

    def say_retrying(self) -> None:
        """The backend does not answer: say so (the same payment is asked again)."""
        flow = self.flow
        if retrying_shown(flow):
            return
        if self.qr:  # the QR stays up (the phone pays the provider, not the kiosk)
            self.show_qr(RETRYING)
        else:
            flow.publish("pay_waiting", Msg(RETRYING), data=order_view(self.order))

    async def retrying(self, left: float) -> None:
        self.say_retrying()
        if self.qr:
            await self.flow.poll_action()  # the tourist may still cancel


async def reverse_open_payments(flow: Flow, order: Order) -> None:
    """Cancel (close) a QR payment the tourist walked away from."""
    ports = flow.ports
    for entry in ports.journal.payments_of(order.id):
        if entry.state in ("submitting", "pending") and entry.payment_id:
            try:
                await payment.reverse(
                    ports.client, ports.journal, ports.clock, order.id, entry.idem_key,
                    entry.payment_id, patience=ports.config.timeouts.network_retry_seconds,
                )  # fmt: skip
            except BackendError as exc:
                if not exc.unreachable:
                    raise
                # journaled `cancelling`: the loop's replay reverses it once the backend answers
                raise network_gave_up("payment_unconfirmed", exc) from exc


async def release(flow: Flow, order: Order, *, tell_backend: bool) -> None:
    """Give back an unpaid hold: the journal forgets it, and (the tourist left: `tell_backend`)
    the backend is told in the background, so the screen goes home at once; when the backend
    is away the hold expires by itself. Not told while the task itself is being cancelled."""
    ports = flow.ports
    ports.journal.order_state(order.id, "abandoned")
    if tell_backend and ports.client.connectivity.failures == 0:
        task = asyncio.ensure_future(payment.give_up_hold(ports.client, order.id))
        _GIVING_UP.add(task)
        task.add_done_callback(_GIVING_UP.discard)


_GIVING_UP: set[asyncio.Task[bool]] = set()  # the background cancels, referenced until done


async def print_paid_order(flow: Flow, order_id: str, outcome: Outcome) -> Outcome:
    """Print every ticket of a paid order; on paper-out wait for staff and print the rest."""
    ports = flow.ports
    try:
        order = await patiently(flow, lambda: ports.client.get_order(order_id))
    except BackendError as exc:
        if not exc.unreachable:
            raise
        # paid, and journaled so: the loop's replay prints them once the backend answers
        raise network_gave_up("tickets_print_later", exc) from exc
    outcome.order_id, outcome.order_no = order.id, order.order_no
    journal_order_tickets(ports.journal, order, ports.client.cached_catalog, ports.config)
    total = len(ports.journal.tickets_of(order.id))

    def progress(i: int = 0, n: int = 0) -> None:
        """One `printing` state per ticket: `done` of `total` out, `current` the one going."""
        done = total - n + i if n else total - len(remaining(ports.journal, order.id))
        flow.publish(
            "printing",
            Msg("print.printing", {"count": total, "done": done, "total": total}),
            data={
                "order_no": order.order_no,
                "total": total,
                "done": done,
                "current": min(done + 1, total),
            },
        )

    while True:
        progress()
        printer = ports.devices.printer if ports.devices else None
        run = await print_order(
            ports.journal,
            ports.client,
            printer,
            order.id,
            on_printed=lambda n: crash_point(flow, f"ticket_printed_{n}"),
            on_ticket=lambda i, n: progress(i, n) if i else None,
        )
        outcome.printed += run.printed
        if run.complete:
            break
        outcome.missing = run.missing
        flow.publish(
            "paper_out" if run.error_code == "paper_out" else "printer_error",
            Msg(
                "print.stopped",
                {
                    "code": run.error_code,
                    "zh": run.error_zh,
                    "en": run.error_en,
                    "missing": len(run.missing),
                    "printed": len(outcome.printed),
                },
            ),
            Msg("print.call_staff"),
            data={
                "order_no": order.order_no,
                "missing": list(run.missing),
                "printed": list(outcome.printed),
            },
            actions=("retry",),
        )
        await wait_for_printer(flow)
    outcome.missing = remaining(ports.journal, order.id)
    ports.journal.order_state(order.id, "printed")
    outcome.data["points_earned"] = order.points_earned
    if not ports.client.connectivity.failures:  # the points are a nicety: tickets in hand, a
        try:  # backend away must not hold the tourist up or end the journey in an error
            fresh = await ports.client.get_order(order.id)
            outcome.data["points_earned"] = fresh.points_earned
        except BackendError as exc:
            if not exc.unreachable:
                raise
    outcome.result = "done"
    return outcome


async def wait_for_printer(flow: Flow) -> None:
    """Until staff taps retry, or the printer reports healthy again (paper restocked)."""
    printer = flow.ports.devices.printer if flow.ports.devices else None
    while True:
        action = await flow.poll_action("retry")
        if action is not None:
            return
        if printer is not None:
            status = await asyncio.to_thread(printer.status)
            if status.healthy:
                return
        await flow.ports.clock.sleep(0.5)
