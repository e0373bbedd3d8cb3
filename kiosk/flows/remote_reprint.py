"""Reprints the console flagged: at pickup, the lookup names the tickets of an order that staff
at the service desk flagged to print once more (`tickets_to_reprint`, backend
services.reprints). They print here marked REPRINT, once: the printed mark uses up the flag, so
a second pickup finds nothing. No ticket prints twice without staff (at the kiosk or in the
console) saying so. On paper-out the kiosk waits for staff as for a first print; a reprint
left `failed` is in staff mode's reprint list."""

from __future__ import annotations

from kiosk.flows.base import Flow, Msg
from kiosk.flows.checkout import wait_for_printer
from kiosk.flows.printing import print_order


async def print_flagged(
    flow: Flow, order_id: str, order_no: str, ticket_ids: list[str]
) -> list[str]:
    """Print these (already journaled) tickets of the order again, marked REPRINT; the ids
    printed."""
    ports = flow.ports
    known = {t.ticket_id for t in ports.journal.tickets_of(order_id)}
    ids = [t for t in ticket_ids if t in known]
    for ticket_id in ids:
        ports.journal.ticket_state(ticket_id, "pending")  # the console said: once more
    printed: list[str] = []
    while True:
        todo = [t for t in ids if t not in printed]
        flow.publish(
            "printing",
            Msg("print.printing", {"count": len(ids), "done": len(printed), "total": len(ids)}),
            data={
                "order_no": order_no,
                "total": len(ids),
                "done": len(printed),
                "current": len(printed) + 1,
            },
        )
        run = await print_order(
            ports.journal,
            ports.client,
            ports.devices.printer if ports.devices else None,
            order_id,
            reprint=True,
            only=todo,
        )
        printed += run.printed
        if run.complete:
            return printed
        flow.publish(
            "paper_out" if run.error_code == "paper_out" else "printer_error",
            Msg(
                "print.stopped",
                {
                    "code": run.error_code,
                    "zh": run.error_zh,
                    "en": run.error_en,
                    "missing": len(run.missing),
                    "printed": len(printed),
                },
            ),
            Msg("print.call_staff"),
            data={"order_no": order_no, "missing": list(run.missing), "printed": printed},
            actions=("retry",),
        )
        await wait_for_printer(flow)
