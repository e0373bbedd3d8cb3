"""A made-up ticket: for the staff test print, the emulator demo, tests and the benchmark."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from peripherals.printer.protocol import TicketLayout

SAMPLE_CODE = (
    "KT1.eyJ0IjoiVDIwMjUwNTAxLTAwMDEyMy0wMSIsInAiOiJhZG1pc3Npb24iLCJkIjoiMjAyNS0wNS0wMSJ9"
    ".MEUCIQDx7zq4l1bX9Zc2n3oVn8l2bJm4c0lYxw"
)

SAMPLE_TICKET = TicketLayout(
    area_name="云台山风景区",
    product_name="大门票 Admission",
    ticket_type="成人票 Adult",
    visit_date="2025-05-01",
    slot="09:00-10:00",
    price_fen=12000,
    order_no="O20250501000123",
    ticket_id="T20250501-000123-01",
    qr_text=SAMPLE_CODE,
    holder_name="张*",
    holder_id="110***********123X",
    footer="请妥善保管 / Keep this ticket",
)


def sample_ticket(**changes: Any) -> TicketLayout:
    return replace(SAMPLE_TICKET, **changes)


def staff_test_ticket(area_name: str = "", when: str = "") -> TicketLayout:
    """The staff test print (测试页): no holder, a code no gate accepts."""
    return sample_ticket(
        area_name=area_name or SAMPLE_TICKET.area_name,
        product_name="测试页 Test print",
        ticket_type="—",
        visit_date=when or "-",
        slot="-",
        price_fen=0,
        order_no="TEST",
        ticket_id="TEST",
        qr_text="TEST:printer",
        holder_name="",
        holder_id="",
        footer="打印机正常 / Printer OK",
    )
