"""`kiosk backend` / `python -m backend_stub.server`: run the bundled backend.

Demo mode (`--demo`, or `--seed demo`): the demo tokens (`demo-kiosk-token` for kiosk-01,
`demo-ops-token`), the demo's users and the payment simulator. A production start (neither)
has no simulator and refuses to run while a demo token is in its database or its options.

Commands on a database (the backend may be running): `kiosk backend rotate-key --db F` (a new
ticket signing key), `kiosk backend issue-token --db F --kiosk ID | --ops NAME` (prints a new
token, stored hashed), `kiosk backend revoke-token --db F --kiosk ID | --ops NAME | --token T`,
`kiosk backend tokens --db F` (who holds one), `kiosk backend purge --db F` (personal data
past its retention dropped now, backend_stub/purge.py), `kiosk backend migrate --from URL --to
URL` (a SQLite backend's data copied to an empty PostgreSQL database, backend_stub/move.py),
`kiosk backend create-admin --db F --username NAME` (a console admin; the password is asked
for, or read from stdin with `--password-stdin`; weak ones are refused).

`--db` is a SQLite path (or `sqlite:///PATH`) or `postgresql://user@host:port/dbname`.
`--workers N` runs N worker processes (PostgreSQL only): the start-up work (migrations, seed,
tokens, key files) runs once in this process before they start; each worker opens the store
without it (`KIOSK_BACKEND_ARGV` carries the options to them)."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys

import uvicorn

from backend_stub import move, purge
from backend_stub.app import create_app
from backend_stub.clock import local_now
from backend_stub.console import create_admin, demo_users
from backend_stub.context import Backend
from backend_stub.keyfiles import KeyFileError
from backend_stub.payments import command as payments_command
from backend_stub.payments.config import PaymentsConfigError
from backend_stub.payments.gateways import gateways
from backend_stub.protection_options import add_options, protection_settings
from backend_stub.seed import seed_demo
from backend_stub.services import credentials, personal_data, signing, webhook
from backend_stub.settings import Settings
from backend_stub.stores import is_postgres_url, open_store


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="kiosk backend", description=__doc__)
    parser.add_argument(
        "--db",
        default="var/backend.db",
        help="a SQLite file (created if missing; or sqlite:///PATH) or postgresql://USER@HOST:PORT/DB",
    )
    parser.add_argument(
        "--workers", type=int, default=1, help="worker processes (more than 1: PostgreSQL only)"
    )
    parser.add_argument("--port", type=int, default=8700)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--seed", choices=["demo", "none"], default="none", help="demo: --demo too")
    parser.add_argument(
        "--demo", action="store_true", help="demo mode: demo tokens and users, payment simulator"
    )
    parser.add_argument("--hold-seconds", type=int, default=300, help="how long unpaid orders hold")
    parser.add_argument(
        "--ops-token",
        default=None,
        help="an ops token to accept (stored hashed); demo mode: "
        f"{credentials.DEMO_OPS_TOKEN}; else see `kiosk backend issue-token --ops NAME`",
    )
    parser.add_argument(
        "--key-file", default="", help="the ticket signing key file (default: beside --db)"
    )
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
    parser.add_argument(
        "--invoice-url", default="", help="the e-invoice platform (none: invoices are recorded)"
    )
    parser.add_argument(
        "--invoice-key-file", default="", help="its credentials, one line app_id:secret"
    )
    parser.add_argument(
        "--payments-config",
        default="",
        help="the payment providers, a TOML file (docs/payments.md); none: demo simulator only",
    )
    parser.add_argument(
        "--alert-webhook", default="", help="alerts to a WeCom/DingTalk group robot (https URL)"
    )
    add_options(parser)  # limits and personal data (protection_options.py)
    return parser.parse_args(argv)


def check_workers(args: argparse.Namespace) -> None:
    if args.workers < 1:
        raise SystemExit("kiosk backend: --workers must be 1 or more")
    if args.workers > 1 and not is_postgres_url(args.db):
        raise SystemExit(
            f"kiosk backend: --workers {args.workers} needs PostgreSQL (--db postgresql://...); "
            "a SQLite database is served by one process (its writers are serialised in the "
            "file). Start with --workers 1, or move to PostgreSQL: kiosk backend migrate."
        )


def settings_of(args: argparse.Namespace) -> Settings:
    return Settings(
        demo=args.demo or args.seed == "demo",
        key_file=args.key_file,
        hold_seconds=args.hold_seconds,
        rebook_fee_fen=args.rebook_fee_fen,
        entry_early_minutes=args.entry_early_minutes,
        entry_late_minutes=args.entry_late_minutes,
        clock_offset_seconds=args.clock_offset_seconds,
        calendar_days=args.calendar_days,
        invoice_url=args.invoice_url,
        invoice_key_file=args.invoice_key_file,
        payments_config=args.payments_config,
        alert_webhook=args.alert_webhook,
        **protection_settings(args),
    )


def build(args: argparse.Namespace) -> Backend:
    """The start-up work, once: migrations, the demo check, seed, tokens, key files."""
    demo = args.demo or args.seed == "demo"
    store = open_store(args.db)
    now = local_now()
    credentials.migrate_clear_tokens(store, now)
    tokens = [item.partition("=") for item in args.kiosk_token]
    if not demo:
        found = credentials.demo_secrets_in(
            store, [args.ops_token or "", *(token for token, _, _ in tokens)]
        )
        if found:
            raise SystemExit(
                "kiosk backend: refusing to start in production mode (no --demo): "
                + "; ".join(found)
                + ". Start with --demo (or --seed demo) for the demo, or use a database without "
                "demo data and secret tokens (kiosk backend issue-token)."
            )
    bk = Backend(store, settings_of(args))
    if demo:
        credentials.register_demo(store, now)
        demo_users.ensure(store, now)  # the console's demo users and the demo ops API token
    if args.seed == "demo":
        seed_demo(bk)
    if args.ops_token and args.ops_token != credentials.DEMO_OPS_TOKEN:  # (demo: registered)
        credentials.register(store, credentials.OPS, "ops", args.ops_token, now)
    for token, _, kiosk_id in tokens:
        credentials.register(store, credentials.KIOSK, kiosk_id or token, token, now)
    personal_data.seal_legacy_rows(store, bk.personal_keys)  # a database from before: sealed
    if args.alert_webhook and not webhook.valid_url(args.alert_webhook):
        raise SystemExit("kiosk backend: --alert-webhook: an https:// URL (the group robot's)")
    try:
        gateways(bk)  # a payments config that cannot work stops the start, saying why
    except PaymentsConfigError as exc:
        raise SystemExit(f"kiosk backend: --payments-config: {exc}") from exc
    return bk


WORKER_ARGV = "KIOSK_BACKEND_ARGV"


def worker_app() -> object:
    """uvicorn's factory in each worker process: the store opened without the start-up work
    (the parent has done it), the app on it."""
    args = parse_args(json.loads(os.environ[WORKER_ARGV]))
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s %(message)s")
    return create_app(Backend(open_store(args.db, migrate=False), settings_of(args)))


def _db_parser(command: str, description: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=f"kiosk backend {command}", description=description)
    parser.add_argument(
        "--db", default="var/backend.db", help="the backend's database (path or postgresql://...)"
    )
    return parser


def rotate_key_command(argv: list[str]) -> int:
    """`kiosk backend rotate-key`: a new ticket signing key in the key file."""
    parser = _db_parser("rotate-key", "a new ticket signing key; the old one still verifies")
    parser.add_argument("--key-file", default="", help="default: beside --db")
    args = parser.parse_args(argv)
    bk = Backend(open_store(args.db), Settings(key_file=args.key_file))
    answer = signing.rotate_key(bk, local_now())
    print(f"new signing key {answer['kid']} in {bk.keys.path}; keys that verify:")
    for key in answer["keys"]:
        print(f"  {key['kid']}  {key['status']}  until {key['verify_until'] or '-'}")
    return 0


def _subject(parser: argparse.ArgumentParser, *, token: bool) -> None:
    who = parser.add_mutually_exclusive_group(required=True)
    who.add_argument("--kiosk", help="a kiosk id: its token acts as that kiosk only")
    who.add_argument("--ops", help="a name for an ops credential (the ops and channel API)")
    if token:
        who.add_argument("--token", help="this one token")


def issue_token_command(argv: list[str]) -> int:
    """`kiosk backend issue-token`: a new kiosk or ops token, printed once, stored hashed."""
    parser = _db_parser("issue-token", "a new token, printed once; the database keeps a hash")
    _subject(parser, token=False)
    args = parser.parse_args(argv)
    kind, subject = (credentials.KIOSK, args.kiosk) if args.kiosk else (credentials.OPS, args.ops)
    print(credentials.issue(open_store(args.db), kind, subject, local_now()))
    return 0


def revoke_token_command(argv: list[str]) -> int:
    """`kiosk backend revoke-token`: a token, or every token of a kiosk or ops name, stops."""
    parser = _db_parser("revoke-token", "revoke a token, or all of a kiosk's or ops name's")
    _subject(parser, token=True)
    args = parser.parse_args(argv)
    kind, subject = (credentials.KIOSK, args.kiosk) if args.kiosk else (credentials.OPS, args.ops)
    count = credentials.revoke(
        open_store(args.db), local_now(), kind=kind, subject=subject or "", token=args.token or ""
    )
    print(f"{count} token(s) revoked")
    return 0 if count else 1


def tokens_command(argv: list[str]) -> int:
    """`kiosk backend tokens`: who holds a credential (never the tokens)."""
    args = _db_parser("tokens", "the credentials, without their tokens").parse_args(argv)
    for row in credentials.list_credentials(open_store(args.db)):
        state = f"revoked {row['revoked_at']}" if row["revoked_at"] else "live"
        print(f"{row['kind']:5}  {row['subject']:20}  since {row['created_at']}  {state}")
    return 0


COMMANDS = {
    "rotate-key": rotate_key_command,
    "issue-token": issue_token_command,
    "revoke-token": revoke_token_command,
    "tokens": tokens_command,
    "create-admin": create_admin.main,
    "purge": purge.main,
    "migrate": move.main,
    "reconcile": payments_command.main,
}


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        if argv and argv[0] in COMMANDS:
            return COMMANDS[argv[0]](argv[1:])
        args = parse_args(argv)
        check_workers(args)
        logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s %(message)s")
        bk = build(args)
    except KeyFileError as exc:
        raise SystemExit(f"kiosk backend: {exc}") from exc
    print(
        f"backend listening on http://{args.host}:{args.port}  (db {bk.store.url}, "
        f"{args.workers} worker(s), catalog v{bk.catalog().version}, "
        f"openapi http://{args.host}:{args.port}/openapi.json)",
        flush=True,
    )
    serve = {"host": args.host, "port": args.port, "log_level": "warning", "access_log": False}
    if args.workers == 1:
        uvicorn.run(create_app(bk), **serve)
        return 0
    bk.store.close()  # each worker opens its own pool
    os.environ[WORKER_ARGV] = json.dumps(argv)
    uvicorn.run("backend_stub.server:worker_app", factory=True, workers=args.workers, **serve)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
