"""What the flows use of the ticket printer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from peripherals.status import DeviceStatus


@dataclass(frozen=True)
class TicketLayout:
    """Everything printed on one ticket. Holder name and ID arrive already masked."""

    area_name: str
    product_name: str  # e.g. "大门票 Admission"
    ticket_type: str  # e.g. "成人票 Adult"
    visit_date: str  # YYYY-MM-DD
    slot: str  # e.g. "09:00-10:00", or "" for an all-day ticket
    price_fen: int
    order_no: str
    ticket_id: str
    qr_text: str  # the signed ticket code the gate scans
    holder_name: str = ""  # masked: 张*
    holder_id: str = ""  # masked: 110***********123X
    footer: str = ""  # e.g. "请妥善保管 / Keep this ticket"
    reprint: bool = False  # prints a REPRINT mark when staff reprint


class TicketPrinter(Protocol):
    def status(self) -> DeviceStatus: ...

    def print_ticket(self, ticket: TicketLayout) -> None:
        """Print and cut one ticket. Raises the driver's PrinterError (code paper_out,
        cover_open, offline) when the ticket did not come out whole."""
        ...

    def close(self) -> None: ...
