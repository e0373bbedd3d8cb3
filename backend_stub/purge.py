"""`kiosk backend purge`: drop personal data past its retention now (the running backend's
sweeper does the same hourly) and empty the WAL, so nothing of it stays on disk.

    kiosk backend purge --db var/backend.db [--retention-days 90] [--today YYYY-MM-DD]

Closed orders whose visit (their last ticket's day) is more than `--retention-days` before
`--today` (default: today) lose every ID number, phone and name (services.personal_data);
so do expired holds that still had theirs. Rows from before personal data was sealed are
sealed first. The backend may be running: the purge waits for its write lock like any writer.
"""

from __future__ import annotations

import argparse
import json
from datetime import date
from pathlib import Path

from backend_stub.clock import local_now
from backend_stub.keyfiles import default_key_path
from backend_stub.personal_keys import PersonalDataKeys
from backend_stub.services.personal_data import purge, seal_legacy_rows
from backend_stub.settings import Settings
from backend_stub.stores import is_postgres_url, open_store, sqlite_path


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="kiosk backend purge", description=__doc__)
    parser.add_argument(
        "--db",
        default="var/backend.db",
        help="the backend's database: a SQLite path or postgresql://...",
    )
    parser.add_argument(
        "--retention-days",
        type=int,
        default=Settings.retention_days,
        help="personal data is kept this many days after the visit",
    )
    parser.add_argument(
        "--today", type=date.fromisoformat, default=None, help="purge as of this day (YYYY-MM-DD)"
    )
    parser.add_argument(
        "--personal-data-key-file", default="", help="the personal-data keys (default: beside --db)"
    )
    return parser.parse_args(argv)


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    if not is_postgres_url(args.db) and not Path(sqlite_path(args.db)).exists():
        raise SystemExit(f"kiosk backend purge: no database at {args.db}")
    store = open_store(args.db)
    try:
        key_file = args.personal_data_key_file or default_key_path(store.path, "personal-data")
        sealed = seal_legacy_rows(store, PersonalDataKeys.load(key_file))
        now = local_now()
        answer = purge(store, args.today or now.date(), args.retention_days, now)
    finally:
        store.close()
    print(json.dumps(answer | {"legacy_rows_sealed": sealed}))
    return 0
