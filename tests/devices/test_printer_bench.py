"""bench.print runs end to end and its figures say what the wire carries."""

from __future__ import annotations

import time

from bench.print import run
from peripherals.printer.driver import EscposTicketPrinter
from peripherals.printer.emulator import PrinterEmulator
from peripherals.printer.sample import sample_ticket, staff_test_ticket


def test_bench_reports_native_qr_smaller_than_raster_and_counts_tickets() -> None:
    result = run(tickets=2, baud=2_000_000, repeat=1)
    native, raster = result["per_ticket"]["native_qr"], result["per_ticket"]["raster_qr"]
    assert 300 < native["bytes"] < raster["bytes"]
    for figures in result["throughput"].values():
        assert figures["tickets"] == 2 and figures["tickets_per_minute"] > 0


def test_simulated_line_speed_paces_the_ticket(tmp_path) -> None:
    emu = PrinterEmulator(port=0, out_dir=tmp_path, baud=9600).start()
    printer = EscposTicketPrinter(f"tcp://127.0.0.1:{emu.port}", timeout=5)
    try:
        wire = len(printer.ticket_bytes(sample_ticket()))
        started = time.perf_counter()
        printer.print_ticket(sample_ticket())
        elapsed = time.perf_counter() - started
    finally:
        printer.close()
        emu.stop()
    assert elapsed >= wire * 10 / 9600 * 0.9
    assert len(emu.tickets) == 1


def test_staff_test_print_comes_out(tmp_path) -> None:
    with PrinterEmulator(port=0, out_dir=tmp_path) as emu:
        printer = EscposTicketPrinter(f"tcp://127.0.0.1:{emu.port}")
        printer.print_ticket(staff_test_ticket())
        printer.close()
        assert "测试页 Test print" in emu.tickets[0].lines
        assert emu.tickets[0].qr_payloads == ["TEST:printer"]
