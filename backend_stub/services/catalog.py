"""The catalog (products, ticket types, current prices) and slots with their prices."""

from __future__ import annotations

import time
from datetime import date, datetime
from typing import Any

from backend_stub.context import Backend, Catalog, Product, TicketType, epoch_of
from kiosk.domain.catalog import Eligibility
from kiosk.domain.errors import RuleError
from kiosk.domain.pricing import PriceRules, unit_price_fen

ADVANCE_DAYS = 30


def _months(text: str) -> frozenset[int]:
    return frozenset(int(m) for m in text.split(",") if m.strip())


def build_catalog(bk: Backend, now: datetime) -> Catalog:
    """Read products, types and the prices in force at `now` (one read, then cached)."""
    store = bk.store
    stamp = now.isoformat()
    prices: dict[str, int] = {}
    version = 0
    for row in store.all(
        "SELECT ticket_type_id, base_fen, version FROM prices WHERE effective_at <= ? "
        "ORDER BY effective_at, version",
        (stamp,),
    ):
        prices[row["ticket_type_id"]] = row["base_fen"]
        version = max(version, row["version"])
    pending = store.one(
        "SELECT MIN(effective_at) AS at FROM prices WHERE effective_at > ?", (stamp,)
    )
    good_until = time.time() + 3600
    if pending and pending["at"]:
        good_until = min(good_until, epoch_of(datetime.fromisoformat(pending["at"])))
    products: dict[str, Product] = {}
    for row in store.all("SELECT * FROM products ORDER BY sort, id"):
        products[row["id"]] = Product(
            id=row["id"],
            kind=row["kind"],
            parent_product_id=row["parent_product_id"],
            real_name=bool(row["real_name"]),
            name_zh=row["name_zh"],
            name_en=row["name_en"],
            rules=PriceRules(
                row["weekend_percent"], row["peak_percent"], _months(row["peak_months"] or "")
            ),
            child_needs_adult=bool(row["child_needs_adult"]),
            max_per_order=row["max_per_order"],
            row=row,
        )
    types: dict[str, TicketType] = {}
    for row in store.all("SELECT * FROM ticket_types ORDER BY sort, id"):
        if row["product_id"] not in products or row["id"] not in prices:
            continue
        tt = TicketType(
            id=row["id"],
            product_id=row["product_id"],
            code=row["code"],
            name_zh=row["name_zh"],
            name_en=row["name_en"],
            eligibility=Eligibility(row["min_age"], row["max_age"], row["needs_proof"] or ""),
            is_child=bool(row["is_child"]),
            base_fen=prices[row["id"]],
        )
        types[tt.id] = tt
        products[tt.product_id].ticket_types[tt.id] = tt
    body = _catalog_body(bk, version, products)
    return Catalog(version, products, types, body, f'"v{version}"', good_until)


def _catalog_body(bk: Backend, version: int, products: dict[str, Product]) -> dict[str, Any]:
    out = []
    for p in products.values():
        rules = p.rules
        out.append(
            {
                "id": p.id,
                "kind": p.kind,
                "parent_product_id": p.parent_product_id,
                "real_name": p.real_name,
                "name": {"zh": p.name_zh, "en": p.name_en},
                "description": {"zh": p.row["desc_zh"], "en": p.row["desc_en"]},
                "includes": [x for x in (p.row["includes"] or "").split(",") if x],
                "sale_rules": {
                    "max_per_order": p.max_per_order,
                    "child_needs_adult": p.child_needs_adult,
                    "advance_days": ADVANCE_DAYS,
                    "hold_seconds": bk.settings.hold_seconds,
                    "one_per_id_per_slot": p.real_name,
                },
                "price_rules": {
                    "weekend_percent": rules.weekend_percent,
                    "peak_percent": rules.peak_percent,
                    "peak_months": sorted(rules.peak_months),
                },
                "ticket_types": [
                    {
                        "id": t.id,
                        "code": t.code,
                        "name": {"zh": t.name_zh, "en": t.name_en},
                        "base_fen": t.base_fen,
                        "is_child": t.is_child,
                        "eligibility": t.eligibility.as_dict(),
                    }
                    for t in p.ticket_types.values()
                ],
            }
        )
    return {
        "version": version,
        "area": {"name": {"zh": bk.settings.area_name_zh, "en": bk.settings.area_name_en}},
        "currency": "CNY",
        "money_unit": "fen",
        "products": out,
    }


def get_product(bk: Backend, product_id: str) -> Product:
    product = bk.catalog().products.get(product_id)
    if product is None:
        raise RuleError("unknown_product", product_id)
    return product


def slot_start(slot: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(f"{slot['date']}T{slot['start']}")


def slot_end(slot: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(f"{slot['date']}T{slot['end']}")


def slot_prices(product: Product, slot: dict[str, Any]) -> dict[str, int]:
    day = date.fromisoformat(slot["date"])
    return {
        t.id: unit_price_fen(t.base_fen, day, product.rules, slot["slot_percent"])
        for t in product.ticket_types.values()
    }


def slot_view(product: Product, slot: dict[str, Any], now: datetime) -> dict[str, Any]:
    closed = now >= slot_end(slot)
    remaining = slot["remaining"]
    return {
        "id": slot["id"],
        "product_id": slot["product_id"],
        "date": slot["date"],
        "start": slot["start"],
        "end": slot["end"],
        "capacity": slot["capacity"],
        "remaining": remaining,
        "prices": slot_prices(product, slot),
        "status": "closed" if closed else ("sold_out" if remaining <= 0 else "open"),
        "low": 0 < remaining <= max(5, slot["capacity"] // 10),
    }


def list_slots(bk: Backend, product_id: str, day: date, now: datetime) -> list[dict[str, Any]]:
    product = get_product(bk, product_id)
    rows = bk.store.all(
        "SELECT * FROM slots WHERE product_id = ? AND date = ? ORDER BY start",
        (product_id, day.isoformat()),
    )
    return [slot_view(product, row, now) for row in rows]


def get_slot(bk: Backend, slot_id: str) -> dict[str, Any]:
    slot = bk.store.one("SELECT * FROM slots WHERE id = ?", (slot_id,))
    if slot is None:
        raise RuleError("unknown_slot", slot_id)
    return slot
