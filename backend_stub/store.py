"""The one module that talks to the database: SQLite through sqlite-utils, WAL mode.

Services call `Store.transaction()`, `one()`, `all()`, `run()` and `insert()`; nothing else
knows it is SQLite, so a server database can replace this module when a fleet outgrows it.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import sqlite_utils

Row = dict[str, Any]

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS products (
  id TEXT PRIMARY KEY, kind TEXT NOT NULL, parent_product_id TEXT, real_name INTEGER NOT NULL,
  name_zh TEXT NOT NULL, name_en TEXT NOT NULL, desc_zh TEXT DEFAULT '', desc_en TEXT DEFAULT '',
  includes TEXT DEFAULT '', weekend_percent INTEGER DEFAULT 0, peak_percent INTEGER DEFAULT 0,
  peak_months TEXT DEFAULT '', child_needs_adult INTEGER DEFAULT 0,
  max_per_order INTEGER DEFAULT 20, sort INTEGER DEFAULT 0);
CREATE TABLE IF NOT EXISTS ticket_types (
  id TEXT PRIMARY KEY, product_id TEXT NOT NULL REFERENCES products(id), code TEXT NOT NULL,
  name_zh TEXT NOT NULL, name_en TEXT NOT NULL, min_age INTEGER, max_age INTEGER,
  needs_proof TEXT DEFAULT '', is_child INTEGER DEFAULT 0, sort INTEGER DEFAULT 0);
CREATE TABLE IF NOT EXISTS prices (
  id INTEGER PRIMARY KEY AUTOINCREMENT, ticket_type_id TEXT NOT NULL, base_fen INTEGER NOT NULL,
  effective_at TEXT NOT NULL, version INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS slots (
  id TEXT PRIMARY KEY, product_id TEXT NOT NULL, date TEXT NOT NULL, start TEXT NOT NULL,
  "end" TEXT NOT NULL, capacity INTEGER NOT NULL, remaining INTEGER NOT NULL,
  slot_percent INTEGER DEFAULT 0, CHECK (remaining >= 0));
CREATE INDEX IF NOT EXISTS slots_by_day ON slots(product_id, date);
CREATE TABLE IF NOT EXISTS orders (
  id TEXT PRIMARY KEY, order_no TEXT UNIQUE NOT NULL, status TEXT NOT NULL, channel TEXT NOT NULL,
  channel_order_id TEXT, kiosk_id TEXT, idem_key TEXT, request_hash TEXT,
  buyer_phone TEXT DEFAULT '', buyer_name TEXT DEFAULT '', member_id TEXT, coupon_code TEXT,
  subtotal_fen INTEGER NOT NULL, member_discount_fen INTEGER DEFAULT 0,
  coupon_discount_fen INTEGER DEFAULT 0, points_used INTEGER DEFAULT 0,
  points_discount_fen INTEGER DEFAULT 0, points_earned INTEGER DEFAULT 0,
  points_taken_back INTEGER DEFAULT 0, total_fen INTEGER NOT NULL,
  refunded_fen INTEGER DEFAULT 0, created_at TEXT NOT NULL, expires_at TEXT,
  expires_epoch REAL, paid_at TEXT);
CREATE UNIQUE INDEX IF NOT EXISTS orders_idem ON orders(kiosk_id, idem_key)
  WHERE idem_key IS NOT NULL;
CREATE UNIQUE INDEX IF NOT EXISTS orders_channel ON orders(channel, channel_order_id)
  WHERE channel_order_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS orders_holds ON orders(status, expires_epoch);
DROP INDEX IF EXISTS orders_phone;
CREATE TABLE IF NOT EXISTS tickets (
  id TEXT PRIMARY KEY, order_id TEXT NOT NULL, product_id TEXT NOT NULL, slot_id TEXT NOT NULL,
  date TEXT NOT NULL, ticket_type_id TEXT NOT NULL, unit_fen INTEGER NOT NULL,
  paid_fen INTEGER NOT NULL, holder_doc_type TEXT DEFAULT '', holder_doc_number TEXT DEFAULT '',
  holder_name TEXT DEFAULT '', holder_phone TEXT DEFAULT '', status TEXT NOT NULL,
  code TEXT, printed_count INTEGER DEFAULT 0, used_at TEXT, refunded_fen INTEGER DEFAULT 0);
CREATE INDEX IF NOT EXISTS tickets_order ON tickets(order_id);
DROP INDEX IF EXISTS tickets_doc;
DROP INDEX IF EXISTS tickets_phone;
DROP INDEX IF EXISTS tickets_real_name;
DROP INDEX IF EXISTS tickets_real_name_doc;
CREATE TABLE IF NOT EXISTS payments (
  id TEXT PRIMARY KEY, order_id TEXT NOT NULL, trade_no TEXT UNIQUE NOT NULL, idem_key TEXT,
  method TEXT NOT NULL, provider TEXT DEFAULT '', auth_code_masked TEXT DEFAULT '',
  status TEXT NOT NULL, polls INTEGER DEFAULT 0, settle_after INTEGER DEFAULT 0,
  amount_fen INTEGER NOT NULL, code_url TEXT, failure_code TEXT, created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL);
CREATE UNIQUE INDEX IF NOT EXISTS payments_idem ON payments(order_id, idem_key)
  WHERE idem_key IS NOT NULL;
CREATE INDEX IF NOT EXISTS payments_order ON payments(order_id, status);
CREATE TABLE IF NOT EXISTS tiers (
  code TEXT PRIMARY KEY, name_zh TEXT, name_en TEXT, discount_percent INTEGER DEFAULT 0);
CREATE TABLE IF NOT EXISTS members (
  id TEXT PRIMARY KEY, name TEXT, phone TEXT, tier TEXT NOT NULL, points INTEGER NOT NULL,
  CHECK (points >= 0));
CREATE TABLE IF NOT EXISTS ledger (
  id INTEGER PRIMARY KEY AUTOINCREMENT, member_id TEXT NOT NULL, delta INTEGER NOT NULL,
  balance_after INTEGER NOT NULL, reason TEXT NOT NULL, order_id TEXT, created_at TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS ledger_member ON ledger(member_id);
CREATE TABLE IF NOT EXISTS coupons (
  code TEXT PRIMARY KEY, kind TEXT NOT NULL, value INTEGER NOT NULL,
  min_spend_fen INTEGER DEFAULT 0, product_ids TEXT DEFAULT '', valid_from TEXT,
  valid_until TEXT, name_zh TEXT DEFAULT '', name_en TEXT DEFAULT '');
CREATE TABLE IF NOT EXISTS staff (id TEXT PRIMARY KEY, name TEXT, role TEXT NOT NULL,
  pin_salt TEXT NOT NULL, pin_hash TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS pin_failures (
  scope TEXT PRIMARY KEY, failures INTEGER NOT NULL DEFAULT 0,
  locked_until_epoch REAL NOT NULL DEFAULT 0, last_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS credentials (
  token_hash TEXT PRIMARY KEY, kind TEXT NOT NULL, subject TEXT NOT NULL,
  created_at TEXT NOT NULL, revoked_at TEXT);
CREATE TABLE IF NOT EXISTS print_claims (
  order_id TEXT NOT NULL, kiosk_id TEXT NOT NULL, via TEXT NOT NULL, at TEXT NOT NULL,
  PRIMARY KEY (order_id, kiosk_id));
CREATE TABLE IF NOT EXISTS kiosks (id TEXT PRIMARY KEY, last_seen TEXT, devices TEXT,
  paper_level TEXT, version TEXT, catalog_version INTEGER);
CREATE TABLE IF NOT EXISTS refunds (
  id INTEGER PRIMARY KEY AUTOINCREMENT, order_id TEXT NOT NULL, ticket_id TEXT NOT NULL,
  kind TEXT NOT NULL, amount_fen INTEGER NOT NULL, fee_fen INTEGER NOT NULL,
  created_at TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS refunds_order ON refunds(order_id);
CREATE TABLE IF NOT EXISTS rebook_items (
  order_id TEXT NOT NULL, ticket_id TEXT NOT NULL, from_slot_id TEXT NOT NULL,
  to_slot_id TEXT NOT NULL, new_unit_fen INTEGER NOT NULL, fee_fen INTEGER NOT NULL,
  balance_fen INTEGER NOT NULL, PRIMARY KEY (order_id, ticket_id));
CREATE INDEX IF NOT EXISTS rebook_items_ticket ON rebook_items(ticket_id);
CREATE TABLE IF NOT EXISTS idem_answers (
  kiosk_id TEXT NOT NULL, idem_key TEXT NOT NULL, action TEXT NOT NULL,
  request_hash TEXT NOT NULL, answer TEXT NOT NULL, created_at TEXT NOT NULL,
  PRIMARY KEY (kiosk_id, idem_key, action));
CREATE TABLE IF NOT EXISTS components (
  id TEXT PRIMARY KEY, name_zh TEXT NOT NULL, name_en TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS gates (
  id TEXT PRIMARY KEY, component TEXT NOT NULL, name_zh TEXT DEFAULT '', name_en TEXT DEFAULT '');
CREATE TABLE IF NOT EXISTS admissions (
  id INTEGER PRIMARY KEY AUTOINCREMENT, ticket_id TEXT, component TEXT NOT NULL,
  gate_id TEXT NOT NULL, direction TEXT NOT NULL DEFAULT 'in', people INTEGER NOT NULL DEFAULT 1,
  via TEXT DEFAULT '', day TEXT NOT NULL, at TEXT NOT NULL);
CREATE UNIQUE INDEX IF NOT EXISTS admissions_once ON admissions(ticket_id, component)
  WHERE ticket_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS admissions_day ON admissions(day, gate_id);
CREATE TABLE IF NOT EXISTS revoked_codes (
  seq INTEGER PRIMARY KEY AUTOINCREMENT, code TEXT NOT NULL, ticket_id TEXT NOT NULL,
  reason TEXT NOT NULL, at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS staff_grants (
  token TEXT PRIMARY KEY, staff_id TEXT NOT NULL, kiosk_id TEXT NOT NULL, kind TEXT NOT NULL,
  created_at TEXT NOT NULL, expires_epoch REAL NOT NULL, used_order_id TEXT);
CREATE TABLE IF NOT EXISTS staff_audit (
  id INTEGER PRIMARY KEY AUTOINCREMENT, at TEXT NOT NULL, staff_id TEXT NOT NULL,
  kiosk_id TEXT, action TEXT NOT NULL, order_id TEXT, ticket_id TEXT, detail TEXT DEFAULT '');
CREATE TABLE IF NOT EXISTS group_rosters (
  order_id TEXT PRIMARY KEY, group_ref TEXT UNIQUE NOT NULL, product_id TEXT NOT NULL,
  slot_id TEXT NOT NULL, ticket_type_id TEXT NOT NULL, head TEXT NOT NULL,
  roster_hash TEXT NOT NULL, amendments INTEGER NOT NULL DEFAULT 0, updated_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS slot_templates (
  id TEXT PRIMARY KEY, product_id TEXT NOT NULL, name TEXT DEFAULT '', weekdays TEXT NOT NULL,
  times TEXT NOT NULL, capacity INTEGER NOT NULL, price_percent INTEGER NOT NULL DEFAULT 0,
  prices_fen TEXT DEFAULT '', valid_from TEXT, valid_until TEXT, active INTEGER DEFAULT 1,
  created_at TEXT NOT NULL, updated_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS day_closures (
  product_id TEXT NOT NULL, date TEXT NOT NULL, reason_zh TEXT DEFAULT '',
  reason_en TEXT DEFAULT '', closed_at TEXT NOT NULL, PRIMARY KEY (product_id, date));
"""

# columns added after the first release: (table, column, declaration); a database created
# before them gets them by ALTER TABLE at start
ADDED_COLUMNS = (
    ("orders", "kind", "TEXT NOT NULL DEFAULT 'sale'"),
    ("orders", "rebook_of", "TEXT"),
    ("orders", "guide_doc_number", "TEXT NOT NULL DEFAULT ''"),
    ("orders", "points_returned", "INTEGER NOT NULL DEFAULT 0"),
    ("orders", "collected_by", "TEXT NOT NULL DEFAULT ''"),
    ("tickets", "parent_ticket_id", "TEXT"),
    ("products", "addons_per_parent", "INTEGER NOT NULL DEFAULT 1"),
    ("products", "requires_parent_entered", "INTEGER NOT NULL DEFAULT 0"),
    ("tickets", "holder_nationality", "TEXT NOT NULL DEFAULT ''"),
    ("tickets", "doc_waived_by", "TEXT NOT NULL DEFAULT ''"),
    ("slots", "closed", "INTEGER NOT NULL DEFAULT 0"),
    ("slots", "template_id", "TEXT"),
    ("slots", "prices_override", "TEXT NOT NULL DEFAULT ''"),
    # personal data (services.personal_data): a keyed hash to find it, the masked form to show,
    # the encrypted value; the clear columns (holder_doc_number, holder_phone, buyer_phone,
    # guide_doc_number) stay empty, names are stored masked
    ("tickets", "holder_doc_hash", "TEXT NOT NULL DEFAULT ''"),
    ("tickets", "holder_doc_masked", "TEXT NOT NULL DEFAULT ''"),
    ("tickets", "holder_doc_sealed", "TEXT NOT NULL DEFAULT ''"),
    ("tickets", "holder_phone_hash", "TEXT NOT NULL DEFAULT ''"),
    ("tickets", "holder_phone_sealed", "TEXT NOT NULL DEFAULT ''"),
    ("orders", "buyer_phone_hash", "TEXT NOT NULL DEFAULT ''"),
    ("orders", "buyer_phone_masked", "TEXT NOT NULL DEFAULT ''"),
    ("orders", "buyer_phone_sealed", "TEXT NOT NULL DEFAULT ''"),
    ("orders", "guide_doc_hash", "TEXT NOT NULL DEFAULT ''"),
    ("orders", "guide_doc_masked", "TEXT NOT NULL DEFAULT ''"),
    ("orders", "guide_doc_sealed", "TEXT NOT NULL DEFAULT ''"),
    ("orders", "personal_data_cleared_at", "TEXT"),
    ("members", "phone_hash", "TEXT NOT NULL DEFAULT ''"),
    ("members", "phone_sealed", "TEXT NOT NULL DEFAULT ''"),
    # which kiosk (its token's) printed a ticket last, refunded it (services.possession)
    ("tickets", "printed_by", "TEXT"),
    ("refunds", "kiosk_id", "TEXT"),
)
INDEXES_ON_ADDED = """
DROP INDEX IF EXISTS orders_guide;
DROP INDEX IF EXISTS orders_guide_hash;
DROP INDEX IF EXISTS orders_phone_hash;
DROP INDEX IF EXISTS tickets_doc_hash;
DROP INDEX IF EXISTS tickets_phone_hash;
CREATE INDEX IF NOT EXISTS orders_guide_key ON orders(guide_doc_hash);
CREATE INDEX IF NOT EXISTS orders_phone_key ON orders(buyer_phone_hash);
CREATE INDEX IF NOT EXISTS tickets_doc_key ON tickets(holder_doc_hash, date);
CREATE INDEX IF NOT EXISTS tickets_phone_key ON tickets(holder_phone_hash, date);
CREATE INDEX IF NOT EXISTS orders_kiosk_holds ON orders(kiosk_id, status);
CREATE INDEX IF NOT EXISTS orders_to_clear ON orders(created_at)
  WHERE personal_data_cleared_at IS NULL;
CREATE UNIQUE INDEX IF NOT EXISTS tickets_real_name_hash ON tickets(product_id, slot_id,
  holder_doc_type, holder_doc_hash) WHERE holder_doc_hash != ''
  AND status IN ('held', 'issued', 'printed', 'used');
CREATE INDEX IF NOT EXISTS tickets_parent ON tickets(parent_ticket_id)
  WHERE parent_ticket_id IS NOT NULL;
"""


# NORMAL (default) with durable money commits, or FULL / OFF for every commit: the benchmark
# compares them through this variable
SYNC_MODE = os.environ.get("KIOSK_BACKEND_SYNC", "NORMAL").upper()
if SYNC_MODE not in ("OFF", "NORMAL", "FULL"):
    SYNC_MODE = "NORMAL"


class Store:
    """One SQLite connection; callers keep each transaction short."""

    def __init__(self, path: str) -> None:
        self.path = path
        conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=5)
        conn.row_factory = sqlite3.Row
        self.conn = conn
        self.db = sqlite_utils.Database(conn)
        self.db.enable_wal()
        # NORMAL: a commit does not fsync; `transaction(durable=True)` (money) does
        conn.execute(f"PRAGMA synchronous={SYNC_MODE}")
        conn.execute("PRAGMA foreign_keys=ON")
        # personal data cleared (expired holds, retention, purge) is overwritten, not left
        # in free space
        conn.execute("PRAGMA secure_delete=ON")
        conn.executescript(SCHEMA)
        self._add_columns()
        conn.executescript(INDEXES_ON_ADDED)
        self._depth = 0

    def _add_columns(self) -> None:
        for table, column, decl in ADDED_COLUMNS:
            have = {r[1] for r in self.conn.execute(f'PRAGMA table_info("{table}")')}
            if column not in have:
                self.conn.execute(f'ALTER TABLE "{table}" ADD COLUMN "{column}" {decl}')

    @contextmanager
    def transaction(self, durable: bool = False) -> Iterator[Store]:
        """BEGIN IMMEDIATE ... COMMIT, or ROLLBACK on any exception. Nested calls join.

        `durable`: the commit is fsynced before this returns (synchronous=FULL for this
        transaction): for money (a payment, a refund, a paid rebook, an order that arrives
        paid). Other commits (holds, printed marks) are synced by the next durable commit or
        checkpoint; a power cut may lose the last of them, never corrupt the file."""
        if self._depth:
            self._depth += 1
            try:
                yield self
            finally:
                self._depth -= 1
            return
        sync = durable and SYNC_MODE != "FULL"
        if sync:
            self.conn.execute("PRAGMA synchronous=FULL")
        self.conn.execute("BEGIN IMMEDIATE")
        self._depth = 1
        try:
            yield self
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        else:
            self.conn.execute("COMMIT")
        finally:
            self._depth = 0
            if sync:
                self.conn.execute(f"PRAGMA synchronous={SYNC_MODE}")

    def one(self, sql: str, params: Sequence[Any] = ()) -> Row | None:
        row = self.conn.execute(sql, params).fetchone()
        return dict(row) if row is not None else None

    def all(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        return [dict(r) for r in self.conn.execute(sql, params).fetchall()]

    def run(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Execute a statement; the number of rows it changed."""
        return self.conn.execute(sql, params).rowcount

    def insert(self, table: str, row: Row) -> None:
        keys = list(row)
        cols = ", ".join(f'"{k}"' for k in keys)
        marks = ", ".join("?" for _ in keys)
        self.conn.execute(
            f'INSERT INTO "{table}" ({cols}) VALUES ({marks})', [row[k] for k in keys]
        )

    def insert_many(self, table: str, rows: list[Row]) -> None:
        """Bulk insert through sqlite-utils (used by the seed)."""
        if rows:
            self.db[table].insert_all(rows)

    def meta(self, key: str, default: str | None = None) -> str | None:
        row = self.one("SELECT value FROM meta WHERE key = ?", (key,))
        return row["value"] if row else default

    def next_number(self, key: str) -> int:
        """Inside a transaction: the counter `key` in meta, plus one (one statement)."""
        row = self.conn.execute(
            "INSERT INTO meta (key, value) VALUES (?, '1') ON CONFLICT(key) DO UPDATE "
            "SET value = CAST(value AS INTEGER) + 1 RETURNING value",
            (key,),
        ).fetchone()
        return int(row[0])

    def run_many(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        self.conn.executemany(sql, rows)

    def set_meta(self, key: str, value: str) -> None:
        self.run("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    def checkpoint(self) -> None:
        """Copy the WAL into the database file and empty it (after personal data is purged,
        so no old copy of a page stays in the WAL)."""
        self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def close(self) -> None:
        self.conn.close()
