"""`kiosk backend` / `python -m backend_stub.server`: run the bundled backend."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

import uvicorn

from backend_stub.app import create_app
from backend_stub.context import Backend
from backend_stub.seed import seed_demo
from backend_stub.settings import Settings
from backend_stub.store import Store


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="kiosk backend", description=__doc__)
    parser.add_argument("--db", default="var/backend.db", help="SQLite file (created if missing)")
    parser.add_argument("--port", type=int, default=8700)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--seed", choices=["demo", "none"], default="none")
    parser.add_argument("--hold-seconds", type=int, default=300, help="how long unpaid orders hold")
    parser.add_argument("--ops-token", default="demo-ops-token")
    parser.add_argument(
        "--rebook-fee-fen", type=int, default=0, help="fee per ticket rebooked < 24 h ahead"
    )
    parser.add_argument(
        "--calendar-days", type=int, default=60, help="slots generated this many days ahead"
    )
    parser.add_argument(
        "--entry-early-minutes", type=int, default=30, help="a gate admits this long before a slot"
    )
    parser.add_argument(
        "--entry-late-minutes", type=int, default=60, help="... and this long after it ends"
    )
    parser.add_argument(
        "--clock-offset-seconds",
        type=float,
        default=0.0,
        help="tests and demos: run the backend's clock this many seconds off the wall clock",
    )
    parser.add_argument(
        "--kiosk-token",
        action="append",
        default=[],
        help="TOKEN=KIOSK_ID accepted as a kiosk (repeatable)",
    )
    return parser.parse_args(argv)


def build(args: argparse.Namespace) -> Backend:
    Path(args.db).parent.mkdir(parents=True, exist_ok=True)
    store = Store(args.db)
    settings = Settings(
        hold_seconds=args.hold_seconds,
        ops_token=args.ops_token,
        rebook_fee_fen=args.rebook_fee_fen,
        entry_early_minutes=args.entry_early_minutes,
        entry_late_minutes=args.entry_late_minutes,
        clock_offset_seconds=args.clock_offset_seconds,
        calendar_days=args.calendar_days,
    )
    bk = Backend(store, settings)
    if args.seed == "demo":
        seed_demo(bk)
    for item in args.kiosk_token:
        token, _, kiosk_id = item.partition("=")
        with store.transaction():
            store.run(
                "INSERT OR REPLACE INTO kiosk_tokens VALUES (?, ?)", (token, kiosk_id or token)
            )
    return bk


def main(argv: list[str] | None = None) -> int:
    args = parse_args(list(sys.argv[1:] if argv is None else argv))
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s %(message)s")
    bk = build(args)
    app = create_app(bk)
    print(
        f"backend listening on http://{args.host}:{args.port}  (db {args.db}, "
        f"catalog v{bk.catalog().version}, openapi http://{args.host}:{args.port}/openapi.json)",
        flush=True,
    )
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning", access_log=False)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
