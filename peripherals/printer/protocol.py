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
    seat: str = ""  # a seated ride's seat, printed large: "3C"
    seat_note: str = ""  # its class and departure: "靠窗 Window · 发车 Departs 08:30"


@dataclass(frozen=True)
class ReceiptLine:
    """One line of a receipt slip: what was bought (quantity x unit price), or a discount
    (`amount_fen` negative, quantity 0)."""

    label: str  # e.g. "大门票·成人票 Admission Adult", "优惠券 Coupon WELCOME10"
    amount_fen: int  # the line's amount: quantity x unit, or the (negative) discount
    quantity: int = 0
    unit_fen: int = 0


@dataclass(frozen=True)
class ReceiptSlip:
    """A receipt slip (购物小票): what a purchase or a pickup cost and how it was paid. Not a tax
    invoice. The kiosk fills it (zh and en text included); the printer only prints it."""

    area_name: str
    order_no: str
    printed_at: str  # "2026-05-01 10:31"
    kiosk_id: str
    lines: tuple[ReceiptLine, ...]
    total_fen: int
    payment: str  # e.g. "微信支付 WeChat Pay ****1234", or "已在携程支付 Paid on Ctrip"
    notes: tuple[str, ...] = ()  # "非发票 Not a tax invoice", how to ask for an e-invoice


class TicketPrinter(Protocol):
    def status(self) -> DeviceStatus: ...

    def print_ticket(self, ticket: TicketLayout) -> None:
        """Print and cut one ticket. Raises the driver's PrinterError (code paper_out,
        cover_open, offline) when the ticket did not come out whole."""
        ...

    def print_receipt(self, slip: ReceiptSlip) -> None:
        """Print and cut one receipt slip; raises PrinterError as print_ticket does."""
        ...

    def close(self) -> None: ...
