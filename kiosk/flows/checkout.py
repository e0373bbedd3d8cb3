"""The end of every buying journey: hold the order, take the payment, print the tickets.

Shared by purchase, add-ons and rebook (when a difference is due). Screens: `pay`,
`pay_waiting`, `pay_qr`, `printing`, `paper_out`, `done` (docs/journeys.md).
"""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

from kiosk.api_records import Order
from kiosk.client import BackendError
from kiosk.domain.code_kinds import CodeKind, classify
from kiosk.flows import payment
from kiosk.flows.base import SCAN, Flow, FlowCancelled, Msg, Outcome
from kiosk.flows.printing import journal_order_tickets, print_order, remaining

# Crash-test hook: `kiosk play purchase --crash-after STEP` SIGKILLs the process right after
# the journal recorded STEP. Steps: order_held, payment_submitted, payment_success,
# ticket_printed_1, ticket_printed_2, ...
CrashHook = Any


async def create_order(flow: Flow, request: dict[str, Any]) -> Order:
    """POST /orders with a journaled Idempotency-Key."""
    journal, client = flow.ports.journal, flow.ports.client
    key = payment.new_key("order")
    journal.order_creating(key)
    order = await client.create_order(request, key)
    journal.order_held(key, order.id, order.order_no, order.total_fen)
    crash_point(flow, "order_held")
    return order


def crash_point(flow: Flow, step: str) -> None:
    hook = getattr(flow.ports, "crash_hook", None)
    if hook is not None:
        hook(step)


def _hold_seconds_left(flow: Flow, order: Order) -> float:
    if not order.expires_at:
        return flow.ports.config.timeouts.payment_poll_seconds
    try:
        expires = datetime.fromisoformat(order.expires_at)
    except ValueError:
        return flow.ports.config.timeouts.payment_poll_seconds
    now = flow.ports.clock.now()
    if expires.tzinfo is None:
        now = now.replace(tzinfo=None)
    return max(1.0, (expires - now).total_seconds())


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
    while True:
        flow.publish("pay", *messages, data=order_view(order), actions=(SCAN, "pay_qr", "cancel"))
        try:
            action = await flow.wait(SCAN, "pay_qr")
        except BaseException:
            await release(flow, order)
            raise
        auth_code: str | None = None
        if action.name == SCAN:
            code = classify(str(action.params.get("text", "")))
            if code.kind != CodeKind.PAYMENT:
                messages = [Msg("pay.not_a_payment_code")]
                continue
            auth_code = code.text

        async def waiting(left: float) -> None:
            flow.publish(
                "pay_waiting",
                Msg("pay.confirm_on_phone", {"seconds": int(left)}),
                data=order_view(order),
            )

        async def submitted(p: payment.Payment, by_code: bool = auth_code is not None) -> None:
            if not by_code:
                flow.publish(
                    "pay_qr",
                    Msg("pay.scan_qr"),
                    data={**order_view(order), "code_url": p.code_url, "payment_id": p.id},
                    actions=("cancel",),
                )

        async def qr_wait(left: float) -> None:
            await flow.poll_action()  # raises FlowCancelled when the tourist cancels

        deadline = (
            ports.config.timeouts.payment_poll_seconds
            if auth_code
            else _hold_seconds_left(flow, order)
        )
        flow.publish("pay_waiting", Msg("pay.processing"), data=order_view(order))
        try:
            result = await payment.pay(
                ports.client,
                ports.journal,
                ports.clock,
                order.id,
                auth_code,
                deadline,
                on_wait=waiting if auth_code else qr_wait,
                on_submitted=submitted,
                crash=flow.ports.crash_hook,
            )
        except BackendError as exc:
            messages = [flow.error_msg(exc)]
            continue
        except FlowCancelled:
            await reverse_open_payments(flow, order)
            await release(flow, order)
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


async def reverse_open_payments(flow: Flow, order: Order) -> None:
    """Cancel (close) a QR payment the tourist walked away from."""
    ports = flow.ports
    for entry in ports.journal.payments_of(order.id):
        if entry.state in ("submitting", "pending") and entry.payment_id:
            await payment.reverse(
                ports.client, ports.journal, ports.clock, order.id, entry.idem_key, entry.payment_id
            )


async def release(flow: Flow, order: Order) -> None:
    """Give back an unpaid hold: the backend lets it expire; the journal forgets it."""
    flow.ports.journal.order_state(order.id, "abandoned")


async def print_paid_order(flow: Flow, order_id: str, outcome: Outcome) -> Outcome:
    """Print every ticket of a paid order; on paper-out wait for staff and print the rest."""
    ports = flow.ports
    order = await ports.client.get_order(order_id)
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
    fresh = await ports.client.get_order(order.id)
    outcome.data["points_earned"] = fresh.points_earned
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
