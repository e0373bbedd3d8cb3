"""Printer benchmark: bytes and render time per ticket (native QR against a raster QR), and
tickets per minute through the printer emulator at a simulated line speed, as JSON.

    python -m bench.print --json [--tickets N] [--baud 115200] [--repeat N]

Bytes come from the driver's own ticket writer (python-escpos `Dummy`); render time is the
emulator's parse + draw + PNG write; tickets per minute are measured end to end: the real driver
over real TCP and a real pty to the emulator pacing its reads at 10 bits per byte.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from escpos.printer import Dummy

from peripherals.printer import EscposTicketPrinter
from peripherals.printer.emulator import EscposParser, PrinterEmulator, qr_matrix, render_ticket
from peripherals.printer.sample import sample_ticket
from peripherals.printer.ticket_bytes import write_ticket


def _ms(samples: list[float]) -> float:
    return round(statistics.median(samples) * 1000, 2)


def ticket_bytes(native_qr: bool) -> bytes:
    dummy = Dummy()
    write_ticket(dummy, sample_ticket(), native_qr=native_qr)
    return dummy.output


def per_ticket(native_qr: bool, repeat: int, out: Path) -> dict[str, Any]:
    data = ticket_bytes(native_qr)
    compose, parse, render = [], [], []
    for i in range(repeat):
        started = time.perf_counter()
        ticket_bytes(native_qr)
        compose.append(time.perf_counter() - started)
        qr_matrix.cache_clear()  # the emulator meets each ticket's code once
        started = time.perf_counter()
        events = EscposParser().feed(data)
        parse.append(time.perf_counter() - started)
        started = time.perf_counter()
        render_ticket(events).save(out / f"bench-{int(native_qr)}-{i}.png")
        render.append(time.perf_counter() - started)
    return {
        "bytes": len(data),
        "line_ms_at_115200": round(len(data) * 10 / 115200 * 1000, 1),
        "compose_ms": _ms(compose),
        "emulator_parse_ms": _ms(parse),
        "emulator_render_png_ms": _ms(render),
    }


def throughput(transport: str, native_qr: bool, tickets: int, baud: int, out: Path) -> dict:
    emu = PrinterEmulator(port=0, out_dir=out, pty=transport == "pty", baud=baud).start()
    url = f"tcp://127.0.0.1:{emu.port}" if transport == "tcp" else str(emu.pty_path)
    printer = EscposTicketPrinter(url, baudrate=baud, timeout=10.0, native_qr=native_qr)
    try:
        printer.status()  # connect outside the timing
        started = time.perf_counter()
        for _ in range(tickets):
            printer.print_ticket(sample_ticket())
        elapsed = time.perf_counter() - started
    finally:
        printer.close()
        emu.stop()
    assert len(emu.tickets) == tickets, "every ticket must come out whole"
    return {
        "tickets": tickets,
        "seconds": round(elapsed, 3),
        "tickets_per_minute": round(tickets / elapsed * 60, 1),
        "ms_per_ticket": round(elapsed / tickets * 1000, 1),
    }


def run(tickets: int, baud: int, repeat: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="bench-print-") as tmp:
        out = Path(tmp)
        result: dict[str, Any] = {
            "machine": {
                "cpu": platform.processor() or platform.machine(),
                "python": platform.python_version(),
            },
            "per_ticket": {
                "native_qr": per_ticket(True, repeat, out),
                "raster_qr": per_ticket(False, repeat, out),
            },
            "baud": baud,
            "throughput": {},
        }
        for transport in ("tcp", "pty"):
            for name, native in (("native_qr", True), ("raster_qr", False)):
                figures = throughput(transport, native, tickets, baud, out / transport / name)
                result["throughput"][f"{transport}_{name}"] = figures
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.print", description=__doc__)
    parser.add_argument("--json", action="store_true", help="print one JSON object (default)")
    parser.add_argument("--tickets", type=int, default=10, help="tickets per throughput run")
    parser.add_argument("--baud", type=int, default=115200, help="simulated line speed")
    parser.add_argument("--repeat", type=int, default=10, help="samples per timing")
    args = parser.parse_args(argv)
    print(json.dumps(run(args.tickets, args.baud, args.repeat), indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
