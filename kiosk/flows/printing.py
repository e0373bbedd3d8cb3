"""Printing an order's tickets, one per person, journaled ticket by ticket.

Each ticket is journaled `pending` before the first prints, `printing` just before its bytes go
out, `printed` once the printer took it whole; then the backend is told (`POST .../printed`). A
paper-out stops the run and names the missing tickets; after a restock only those print. A
ticket left `printing` by a crash may or may not have come out: it is marked `uncertain` and
left for staff to reprint, because no ticket prints twice without staff (at the kiosk or in
the console, kiosk.flows.remote_reprint) saying so.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

from kiosk.api_records import Catalog, Order, Ticket
from kiosk.client import BackendClient, BackendError
from kiosk.config import KioskConfig
from kiosk.domain.holders import ticket_holder_note
from kiosk.domain.ids import mask_id, mask_name
from kiosk.journal import Journal
from peripherals.printer.protocol import TicketLayout, TicketPrinter
from peripherals.status import DeviceError

log = logging.getLogger("kiosk.printing")


@dataclass
class PrintRun:
    order_id: str
    printed: list[str] = field(default_factory=list)  # ticket ids printed in this run
    missing: list[str] = field(default_factory=list)  # ticket ids still to print
    error_code: str = ""  # printer error that stopped the run
    error_zh: str = ""
    error_en: str = ""

    @property
    def complete(self) -> bool:
        return not self.missing


def layout_for(
    order: Order, ticket: Ticket, catalog: Catalog | None, config: KioskConfig
) -> TicketLayout:
    """What one ticket shows; holder name and ID are masked here, before anything stores them."""
    raw = ticket.raw
    product = catalog.product(ticket.product_id) if catalog else None
    ttype = product.ticket_type(ticket.ticket_type_id) if product else None
    product_name = _name(raw.get("product_name")) or (
        f"{product.name_zh} {product.name_en}" if product else ticket.product_id
    )
    type_name = _name(raw.get("ticket_type_name")) or (
        f"{ttype.name_zh} {ttype.name_en}" if ttype else ticket.ticket_type_id
    )
    return TicketLayout(
        area_name=f"{config.area_name_zh} {config.area_name_en}",
        product_name=product_name,
        ticket_type=type_name,
        visit_date=ticket.date,
        slot=ticket.slot,
        price_fen=ticket.price_fen,
        order_no=order.order_no,
        ticket_id=ticket.id,
        qr_text=ticket.code,
        holder_name=mask_name(ticket.holder_name),
        holder_id=mask_id(ticket.holder_doc_number)
        if ticket.holder_doc_number
        else ticket_holder_note(raw.get("holder") or {}),  # staff allowed no document
        footer="请妥善保管 Keep this ticket",
        seat=str(raw.get("seat") or ""),
        seat_note=seat_note(raw),
    )


def seat_note(raw: dict[str, Any]) -> str:
    """Under a seat number: its class (靠窗 Window) and the departure time."""
    if not raw.get("seat"):
        return ""
    names = {"front": "前排 Front", "window": "靠窗 Window", "aisle": "过道 Aisle"}
    cls = names.get(str(raw.get("seat_class") or ""), str(raw.get("seat_class") or ""))
    return f"{cls} · 发车 Departs {raw.get('start') or ''}".strip(" ·")


def _name(value: Any) -> str:
    if isinstance(value, dict):
        return " ".join(str(v) for v in (value.get("zh"), value.get("en")) if v)
    return str(value or "")


def journal_order_tickets(
    journal: Journal, order: Order, catalog: Catalog | None, config: KioskConfig
) -> None:
    """Write every still-issued ticket of a paid order to the journal as pending (idempotent)."""
    journal.tickets_to_print(
        order.id,
        [
            (t.id, asdict(layout_for(order, t, catalog, config)))
            for t in order.tickets
            if t.status in ("issued", "printed")
        ],
    )
    # tickets the backend already knows as printed (another run did it) are not printed again
    for t in order.tickets:
        entry = journal.ticket(t.id)
        if t.status == "printed" and entry and entry.state != "printed":
            journal.ticket_state(t.id, "printed_elsewhere")


async def print_order(
    journal: Journal,
    client: BackendClient,
    printer: TicketPrinter | None,
    order_id: str,
    *,
    reprint: bool = False,
    only: list[str] | None = None,
    on_printed: Callable[[int], None] | None = None,
    on_ticket: Callable[[int, int], None] | None = None,
) -> PrintRun:
    """Print the order's journaled tickets that are pending or failed (or `only` those ids, for a
    staff reprint), stopping at the first printer error. `on_ticket(i, n)` is called before the
    i-th (0-based) of the n tickets this run prints; `on_printed(seq)` after each one."""
    run = PrintRun(order_id)
    states = ("pending", "failed", "uncertain") if reprint else ("pending", "failed")
    todo = [
        t
        for t in journal.tickets_of(order_id)
        if t.state in states and (only is None or t.ticket_id in only)
    ]
    for i, entry in enumerate(todo):
        if printer is None:
            run.missing = [t.ticket_id for t in todo[i:]]
            run.error_code, run.error_zh, run.error_en = "not_found", "未找到打印机", "No printer"
            break
        if on_ticket is not None:
            on_ticket(i, len(todo))
        layout = TicketLayout(**{**entry.layout, "reprint": reprint})
        journal.ticket_state(entry.ticket_id, "printing")
        try:
            await asyncio.to_thread(printer.print_ticket, layout)
        except DeviceError as exc:
            journal.ticket_state(entry.ticket_id, "failed", exc.code)
            journal.error(exc.code, f"ticket {entry.ticket_id} of order {order_id}: {exc}")
            run.missing = [t.ticket_id for t in todo[i:]]
            run.error_code, run.error_zh, run.error_en = exc.code, exc.message_zh, exc.message_en
            log.warning("printing stopped: %s; %d ticket(s) missing", exc.code, len(run.missing))
            break
        journal.ticket_state(entry.ticket_id, "printed")
        run.printed.append(entry.ticket_id)
        if on_printed is not None:
            on_printed(entry.seq + 1)
        await mark_printed(journal, client, entry.ticket_id)
    return run


async def mark_printed(journal: Journal, client: BackendClient, ticket_id: str) -> bool:
    """Tell the backend a ticket printed; on failure replay tells it later."""
    try:
        await client.mark_printed(ticket_id, f"printed-{ticket_id}")
    except BackendError as exc:
        log.warning("could not mark ticket printed (%s); will retry at replay", exc.code)
        return False
    journal.ticket_marked(ticket_id)
    return True


def remaining(journal: Journal, order_id: str) -> list[str]:
    return [t.ticket_id for t in journal.tickets_of(order_id) if t.state in ("pending", "failed")]
