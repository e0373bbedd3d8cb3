"""`kiosk backend create-admin --db F --username NAME [--display-name N] [--password-stdin]`:
a console user with the admin role (the first one of a new installation). The password is
asked for twice at a terminal, or read from stdin (one line) with `--password-stdin`; a weak
one is refused with the reason. An existing user name is refused (reset a password from the
Users page)."""

from __future__ import annotations

import argparse
import getpass
import sys

from backend_stub.clock import local_now
from backend_stub.console import i18n, users
from backend_stub.console.audit import audit
from backend_stub.console.roles import ADMIN
from backend_stub.stores import open_store


def _reason(key: str) -> str:
    return f"{i18n.text(key, 'zh')} / {i18n.text(key, 'en')}"


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="kiosk backend create-admin", description="a console user with the admin role"
    )
    parser.add_argument("--db", default="var/backend.db", help="the backend's database")
    parser.add_argument("--username", required=True, help="the admin's user name")
    parser.add_argument("--display-name", default="", help="the name shown in the console")
    parser.add_argument(
        "--password-stdin", action="store_true", help="read the password from stdin (one line)"
    )
    args = parser.parse_args(argv)
    if args.password_stdin or not sys.stdin.isatty():
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = getpass.getpass("password: ")
        if getpass.getpass("again: ") != password:
            reason = _reason("auth.password_mismatch")
            print(f"kiosk backend create-admin: {reason}", file=sys.stderr)
            return 2
    store = open_store(args.db)
    try:
        user = users.create(
            store, args.username, ADMIN, password, local_now(), display_name=args.display_name
        )
    except users.AccountError as exc:
        print(f"kiosk backend create-admin: {exc.field}: {_reason(exc.key)}", file=sys.stderr)
        return 2
    audit(store, None, "user.create", f"user:{user.username}", None, {"role": ADMIN})
    store.close()
    print(f"admin {user.username} created; sign in at /console/login")
    return 0
