"""`kiosk backend migrate --from sqlite:///var/backend.db --to postgresql://kiosk@db/kiosk`:
move a park's backend from its SQLite file to an empty PostgreSQL database.

Every table is copied (catalog, slots, orders, tickets, payments, refunds, members, ledger,
credentials, staff, gates, admissions, rosters, templates, ...; not the rate-limit buckets)
from one read snapshot of the SQLite file (a running backend may go on writing; what it writes
after the snapshot is not copied: stop it first for the final move). Then the counts of every
table and the sums that matter (paid totals, refunds, payments, remaining seats, points) are
compared, source against target; a target that already holds rows is refused.

The key files are not in the database and stay with the deployment: copy the personal-data key
file and the ticket signing key file to the new backend (or point its --personal-data-key-file
and --key-file at them). This command checks that the personal-data keys open the sealed values
it copied (--personal-data-key-file; default beside the SQLite file).
"""

from __future__ import annotations

import argparse
import sqlite3
from pathlib import Path

from backend_stub.keyfiles import default_key_path
from backend_stub.personal_keys import PersonalDataKeys
from backend_stub.stores import Store, is_postgres_url, iter_chunks, open_store, sqlite_path
from backend_stub.stores.migrations import ROWID_TABLES

SKIPPED = ("schema_migrations", "rate_buckets")
BATCH = 1000
# (what, SQL giving one number) compared source against target after the copy
SUMS = (
    (
        "paid order totals",
        "SELECT COALESCE(SUM(total_fen), 0) AS n FROM orders WHERE paid_at IS NOT NULL",
    ),
    ("refunded on orders", "SELECT COALESCE(SUM(refunded_fen), 0) AS n FROM orders"),
    ("payments", "SELECT COALESCE(SUM(amount_fen), 0) AS n FROM payments"),
    ("refunds", "SELECT COALESCE(SUM(amount_fen), 0) AS n FROM refunds"),
    ("remaining seats", "SELECT COALESCE(SUM(remaining), 0) AS n FROM slots"),
    ("capacity", "SELECT COALESCE(SUM(capacity), 0) AS n FROM slots"),
    ("ticket paid_fen", "SELECT COALESCE(SUM(paid_fen), 0) AS n FROM tickets"),
    ("member points", "SELECT COALESCE(SUM(points), 0) AS n FROM members"),
    ("ledger deltas", "SELECT COALESCE(SUM(delta), 0) AS n FROM ledger"),
)
# sealed columns checked against the key file: (table, column, kind)
SEALED = (
    ("tickets", "holder_doc_sealed", "doc"),
    ("tickets", "holder_phone_sealed", "phone"),
    ("orders", "buyer_phone_sealed", "phone"),
    ("members", "phone_sealed", "phone"),
)


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="kiosk backend migrate", description=__doc__)
    parser.add_argument("--from", dest="source", required=True, help="sqlite:///PATH or a path")
    parser.add_argument("--to", dest="target", required=True, help="postgresql://USER@HOST/DB")
    parser.add_argument(
        "--personal-data-key-file", default="", help="default: beside the SQLite file"
    )
    return parser.parse_args(argv)


def _tables(src: sqlite3.Connection) -> list[str]:
    rows = src.execute(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
        "ORDER BY name"
    ).fetchall()
    return [r[0] for r in rows if r[0] not in SKIPPED]


def _columns_pg(dst: Store, table: str) -> list[str]:
    rows = dst.all(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = "
        "current_schema() AND table_name = ?",
        (table,),
    )
    return [r["column_name"] for r in rows]


def _identity_columns(dst: Store) -> list[tuple[str, str]]:
    rows = dst.all(
        "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = "
        "current_schema() AND is_identity = 'YES'"
    )
    return [(r["table_name"], r["column_name"]) for r in rows]


def refuse_non_empty(dst: Store, tables: list[str]) -> None:
    full = [t for t in tables if dst.one(f'SELECT 1 AS x FROM "{t}" LIMIT 1') is not None]
    if full:
        raise SystemExit(
            f"kiosk backend migrate: the target already holds rows in {', '.join(full)}; "
            "migrate into an empty database (createdb a new one)"
        )


def copy_tables(src: sqlite3.Connection, dst: Store, tables: list[str]) -> dict[str, int]:
    """Every table, in one target transaction; the rows copied per table."""
    copied: dict[str, int] = {}
    with dst.transaction(durable=True):
        for table in tables:
            have = {r[1] for r in src.execute(f'PRAGMA table_info("{table}")')}
            cols = [c for c in _columns_pg(dst, table) if c in have or c == "rowid"]
            select = ", ".join('rowid AS "rowid"' if c == "rowid" else f'"{c}"' for c in cols)
            if table in ROWID_TABLES and "rowid" not in cols:
                cols.append("rowid")
            rows = src.execute(f'SELECT {select} FROM "{table}"').fetchall()
            insert = (
                f'INSERT INTO "{table}" ({", ".join(f"{chr(34)}{c}{chr(34)}" for c in cols)}) '
                f"VALUES ({', '.join('?' for _ in cols)})"
            )
            for chunk in iter_chunks(rows, BATCH):
                dst.run_many(insert, [tuple(r) for r in chunk])
            copied[table] = len(rows)
        for table, column in _identity_columns(dst):  # the next id after the copied ones
            dst.one(
                f"SELECT setval(pg_get_serial_sequence('\"{table}\"', '{column}'), "
                f'COALESCE(MAX("{column}"), 0) + 1, false) AS v FROM "{table}"'
            )
    return copied


def compare(src: sqlite3.Connection, dst: Store, tables: list[str]) -> list[str]:
    """What differs between source and target (counts and sums); [] when all agree."""
    wrong = []
    for table in tables:
        a = src.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0]
        b = dst.one(f'SELECT COUNT(*) AS n FROM "{table}"')["n"]
        if a != b:
            wrong.append(f"{table}: {a} rows here, {b} there")
    for what, sql in SUMS:
        a = src.execute(sql).fetchone()[0]
        b = dst.one(sql)["n"]
        if a != b:
            wrong.append(f"{what}: {a} here, {b} there")
    return wrong


def check_keys(dst: Store, key_file: Path) -> int:
    """The sealed values copied open with this key file; how many were tried."""
    if not key_file.exists():
        raise SystemExit(
            f"kiosk backend migrate: no personal-data key file at {key_file}; it stays with "
            "the deployment: give --personal-data-key-file"
        )
    keys = PersonalDataKeys.load(key_file)
    tried = 0
    for table, column, kind in SEALED:
        for row in dst.all(f"SELECT {column} AS v FROM {table} WHERE {column} != '' LIMIT 3"):
            try:
                keys.open(kind, row["v"])
            except Exception as exc:
                raise SystemExit(
                    f"kiosk backend migrate: {key_file} does not open {table}.{column}: "
                    "the wrong key file (the data is copied; start nothing on it before the "
                    "right key file is found)"
                ) from exc
            tried += 1
    return tried


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    if is_postgres_url(args.source) or not is_postgres_url(args.target):
        raise SystemExit("kiosk backend migrate: --from a SQLite file, --to postgresql://...")
    path = Path(sqlite_path(args.source))
    if not path.exists():
        raise SystemExit(f"kiosk backend migrate: no database at {path}")
    src = sqlite3.connect(f"file:{path}?mode=ro", uri=True, isolation_level=None)
    src.execute("BEGIN")  # one read snapshot for the copy and the checks
    dst = open_store(args.target)
    try:
        tables = _tables(src)
        refuse_non_empty(dst, tables)
        copied = copy_tables(src, dst, tables)
        wrong = compare(src, dst, tables)
        key_file = Path(args.personal_data_key_file or default_key_path(path, "personal-data"))
        opened = check_keys(dst, key_file)
    finally:
        src.close()
        dst.close()
    for table, count in copied.items():
        print(f"{table:16} {count:8} rows")
    if wrong:
        print("MISMATCH:\n  " + "\n  ".join(wrong))
        return 1
    print(f"counts and sums agree; {opened} sealed values open with {key_file}")
    print(
        "copy the key files to the new backend too: "
        f"{key_file} (--personal-data-key-file) and {default_key_path(path, 'signing')} "
        "(--key-file)"
    )
    return 0
