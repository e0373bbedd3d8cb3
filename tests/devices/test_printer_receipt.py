"""The receipt slip (购物小票): the driver prints it to the ESC/POS emulator over real TCP; the
bytes the emulator received parse back to the slip's rows, the PNG shows the total, and a
paper-out is the driver's PrinterError with only a partial slip out."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from peripherals.printer.driver import EscposTicketPrinter
from peripherals.printer.emulator import (
    Cut,
    EscposParser,
    PrinterEmulator,
    QrPrint,
    TextRow,
    event_dots,
)
from peripherals.printer.emulator.render import MARGIN_DOTS
from peripherals.printer.errors import PrinterError
from peripherals.printer.protocol import ReceiptLine, ReceiptSlip
from peripherals.printer.ticket_bytes import cells

SLIP = ReceiptSlip(
    area_name="云台山风景区 Yuntai Mountain Scenic Area",
    order_no="O20260501000123",
    printed_at="2026-05-01 10:31",
    kiosk_id="kiosk-01",
    lines=(
        ReceiptLine("大门票 Admission · 成人票 Adult", 24000, 2, 12000),
        ReceiptLine("会员折扣 Member discount", -2400),
        ReceiptLine("优惠券 Coupon WELCOME10", -1000),
        ReceiptLine("积分抵扣 Points 100", -100),
    ),
    total_fen=20500,
    payment="微信支付 WeChat Pay 4200**************1234",
    notes=("非发票 NOT A TAX INVOICE", "电子发票：在本机点“电子发票”。 E-invoice: tap E-invoice."),
)


@pytest.fixture
def emulator(artifacts_dir: Path):
    emu = PrinterEmulator(port=0, out_dir=artifacts_dir / "receipts", paper_mm=5_000).start()
    yield emu
    emu.stop()


def test_a_receipt_prints_its_lines_discounts_total_and_payment(emulator: PrinterEmulator):
    received = bytearray()
    emulator.on_bytes.append(received.extend)
    driver = EscposTicketPrinter(f"tcp://{emulator.host}:{emulator.port}", timeout=2.0)
    try:
        driver.print_receipt(SLIP)
    finally:
        driver.close()

    # what went over the wire, parsed as a printer does
    events = EscposParser().feed(bytes(received))
    rows = [e.text for e in events if isinstance(e, TextRow)]
    assert rows[2] == "购物小票 RECEIPT"
    assert "订单 Order    O20260501000123" in rows and "终端 Kiosk    kiosk-01" in rows
    assert any(r.startswith("2 x ￥120.00") and r.endswith("￥240.00") for r in rows)
    for label, amount in (("会员折扣", "-￥24.00"), ("优惠券 Coupon WELCOME10", "-￥10.00"),
                          ("积分抵扣 Points 100", "-￥1.00")):  # fmt: skip
        assert any(r.startswith(label) and r.endswith(amount) for r in rows), (label, rows)
    [total] = [r for r in rows if r.startswith("合计 TOTAL")]
    assert total.endswith("￥205.00") and cells(total) == 48  # right-aligned on the row
    assert "4200**************1234" in " ".join(rows) and "非发票 NOT A TAX INVOICE" in rows
    assert not [e for e in events if isinstance(e, QrPrint)]  # a slip is no ticket
    assert isinstance([e for e in events if isinstance(e, TextRow | Cut)][-1], Cut)

    # the PNG the emulator drew: the total's row has ink at the label and at the amount
    [slip] = emulator.tickets
    assert slip.complete and slip.png.exists() and slip.lines == rows
    image = Image.open(slip.png).convert("L")
    index = next(
        i for i, e in enumerate(events) if isinstance(e, TextRow) and e.text.startswith("合计")
    )
    top = MARGIN_DOTS + sum(event_dots(e) for e in events[:index])
    height = event_dots(events[index])
    edge = image.width - MARGIN_DOTS
    left = image.crop((MARGIN_DOTS, top, MARGIN_DOTS + 120, top + height))
    right = image.crop((edge - 120, top, edge, top + height))
    assert min(left.getdata()) < 80 and min(right.getdata()) < 80
    assert height >= 2 * 24  # the total prints double height
    gap = image.crop((MARGIN_DOTS + 200, top, MARGIN_DOTS + 400, top + height))
    assert min(gap.getdata()) > 200  # and nothing between label and amount


def test_paper_out_while_printing_a_receipt_is_the_drivers_error(emulator: PrinterEmulator):
    emulator.set_paper(20)  # 2 cm: the header, not the slip
    driver = EscposTicketPrinter(f"tcp://{emulator.host}:{emulator.port}", timeout=2.0)
    try:
        with pytest.raises(PrinterError) as caught:
            driver.print_receipt(SLIP)
        assert caught.value.code == "paper_out" and caught.value.message_zh == "打印纸已用完"
        with pytest.raises(PrinterError) as again:  # nothing prints until the paper is refilled
            driver.print_receipt(SLIP)
        assert again.value.code == "paper_out"
        emulator.refill()
        driver.print_receipt(SLIP)
    finally:
        driver.close()
    assert [p.complete for p in emulator.partials] == [False] and len(emulator.tickets) == 1
