"""`kiosk doctor`: check each configured device and print its status; exit 0 when all are
healthy. With --emulated the four emulators are started first and the devices point at them."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from kiosk.config import load_config
from kiosk.doctor import check, report, targets


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="kiosk doctor", description=__doc__)
    parser.add_argument("--config", type=Path, default=None, help="kiosk.toml to read")
    parser.add_argument("--emulated", action="store_true", help="start the emulators first")
    parser.add_argument("--json", action="store_true", help="print JSON")
    args = parser.parse_args(argv or [])
    config = load_config(args.config)
    bundle = None
    if args.emulated:
        from appliance.emulators.bundle import EmulatorBundle

        bundle = EmulatorBundle.start(Path(config.data_dir) / "doctor-tickets")
        for key, value in bundle.device_settings().items():
            setattr(config.devices, key, value)
    try:
        statuses = check(config)
    finally:
        if bundle is not None:
            bundle.stop()
    print(report(statuses, targets(config), args.json))
    return 0 if all(status.healthy for status in statuses.values()) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
