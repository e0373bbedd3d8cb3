"""`kiosk backend reconcile --date D --db F --payments-config FILE`: reconcile one day's
provider bills now; prints the mismatches, exit 1 when there are any (2: no bill)."""

from __future__ import annotations

import argparse
import json
from datetime import date, timedelta

from backend_stub.clock import local_now
from backend_stub.context import Backend
from backend_stub.payments.config import PaymentsConfigError
from backend_stub.payments.gateways import gateways
from backend_stub.payments.reconcile import reconcile
from backend_stub.settings import Settings
from backend_stub.stores import open_store


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="kiosk backend reconcile", description=__doc__)
    parser.add_argument("--db", default="var/backend.db", help="the backend's database")
    parser.add_argument("--payments-config", required=True, help="the providers (TOML)")
    parser.add_argument("--date", default="", help="YYYY-MM-DD (default: yesterday)")
    parser.add_argument("--json", action="store_true", help="the runs as JSON")
    args = parser.parse_args(argv)
    try:
        day = date.fromisoformat(args.date) if args.date else local_now().date() - timedelta(1)
    except ValueError:
        parser.error(f"--date {args.date!r}: not YYYY-MM-DD")
    bk = Backend(open_store(args.db), Settings(payments_config=args.payments_config))
    try:
        gateways(bk)
    except PaymentsConfigError as exc:
        raise SystemExit(f"kiosk backend reconcile: {exc}") from exc
    runs = reconcile(bk, day)
    if args.json:
        print(json.dumps(runs, ensure_ascii=False, indent=1))
    else:
        for run in runs:
            print(
                f"{run['gateway']} {run['day']}: {run['bill_lines']} bill lines, "
                f"{run['our_lines']} ours, {len(run['mismatches'])} mismatches"
                + (f"  ERROR {run['error']}" if run["error"] else "")
            )
            for m in run["mismatches"]:
                print(
                    f"  {m['kind']:15} {m['trade_no']} {m['refund_no']} ours "
                    f"{m['ours_fen']} {m['ours_state']} theirs {m['theirs_fen']} "
                    f"{m['theirs_state']}"
                )
    if any(r["error"] for r in runs):
        return 2
    return 1 if any(r["mismatches"] for r in runs) else 0
