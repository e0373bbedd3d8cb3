"""Journal replay at start: finish what a crash or power cut left half-done.

- A payment left `submitting`/`pending`: asked again with the same Idempotency-Key (the backend
  answers with the same payment, never a second charge), polled to a final state, and reversed
  when it does not settle in time. `cancelling`: the cancel is sent again.
- An order whose payment succeeded: its tickets that did not print print now (only those); a
  ticket left `printing` is `uncertain` and waits for staff (it may have come out).
- An order held but never paid: left for its hold to expire (the backend returns the inventory).
- A printed ticket the backend was not told about: told now.

It runs at every start, and again whenever a journey left work open because the backend stopped
answering (the journey loop, kiosk/flows/home.py, replays between journeys once it answers;
`work_left(journal)` says whether there is any).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from kiosk.client import BackendClient, BackendError
from kiosk.clock import Clock
from kiosk.config import KioskConfig
from kiosk.flows import payment
from kiosk.flows.printing import journal_order_tickets, mark_printed, print_order
from kiosk.journal import Journal, PaymentEntry
from peripherals.printer.protocol import TicketPrinter

log = logging.getLogger("kiosk.recovery")


@dataclass
class ReplayReport:
    payments_settled: list[str] = field(default_factory=list)  # order ids now paid
    payments_reversed: list[str] = field(default_factory=list)  # order ids reversed/failed
    orders_printed: list[str] = field(default_factory=list)  # order ids finished printing
    tickets_printed: list[str] = field(default_factory=list)
    tickets_uncertain: list[str] = field(default_factory=list)  # left for staff
    tickets_missing: list[str] = field(default_factory=list)  # printer still cannot print
    orders_abandoned: list[str] = field(default_factory=list)  # held, never paid: cancelled
    errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, list[str]]:
        return {k: list(v) for k, v in self.__dict__.items()}


def work_left(journal: Journal) -> bool:
    """Whether a replay has something to finish that the network left open: a payment not
    settled, a paid order not printed, a printed ticket the backend was not told about. (A
    ticket the printer failed, or that may have come out, waits for staff instead.)"""
    return bool(
        journal.open_payments()
        or journal.tickets_unmarked()
        or any(
            o.state == "paid"
            and o.order_id
            and not any(t.state in ("failed", "uncertain") for t in journal.tickets_of(o.order_id))
            for o in journal.open_orders()
        )
    )


async def replay(
    journal: Journal,
    client: BackendClient,
    printer: TicketPrinter | None,
    config: KioskConfig,
    clock: Clock,
) -> ReplayReport:
    report = ReplayReport()
    for entry in journal.tickets_in("printing"):
        journal.ticket_state(entry.ticket_id, "uncertain", "crashed_while_printing")
        report.tickets_uncertain.append(entry.ticket_id)
    for pay in journal.open_payments():
        try:
            await _finish_payment(journal, client, clock, config, pay, report)
        except BackendError as exc:
            report.errors.append(f"payment of {pay.order_id}: {exc.code}")
    try:
        catalog = await client.catalog()
    except BackendError:
        catalog = None
    for order in journal.open_orders():
        if order.order_id is None or order.state in ("creating", "held"):
            if order.order_id:
                journal.order_state(order.order_id, "abandoned")
                await payment.give_up_hold(client, order.order_id)
            report.orders_abandoned.append(order.order_id or order.idem_key)
            continue
        if order.state == "paying":
            continue  # its payment could not be settled now; next start tries again
        try:
            remote = await client.get_order(order.order_id)
            if remote.status not in ("paid", "partially_refunded"):
                journal.order_state(order.order_id, remote.status)
                continue
            journal_order_tickets(journal, remote, catalog, config)
            run = await print_order(journal, client, printer, order.order_id)
        except BackendError as exc:
            report.errors.append(f"order {order.order_id}: {exc.code}")
            continue
        report.tickets_printed += run.printed
        report.tickets_missing += run.missing
        if run.complete:
            journal.order_state(order.order_id, "printed")
            report.orders_printed.append(order.order_id)
    for entry in journal.tickets_unmarked():
        await mark_printed(journal, client, entry.ticket_id)
    if any(report.as_dict().values()):
        log.info("journal replay: %s", {k: len(v) for k, v in report.as_dict().items()})
    return report


async def _finish_payment(
    journal: Journal,
    client: BackendClient,
    clock: Clock,
    config: KioskConfig,
    pay: PaymentEntry,
    report: ReplayReport,
) -> None:
    deadline = config.timeouts.payment_poll_seconds
    if pay.state == "cancelling" and pay.payment_id:
        result = await payment.reverse(
            client, journal, clock, pay.order_id, pay.idem_key, pay.payment_id
        )
    else:
        # ask again with the same key and body: the backend answers with the same payment
        submitted = await payment.submit(
            client, journal, clock, pay.order_id, pay.auth_code or None, pay.idem_key
        )
        if pay.method == "qr" and not submitted.final:
            deadline = 0.0  # nobody is in front of the QR any more: reverse it now
        result = await payment.settle(
            client, journal, clock, pay.order_id, pay.idem_key, submitted, deadline
        )
    if result.status == "success":
        journal.order_state(pay.order_id, "paid")
        report.payments_settled.append(pay.order_id)
    else:
        journal.order_state(pay.order_id, "abandoned")
        report.payments_reversed.append(pay.order_id)
        await payment.give_up_hold(client, pay.order_id)
