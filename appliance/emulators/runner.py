"""`kiosk emulators`: run all four device emulators and a control endpoint until Ctrl-C."""

from __future__ import annotations

import argparse
import json
import logging
import signal
import threading

from appliance.emulators.bundle import EmulatorBundle
from appliance.emulators.control import ControlServer


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="kiosk emulators", description=__doc__)
    parser.add_argument("--control-port", type=int, default=8790, help="control HTTP port")
    parser.add_argument("--printer-port", type=int, default=9100, help="ESC/POS TCP port")
    parser.add_argument("--camera-port", type=int, default=8791, help="MJPEG camera port")
    parser.add_argument("--idcard-tcp-port", type=int, default=None, help="also serve SAM on TCP")
    parser.add_argument("--tickets", default="var/tickets", help="where printed tickets go")
    parser.add_argument("--paper-mm", type=float, default=80_000.0, help="paper roll length")
    parser.add_argument("--no-smartcard", action="store_true", help="skip pcscd and the card")
    parser.add_argument("--json", action="store_true", help="print where each listens as JSON")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv or [])
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    bundle = EmulatorBundle.start(
        args.tickets,
        printer_port=args.printer_port,
        camera_port=args.camera_port,
        idcard_tcp_port=args.idcard_tcp_port,
        paper_mm=args.paper_mm,
        smartcard=not args.no_smartcard,
    )
    control = ControlServer(bundle, args.control_port).start()
    where = {**bundle.describe(), "control": control.url, "kiosk_devices": bundle.device_settings()}
    if args.json:
        print(json.dumps(where, ensure_ascii=False), flush=True)
    else:
        print("Emulators running (Ctrl-C stops them):")
        for name, info in where.items():
            print(f"  {name:<14} {info}")
        print(
            f'\nTry:  curl -XPOST {control.url}/idcard/place -d \'{{"card": "zhang_wei"}}\'\n'
            f"      curl -XPOST {control.url}/camera/show -d "
            '\'{"text": "134567890123456780", "kind": "payment", "seconds": 5}\'\n'
            f"      curl -XPOST {control.url}/printer/paper -d '{{\"empty\": true}}'\n"
            f"      curl {control.url}/status",
            flush=True,
        )
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        control.stop()
        bundle.stop()
    return 0
