"""The schema as an ordered list of migrations, one mechanism for both stores.

Each `Migration` is SQL written once in SQLite's words (or a Python step); `for_postgres`
turns it into PostgreSQL's (types, AUTOINCREMENT, UNLOGGED, a `rowid`); `migrate(store)` runs
those not yet in `schema_migrations`, in order, each in one transaction with the version row.

Migrations 1-3 are the schema of before versioned migrations (SCHEMA, ADDED_COLUMNS,
INDEXES_ON_ADDED) and are idempotent (IF NOT EXISTS, a column added only when missing): a
database made by the code of before (tables created, columns added by ALTER at start) upgrades
to the same schema a new database gets. Add a migration at the end; never edit a shipped one.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from backend_stub.payments.schema import PAYMENTS_SCHEMA
from backend_stub.stores.console_schema import CONSOLE_SCHEMA
from backend_stub.stores.migration_6_catalog_admin import catalog_admin_schema
from backend_stub.stores.migration_8_invoices import INVOICES_SCHEMA
from backend_stub.stores.migration_11_back_office import BACK_OFFICE_SCHEMA
from backend_stub.stores.migration_12_reprints import REPRINTS_SCHEMA
from backend_stub.stores.schema_seats import SEATS_SCHEMA

if TYPE_CHECKING:
    from backend_stub.stores.base import Store

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


# the token buckets of several worker processes (rate_limiter.DatabaseRateLimiter); UNLOGGED
# on PostgreSQL: not worth a WAL write, empty again after a crash (a burst, no more)
RATE_BUCKETS = """
CREATE UNLOGGED TABLE IF NOT EXISTS rate_buckets (
  bucket TEXT NOT NULL, key TEXT NOT NULL, tokens REAL NOT NULL, stamp REAL NOT NULL,
  PRIMARY KEY (bucket, key));
"""

# tables whose rows services read in insertion order (ORDER BY rowid): PostgreSQL has no
# rowid, so these get one (an identity column the stores leave out of the rows they return)
ROWID_TABLES = ("tickets", "rebook_items")


def _add_columns(store: Store) -> None:
    for table, column, decl in ADDED_COLUMNS:
        if store.dialect == "postgresql":
            store.run(
                f'ALTER TABLE "{table}" ADD COLUMN IF NOT EXISTS "{column}" {for_postgres(decl)}'
            )
            continue
        have = {r["name"] for r in store.all(f'PRAGMA table_info("{table}")')}
        if column not in have:
            store.run(f'ALTER TABLE "{table}" ADD COLUMN "{column}" {decl}')


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str = ""
    step: Callable[[Store], None] | None = None


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "base schema", sql=SCHEMA),
    Migration(2, "columns added after the first release", step=_add_columns),
    Migration(3, "indexes on the added columns", sql=INDEXES_ON_ADDED),
    Migration(4, "shared rate-limit buckets", sql=RATE_BUCKETS),
    Migration(5, "console users, API tokens, kiosk groups, audit", sql=CONSOLE_SCHEMA),
    Migration(6, "catalog admin: staged price changes, sale flags", step=catalog_admin_schema),
    Migration(7, "payment providers, refunds to them, reconciliation", sql=PAYMENTS_SCHEMA),
    Migration(8, "coupon use limits, e-invoice requests", sql=INVOICES_SCHEMA),
    Migration(9, "seated departures, saved travellers", sql=SEATS_SCHEMA),
    Migration(11, "heartbeats, kiosk service, alerts, report indexes", sql=BACK_OFFICE_SCHEMA),
    Migration(12, "reprint flags set in the console", sql=REPRINTS_SCHEMA),
)

_TYPES = (
    (
        re.compile(r"\bINTEGER PRIMARY KEY AUTOINCREMENT\b"),
        "BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY",
    ),
    (re.compile(r"\bINTEGER\b"), "BIGINT"),
    (re.compile(r"\bREAL\b"), "DOUBLE PRECISION"),
)
_CREATE = re.compile(r"CREATE TABLE IF NOT EXISTS (\w+) \(")


def for_postgres(sql: str) -> str:
    """SQLite DDL in PostgreSQL's words: BIGINT for INTEGER (a SQLite integer is 64-bit),
    identity columns for AUTOINCREMENT, DOUBLE PRECISION for REAL, a `rowid` on ROWID_TABLES."""
    for pattern, replacement in _TYPES:
        sql = pattern.sub(replacement, sql)

    def add_rowid(match: re.Match[str]) -> str:
        if match.group(1) in ROWID_TABLES:
            return match.group(0) + "\n  rowid BIGINT GENERATED BY DEFAULT AS IDENTITY,"
        return match.group(0)

    return _CREATE.sub(add_rowid, sql)


def for_sqlite(sql: str) -> str:
    return sql.replace("CREATE UNLOGGED TABLE", "CREATE TABLE")


def statements(sql: str) -> list[str]:
    """A script split into statements (no `;` inside the migrations' literals)."""
    return [s.strip() for s in sql.split(";") if s.strip()]


VERSION_TABLE = (
    "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
    "name TEXT NOT NULL, applied_at TEXT NOT NULL)"
)


def applied(store: Store) -> set[int]:
    return {r["version"] for r in store.all("SELECT version FROM schema_migrations")}


def migrate(store: Store, now_text: str) -> list[int]:
    """Run the migrations not yet applied, in order (under the store's write lock, so several
    processes starting at once apply each once); the versions applied now."""
    with store.transaction():  # (two processes creating it at once: one after the other)
        store.run(VERSION_TABLE if store.dialect == "sqlite" else for_postgres(VERSION_TABLE))
    done: list[int] = []
    for migration in MIGRATIONS:
        with store.transaction(durable=True):
            if migration.version in applied(store):
                continue
            if migration.sql:
                sql = migration.sql
                sql = for_postgres(sql) if store.dialect == "postgresql" else for_sqlite(sql)
                for statement in statements(sql):
                    store.run(statement)
            if migration.step is not None:
                migration.step(store)
            store.run(
                "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                (migration.version, migration.name, now_text),
            )
            done.append(migration.version)
    return done


def latest_version() -> int:
    return MIGRATIONS[-1].version


def describe(store: Store) -> list[dict[str, Any]]:
    return store.all("SELECT version, name, applied_at FROM schema_migrations ORDER BY version")
