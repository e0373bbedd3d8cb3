"""The ticket printer driver against the ESC/POS emulator over real TCP and a real pty."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image
from pyzbar.pyzbar import decode

from peripherals.printer.driver import EscposTicketPrinter
from peripherals.printer.emulator import PrinterEmulator
from peripherals.printer.errors import PrinterError
from peripherals.printer.protocol import TicketLayout
from peripherals.status import DeviceState
from tests.fixtures.common import free_port
from tests.fixtures.printer import sample_ticket


@pytest.fixture
def printer(printer_url: str) -> Iterator[EscposTicketPrinter]:
    driver = EscposTicketPrinter(printer_url, timeout=2.0)
    yield driver
    driver.close()


def test_ticket_prints_with_chinese_text_and_a_scannable_code(
    printer: EscposTicketPrinter, printer_emulator: PrinterEmulator, ticket: TicketLayout
) -> None:
    printer.print_ticket(ticket)

    [printed] = printer_emulator.tickets
    assert printed.complete and printed.png.exists()
    codes = [c.data.decode() for c in decode(Image.open(printed.png)) if c.type == "QRCODE"]
    assert codes == [ticket.qr_text]
    text = "\n".join(printed.lines)
    for expected in ("云台山风景区", "大门票 Admission", "成人票 Adult", "￥120.00", "张*"):
        assert expected in text
    assert "110***********123X" in text
    assert ticket.order_no in text and ticket.ticket_id in text


def test_reprint_is_marked(printer: EscposTicketPrinter, printer_emulator: PrinterEmulator) -> None:
    printer.print_ticket(sample_ticket(reprint=True))
    assert any("REPRINT" in line for line in printer_emulator.tickets[0].lines)


def test_status_reports_ok_near_end_paper_out_and_cover_open(
    printer: EscposTicketPrinter, printer_emulator: PrinterEmulator
) -> None:
    assert (printer.status().state, printer.status().code) == (DeviceState.OK, "ok")

    printer_emulator.set_paper(300)
    near = printer.status()
    assert (near.state, near.code) == (DeviceState.WARNING, "paper_near_end")
    assert near.healthy

    printer_emulator.empty_paper()
    out = printer.status()
    assert (out.state, out.code, out.details["paper_out"]) == (DeviceState.ERROR, "paper_out", True)

    printer_emulator.refill()
    printer_emulator.open_cover()
    cover = printer.status()
    assert (cover.state, cover.code) == (DeviceState.ERROR, "cover_open")
    assert cover.message_zh and cover.message_en

    printer_emulator.close_cover()
    assert printer.status().code == "ok"


def test_printing_is_refused_while_the_cover_is_open(
    printer: EscposTicketPrinter, printer_emulator: PrinterEmulator, ticket: TicketLayout
) -> None:
    printer_emulator.open_cover()
    with pytest.raises(PrinterError) as refused:
        printer.print_ticket(ticket)
    assert refused.value.code == "cover_open"
    assert printer_emulator.tickets == []


def test_printing_is_refused_without_paper(
    printer: EscposTicketPrinter, printer_emulator: PrinterEmulator, ticket: TicketLayout
) -> None:
    printer_emulator.empty_paper()
    with pytest.raises(PrinterError) as refused:
        printer.print_ticket(ticket)
    assert refused.value.code == "paper_out"
    assert printer_emulator.tickets == [] and printer_emulator.partials == []


def test_paper_running_out_mid_ticket_raises_and_the_ticket_is_not_printed(
    printer: EscposTicketPrinter, printer_emulator: PrinterEmulator, ticket: TicketLayout
) -> None:
    printer_emulator.set_paper(50)  # a ticket takes over 100 mm
    with pytest.raises(PrinterError) as stopped:
        printer.print_ticket(ticket)
    assert stopped.value.code == "paper_out"
    assert printer_emulator.tickets == []
    [partial] = printer_emulator.partials
    assert not partial.complete and partial.png.exists()
    assert partial.qr_payloads == []  # the code never made it onto the paper

    printer_emulator.refill()
    printer.print_ticket(ticket)
    [printed] = printer_emulator.tickets
    assert printed.complete and printed.qr_payloads == [ticket.qr_text]
    assert printed.lines[0] == ticket.area_name  # no leftover of the lost ticket on top


def test_tickets_use_up_the_roll(
    printer: EscposTicketPrinter, printer_emulator: PrinterEmulator, ticket: TicketLayout
) -> None:
    before = printer_emulator.paper_mm
    printer.print_ticket(ticket)
    printer.print_ticket(ticket)
    used = before - printer_emulator.paper_mm
    assert len(printer_emulator.tickets) == 2
    assert 150 < used < 400  # two 80 mm-wide tickets of roughly 100-200 mm each


def test_unreachable_printer_is_missing_not_an_exception(ticket: TicketLayout) -> None:
    driver = EscposTicketPrinter(f"tcp://127.0.0.1:{free_port()}", timeout=0.5)
    status = driver.status()
    assert (status.state, status.code) == (DeviceState.MISSING, "not_found")
    with pytest.raises(PrinterError) as refused:
        driver.print_ticket(ticket)
    assert refused.value.code == "offline"
    driver.close()


def test_missing_serial_device_is_missing() -> None:
    driver = EscposTicketPrinter("/dev/does-not-exist-printer", timeout=0.5)
    assert driver.status().state is DeviceState.MISSING


def test_printer_that_goes_away_becomes_missing_then_comes_back(
    tmp_path_factory: pytest.TempPathFactory, ticket: TicketLayout
) -> None:
    out = tmp_path_factory.mktemp("tickets")
    emu = PrinterEmulator(port=0, out_dir=out).start()
    port = emu.port
    driver = EscposTicketPrinter(f"tcp://127.0.0.1:{port}", timeout=0.5)
    assert driver.status().code == "ok"
    emu.stop()
    assert driver.status().state is DeviceState.MISSING
    emu = PrinterEmulator(port=port, out_dir=out).start()
    try:
        driver.print_ticket(ticket)
        assert len(emu.tickets) == 1
    finally:
        driver.close()
        emu.stop()


def test_garbage_does_not_stop_the_emulator(
    printer_emulator: PrinterEmulator, printer: EscposTicketPrinter, ticket: TicketLayout
) -> None:
    printer._write(bytes(range(256)) * 4 + b"\x1b@")
    printer.print_ticket(ticket)
    assert printer_emulator.tickets[-1].qr_payloads == [ticket.qr_text]


def test_a_late_answer_does_not_confuse_the_next_status(
    printer: EscposTicketPrinter, printer_emulator: PrinterEmulator
) -> None:
    printer._write(b"\x10\x04\x01\x10\x04\x04")  # answers nobody reads
    time.sleep(0.2)
    printer_emulator.open_cover()
    assert printer.status().code == "cover_open"


LAZY_PROBE = """
import json, os, sys
from peripherals.printer import open_printer
from peripherals.printer.sample import sample_ticket
found = {}
for url in sys.argv[1:]:
    printer = open_printer(url, timeout=2.0)
    found[url] = {"status": printer.status().state.value, "escpos": "escpos" in sys.modules}
    printer.close()
printer = open_printer(sys.argv[1], timeout=2.0)
printer.print_ticket(sample_ticket())
found["after_print"] = {
    "escpos": "escpos" in sys.modules,
    "pickle_dir": os.environ.get("ESCPOS_CAPABILITIES_PICKLE_DIR", ""),
}
print(json.dumps(found))
"""


def test_status_needs_no_python_escpos_until_the_first_ticket(
    printer_emulator: PrinterEmulator, tmp_path: Path
) -> None:
    """A kiosk at rest asks its printer's status over TCP or serial without holding
    python-escpos (~8 MB); the first ticket loads it, with its database pickle in the cache."""
    tcp = f"tcp://{printer_emulator.host}:{printer_emulator.port}"
    env = {k: v for k, v in os.environ.items() if k != "ESCPOS_CAPABILITIES_PICKLE_DIR"}
    env["XDG_CACHE_HOME"] = str(tmp_path)
    done = subprocess.run(
        [sys.executable, "-c", LAZY_PROBE, tcp, str(printer_emulator.pty_path)],
        cwd=Path(__file__).resolve().parents[2],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout)
    for url in (tcp, str(printer_emulator.pty_path)):
        assert found[url] == {"status": "ok", "escpos": False}
    assert found["after_print"] == {
        "escpos": True,
        "pickle_dir": str(tmp_path / "kiosk-escpos"),
    }
    assert list((tmp_path / "kiosk-escpos").glob("*.capabilities.pickle"))
    assert len(printer_emulator.tickets) == 1 and printer_emulator.tickets[0].complete
