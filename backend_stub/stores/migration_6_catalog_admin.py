"""Migration 6: what the console's catalog, prices, coupons and staff pages need (issue 13B).

- `price_changes`: a staged price change (base prices by ticket type), versioned and audited:
  a draft, pushed to a canary group of kiosks, then to all (it then becomes `prices` rows of
  its version) or rolled back (services.price_rollouts).
- columns: a product on or off sale; a coupon's use limit (0: none; services.coupon_uses)
  and whether it is on; a staff member's card and whether he is disabled. (A kiosk's group
  is migration 5's `console_kiosks.group_name`.)
Columns are added only when missing, as migration 2 does, on both stores."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from backend_stub.stores.base import Store

PRICE_CHANGES = """
CREATE TABLE IF NOT EXISTS price_changes (
  id TEXT PRIMARY KEY, version INTEGER UNIQUE, note TEXT NOT NULL DEFAULT '',
  prices TEXT NOT NULL, before_prices TEXT NOT NULL, effective_at TEXT NOT NULL,
  stage TEXT NOT NULL, canary_group TEXT NOT NULL DEFAULT 'canary',
  created_by TEXT NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL,
  canary_at TEXT, all_at TEXT, rolled_back_at TEXT)
"""

COLUMNS = (
    ("products", "on_sale", "INTEGER NOT NULL DEFAULT 1"),
    # nullable: a bulk insert of rows with and without them (the seed) gives NULL: no limit, on
    ("coupons", "usage_limit", "INTEGER DEFAULT 0"),
    ("coupons", "active", "INTEGER DEFAULT 1"),
    ("coupons", "created_at", "TEXT"),
    ("staff", "card_uid", "TEXT NOT NULL DEFAULT ''"),
    ("staff", "disabled", "INTEGER NOT NULL DEFAULT 0"),
)


def _for_postgres(sql: str) -> str:
    """Its SQLite words in PostgreSQL's (stores.migrations.for_postgres does the same for a
    whole script: a SQLite integer is 64-bit)."""
    return sql.replace("INTEGER", "BIGINT")


def catalog_admin_schema(store: Store) -> None:
    """Create `price_changes` and add the columns above where missing (both stores)."""
    postgres = store.dialect == "postgresql"
    store.run(_for_postgres(PRICE_CHANGES) if postgres else PRICE_CHANGES)
    store.run("CREATE INDEX IF NOT EXISTS price_changes_stage ON price_changes(stage)")
    for table, column, decl in COLUMNS:
        if postgres:
            store.run(
                f'ALTER TABLE "{table}" ADD COLUMN IF NOT EXISTS "{column}" {_for_postgres(decl)}'
            )
            continue
        have = {r["name"] for r in store.all(f'PRAGMA table_info("{table}")')}
        if column not in have:
            store.run(f'ALTER TABLE "{table}" ADD COLUMN "{column}" {decl}')
