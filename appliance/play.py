"""`kiosk play NAME [--json]`: one journey end to end, the tourist played by a scenario.

Starts the bundled backend (its own process, demo seed) and the four emulators (in this
process, on real transports), opens the real drivers on them, runs the flow, and prints the
outcome: the order, the tickets printed with the printer emulator's PNGs, what the tourist was
told. `--crash-after STEP` SIGKILLs the process right after STEP was journaled (crash test);
`--backend-url` / `--printer` / `--data-dir` run against ones already started.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
import tempfile
from contextlib import ExitStack
from pathlib import Path
from typing import Any

from appliance import scenarios
from appliance.backend import backend_process
from appliance.tourist import Emulators
from kiosk.config import KioskConfig
from kiosk.startup import open_kiosk


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="kiosk play",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("name", choices=[*sorted(scenarios.SCENARIOS), "replay"])
    parser.add_argument("--json", action="store_true", help="print the outcome as JSON")
    parser.add_argument("--out", default="", help="folder for tickets and the journal")
    parser.add_argument("--backend-url", default="", help="use this backend, do not start one")
    parser.add_argument("--printer", default="", help="use this printer (tcp://HOST:PORT)")
    parser.add_argument("--data-dir", default="", help="the kiosk's journal folder")
    parser.add_argument("--crash-after", default="", help="SIGKILL self after this step")
    parser.add_argument("--payment-poll-seconds", type=float, default=30.0)
    parser.add_argument("--pay-code", default="", help="the payment code the tourist shows")
    return parser.parse_args(argv)


async def run(args: argparse.Namespace) -> dict[str, Any]:
    out = Path(args.out or tempfile.mkdtemp(prefix="kiosk-play-"))
    out.mkdir(parents=True, exist_ok=True)
    config = KioskConfig(data_dir=args.data_dir or str(out / "kiosk"))
    config.timeouts.payment_poll_seconds = args.payment_poll_seconds
    with ExitStack() as stack:
        emulators = Emulators.start(out / "tickets", with_printer=not args.printer)
        stack.callback(emulators.stop)
        emulators.configure(config)
        if args.printer:
            config.devices.printer = args.printer
        config.backend_url = args.backend_url or stack.enter_context(
            backend_process(out / "backend.db")
        )
        async with open_kiosk(config, crash_after=args.crash_after) as k:
            k.options["pay_code"] = args.pay_code
            if args.name == "replay":
                return {"journey": "replay", "replayed": k.replayed.as_dict()}
            scenario = scenarios.SCENARIOS[args.name]
            result = await scenario(k, emulators)
            result["replayed_at_start"] = k.replayed.as_dict()
            return result


def main(argv: list[str] | None = None) -> int:
    args = parse_args(list(sys.argv[1:] if argv is None else argv))
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s %(message)s")
    result = asyncio.run(run(args))
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2, default=str))
    else:
        print(scenarios.describe(result))
    return 0 if result.get("ok", True) else 1


if __name__ == "__main__":
    raise SystemExit(main())
