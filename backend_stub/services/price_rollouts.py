"""Staged price changes and the catalog each kiosk is served.

A price change (base prices by ticket type, effective at a time) is versioned and goes:

    draft --push_canary--> canary --push_all--> all
      |                      |
      +------rollback--------+--> rolled_back      (a draft may also go straight to all)

- **canary**: the kiosks of the change's group (`console_kiosks.group_name`, set on the
  console's kiosks page) are served the new prices from `effective_at` on, under the change's
  version; every other kiosk keeps the prices of before. One change at a time is on canary.
- **all**: the change becomes `prices` rows of its version, effective at `effective_at` (the
  catalog's own schedule, catalog_model.read_catalog): every kiosk gets it.
- **rolled_back**: the canary kiosks go back to the prices of before at their next poll.

`served_catalog(bk, kiosk_id, now)` is the catalog a kiosk gets from `GET /catalog` and the
one its orders are priced by (services.orders): the shared catalog (products off sale left
out), with the canary change on top for a kiosk of its group. Its ETag is a digest of what it
holds, so a kiosk polling with If-None-Match sees any change (prices, a rollback, a product
edit) at once. A catalog edit (services.catalog_admin) takes a new version number
(`bump_version`); a change on canary then moves above it, so a canary kiosk's version always
says it runs the canary prices (the console's kiosks column, from their heartbeats).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import secrets
import weakref
from datetime import date, datetime
from typing import Any

from backend_stub.catalog_model import Catalog, Product, TicketType, read_catalog
from backend_stub.context import Backend
from backend_stub.services.admin_forms import FormErrors, fen_text
from backend_stub.services.change_audit import audited
from kiosk.domain.errors import RuleError
from kiosk.domain.pricing import unit_price_fen

EDIT_VERSION_KEY = "catalog_edit_version"  # meta: the version of the last catalog edit
DRAFT, CANARY, ALL, ROLLED_BACK = "draft", "canary", "all", "rolled_back"
STAGES = (DRAFT, CANARY, ALL, ROLLED_BACK)
DEFAULT_GROUP = "canary"
_SERVED: weakref.WeakKeyDictionary[Backend, dict[tuple[Any, ...], Catalog]] = (
    weakref.WeakKeyDictionary()
)
_STAMPS: weakref.WeakKeyDictionary[Backend, tuple[int, int]] = weakref.WeakKeyDictionary()


# --- versions ------------------------------------------------------------------------------


def next_version(bk: Backend) -> int:
    """Inside a transaction: the next catalog version number (prices, edits, changes)."""
    store = bk.store
    prices = store.one("SELECT MAX(version) AS v FROM prices")["v"] or 0
    changes = store.one("SELECT MAX(version) AS v FROM price_changes")["v"] or 0
    edits = int(store.meta(EDIT_VERSION_KEY) or 0)
    return max(prices, changes, edits) + 1


def bump_version(bk: Backend) -> int:
    """Inside a transaction: a catalog edit's new version; a change on canary moves above it."""
    version = next_version(bk)
    bk.store.set_meta(EDIT_VERSION_KEY, str(version))
    for row in bk.store.all("SELECT id FROM price_changes WHERE stage = ?", (CANARY,)):
        bk.store.run(
            "UPDATE price_changes SET version = ? WHERE id = ?", (next_version(bk), row["id"])
        )
    return version


# --- the catalog a kiosk is served ---------------------------------------------------------


# One small query per call says which catalog a kiosk is served: the shared catalog's stamp
# (the last edit's version, the last pushed price version) and the change on canary that
# reaches the kiosk's group now, if any. The resolved catalog is cached in this process under
# that key, so a hit costs that query and nothing more. Not a TTL: with several workers
# (PostgreSQL) each has its own cache, and a push, a rollback, an edit or a kiosk moved to
# another group on one worker must be what the next call on any worker serves (the kiosk's
# orders are priced by it), not a second later.
_SERVED_SQL = (
    "SELECT (SELECT value FROM meta WHERE key = ?) AS edits, "
    "(SELECT MAX(version) FROM prices) AS prices, "
    "c.id AS change_id, c.version AS change_version, c.prices AS change_prices "
    "FROM (SELECT 1 AS one) here LEFT JOIN price_changes c ON c.stage = ? "
    "AND c.canary_group = (SELECT group_name FROM console_kiosks WHERE id = ?) "
    "AND c.effective_at <= ? ORDER BY c.version DESC LIMIT 1"
)


def _fresh_base(bk: Backend, edits: int, prices: int) -> Catalog:
    """The shared catalog, read again when another process (a worker of a PostgreSQL
    backend) edited the catalog or pushed prices since this one cached it."""
    stamp = (edits, prices)
    if _STAMPS.get(bk) != stamp:  # (the first call: read it fresh once)
        bk.invalidate_catalog()
    _STAMPS[bk] = stamp
    return bk.catalog()


def served_catalog(bk: Backend, kiosk_id: str | None, now: datetime) -> Catalog:
    """The catalog `kiosk_id` is served at `now` (None: the shared one, as every kiosk outside
    the canary group gets it)."""
    row = bk.store.one(_SERVED_SQL, (EDIT_VERSION_KEY, CANARY, kiosk_id or "", now.isoformat()))
    row = row or {}
    edits = int(row.get("edits") or 0)
    base = _fresh_base(bk, edits, int(row.get("prices") or 0))
    change_id, change_version = row.get("change_id") or "", int(row.get("change_version") or 0)
    key = (id(base), change_id, change_version)
    cache = _SERVED.setdefault(bk, {})
    found = cache.get(key)
    if found is not None:
        return found
    version = change_version if change_id else max(base.version, edits)
    prices = {k: int(v) for k, v in json.loads(row["change_prices"]).items()} if change_id else {}
    served = overlay(base, prices, version)
    if len(cache) > 8:  # old base catalogs: their entries are dead
        cache.clear()
    cache[key] = served
    return served


def overlay(base: Catalog, prices: dict[str, int], version: int) -> Catalog:
    """`base` with these base prices instead, under `version`, products off sale left out."""
    products: dict[str, Product] = {}
    types: dict[str, TicketType] = {}
    for pid, product in base.products.items():
        if not int(product.row.get("on_sale", 1) or 0):
            continue
        mine = {
            tid: dataclasses.replace(t, base_fen=prices.get(tid, t.base_fen))
            for tid, t in product.ticket_types.items()
        }
        products[pid] = dataclasses.replace(product, ticket_types=mine)
        types |= mine
    body = dict(base.body) | {"version": version}
    body["products"] = [
        p | {"ticket_types": [t | {"base_fen": types[t["id"]].base_fen} for t in p["ticket_types"]]}
        for p in base.body["products"]
        if p["id"] in products
    ]
    digest = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()[:12]
    return Catalog(
        version,
        products,
        types,
        body,
        f'"v{version}-{digest}"',
        base.good_until,
        base.component_names,
    )


# --- price changes -------------------------------------------------------------------------


def _view(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "version": row["version"],
        "note": row["note"],
        "prices": json.loads(row["prices"]),
        "before": json.loads(row["before_prices"]),
        "effective_at": row["effective_at"],
        "stage": row["stage"],
        "canary_group": row["canary_group"],
        "created_by": row["created_by"],
        "created_at": row["created_at"],
        "canary_at": row.get("canary_at"),
        "all_at": row.get("all_at"),
        "rolled_back_at": row.get("rolled_back_at"),
    }


def list_changes(bk: Backend, limit: int = 50) -> list[dict[str, Any]]:
    rows = bk.store.all(
        "SELECT * FROM price_changes ORDER BY created_at DESC, id DESC LIMIT ?", (limit,)
    )
    return [_view(r) for r in rows]


def get_change(bk: Backend, change_id: str) -> dict[str, Any]:
    return _view(_row(bk, change_id))


def _row(bk: Backend, change_id: str) -> dict[str, Any]:
    row = bk.store.one("SELECT * FROM price_changes WHERE id = ?", (change_id,))
    if row is None:
        raise RuleError("price_change_not_found", change_id)
    return row


def _actor_name(actor: Any) -> str:
    return str(getattr(actor, "username", actor))


def create_change(
    bk: Backend,
    actor: Any,
    prices: dict[str, int | None],
    effective_at: datetime | None,
    note: str,
    now: datetime,
) -> dict[str, Any]:
    """A draft change: these ticket types' new base prices from `effective_at` (None: now).
    Prices left None or equal to today's are not part of it; at least one must change."""
    errors = FormErrors()
    current = {t.id: t.base_fen for t in bk.catalog().ticket_types.values()}
    changed: dict[str, int] = {}
    for type_id, fen in prices.items():
        if type_id not in current:
            errors.add(f"price_{type_id}", "没有该票种", "Unknown ticket type")
        elif fen is not None and (fen < 0 or fen > 100_000_000):
            errors.add(f"price_{type_id}", "价格无效", "The price is invalid")
        elif fen is not None and fen != current[type_id]:
            changed[type_id] = fen
    if not changed and not errors:
        errors.add("prices", "请至少修改一个价格", "Change at least one price")
    if len(note) > 200:
        errors.add("note", "说明最多200个字", "Note: at most 200 characters")
    errors.raise_if_any()
    at = effective_at if effective_at is not None and effective_at > now else now
    row = {
        "id": "pc-" + secrets.token_hex(4),
        "version": None,
        "note": note,
        "prices": json.dumps(changed),
        "before_prices": json.dumps({k: current[k] for k in changed}),
        "effective_at": at.isoformat(timespec="seconds"),
        "stage": DRAFT,
        "canary_group": DEFAULT_GROUP,
        "created_by": _actor_name(actor),
        "created_at": now.isoformat(),
        "updated_at": now.isoformat(),
    }
    with bk.store.transaction():
        bk.store.insert("price_changes", row)
        audited(
            bk,
            actor,
            "price_change.create",
            row["id"],
            {k: fen_text(current[k]) for k in changed},
            {k: fen_text(v) for k, v in changed.items()} | {"effective_at": row["effective_at"]},
        )
    return _view(row)


def _move(bk: Backend, change_id: str, allowed: tuple[str, ...]) -> dict[str, Any]:
    row = _row(bk, change_id)
    if row["stage"] not in allowed:
        raise RuleError("price_change_stage", row["stage"])
    return row


def push_canary(
    bk: Backend, actor: Any, change_id: str, now: datetime, group: str = DEFAULT_GROUP
) -> dict[str, Any]:
    """A draft goes to the kiosks of `group` (under a new version)."""
    group = (group or DEFAULT_GROUP).strip()[:32]
    with bk.store.transaction():
        row = _move(bk, change_id, (DRAFT,))
        if bk.store.one("SELECT 1 FROM price_changes WHERE stage = ?", (CANARY,)):
            raise RuleError("canary_busy")
        version = next_version(bk)
        bk.store.run(
            "UPDATE price_changes SET stage = ?, version = ?, canary_group = ?, canary_at = ?, "
            "updated_at = ? WHERE id = ?",
            (CANARY, version, group, now.isoformat(), now.isoformat(), change_id),
        )
        audited(
            bk,
            actor,
            "price_change.canary",
            change_id,
            {"stage": row["stage"]},
            {"stage": CANARY, "group": group, "version": version},
        )
    return get_change(bk, change_id)


def push_all(bk: Backend, actor: Any, change_id: str, now: datetime) -> dict[str, Any]:
    """A draft or canary change goes to every kiosk: its prices become the catalog's, at its
    version, from its time on."""
    with bk.store.transaction():
        row = _move(bk, change_id, (DRAFT, CANARY))
        version = row["version"] or next_version(bk)
        for type_id, fen in json.loads(row["prices"]).items():
            bk.store.insert(
                "prices",
                {
                    "ticket_type_id": type_id,
                    "base_fen": int(fen),
                    "effective_at": row["effective_at"],
                    "version": version,
                },
            )
        bk.store.run(
            "UPDATE price_changes SET stage = ?, version = ?, all_at = ?, updated_at = ? "
            "WHERE id = ?",
            (ALL, version, now.isoformat(), now.isoformat(), change_id),
        )
        audited(
            bk,
            actor,
            "price_change.all",
            change_id,
            {"stage": row["stage"]},
            {"stage": ALL, "version": version},
        )
    bk.invalidate_catalog()
    return get_change(bk, change_id)


def rollback(bk: Backend, actor: Any, change_id: str, now: datetime) -> dict[str, Any]:
    """A draft or canary change is dropped: canary kiosks go back to the prices of before."""
    with bk.store.transaction():
        row = _move(bk, change_id, (DRAFT, CANARY))
        bk.store.run(
            "UPDATE price_changes SET stage = ?, rolled_back_at = ?, updated_at = ? WHERE id = ?",
            (ROLLED_BACK, now.isoformat(), now.isoformat(), change_id),
        )
        audited(
            bk,
            actor,
            "price_change.rollback",
            change_id,
            {"stage": row["stage"]},
            {"stage": ROLLED_BACK},
        )
    return get_change(bk, change_id)


# --- preview and the fleet -----------------------------------------------------------------


def preview(
    bk: Backend, at: datetime, change_id: str | None = None, audience: str = ALL
) -> dict[str, Any]:
    """The catalog exactly as a kiosk will be served it at `at`: the prices in force then
    (scheduled ones included), with the change on top for `audience` `all` (every kiosk, once
    pushed to all) or `canary` (a kiosk of its group) — a draft shown as if pushed — and
    without it for `other` (a kiosk outside the group while the change is on canary). Each
    ticket type's base price and its price on `at`'s day (weekend/peak rules, a slot without
    its own percent)."""
    base = read_catalog(bk.store, bk.settings, at)
    edits = int(bk.store.meta(EDIT_VERSION_KEY) or 0)
    change = get_change(bk, change_id) if change_id else None
    prices: dict[str, int] = {}
    version = max(base.version, edits)
    reaches = audience in (ALL, CANARY) or (change is not None and change["stage"] == ALL)
    if change and reaches and change["stage"] != ROLLED_BACK and at >= _at(change):
        prices = {k: int(v) for k, v in change["prices"].items()}
        version = change["version"] or next_version(bk)
    served = overlay(base, prices, version)
    day: date = at.date()
    rows = []
    for product in served.products.values():
        for t in product.ticket_types.values():
            rows.append(
                {
                    "product_id": product.id,
                    "product": {"zh": product.name_zh, "en": product.name_en},
                    "ticket_type_id": t.id,
                    "ticket_type": {"zh": t.name_zh, "en": t.name_en},
                    "base_fen": t.base_fen,
                    "was_fen": base.ticket_types[t.id].base_fen,
                    "day_fen": unit_price_fen(t.base_fen, day, product.rules, 0),
                }
            )
    return {"at": at.isoformat(), "version": version, "rows": rows, "catalog": served.body}


def _at(change: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(change["effective_at"])


def fleet_versions(bk: Backend, now: datetime) -> list[dict[str, Any]]:
    """Each kiosk: its group, the catalog version it reported (heartbeat), the version it
    should run now, and when it was last seen."""
    rows = bk.store.all(
        "SELECT k.id, k.last_seen, k.catalog_version, COALESCE(c.group_name, '') AS group_name "
        "FROM kiosks k LEFT JOIN console_kiosks c ON c.id = k.id ORDER BY k.id"
    )
    known = {r["id"] for r in rows}
    for extra in bk.store.all("SELECT id, group_name FROM console_kiosks ORDER BY id"):
        if extra["id"] not in known:
            rows.append(extra | {"last_seen": None, "catalog_version": None})
    out = []
    for r in rows:
        expected = served_catalog(bk, r["id"], now).version
        out.append(
            {
                "kiosk_id": r["id"],
                "group": r["group_name"],
                "reported_version": r["catalog_version"],
                "expected_version": expected,
                "up_to_date": r["catalog_version"] == expected,
                "last_seen": r["last_seen"],
            }
        )
    return out
