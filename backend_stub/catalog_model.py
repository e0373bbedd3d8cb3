"""The catalog as the backend holds it in memory: products, ticket types and the prices in
force, read from the store in one go (`read_catalog`). `Backend.catalog()` caches it; the
request-time questions (a product, a slot and its prices) are in services.catalog."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from backend_stub.clock import epoch_of
from backend_stub.settings import Settings
from backend_stub.stores import Store
from kiosk.domain.catalog import DEFAULT_ADDONS_PER_PARENT, Eligibility, components_of
from kiosk.domain.pricing import PriceRules


@dataclass
class TicketType:
    id: str
    product_id: str
    code: str
    name_zh: str
    name_en: str
    eligibility: Eligibility
    is_child: bool
    base_fen: int


@dataclass
class Product:
    id: str
    kind: str
    parent_product_id: str | None
    real_name: bool
    name_zh: str
    name_en: str
    rules: PriceRules
    child_needs_adult: bool
    max_per_order: int
    row: dict[str, Any]
    addons_per_parent: int = DEFAULT_ADDONS_PER_PARENT  # an add-on: at most this many per parent
    requires_parent_entered: bool = False  # an add-on: its gate wants the parent entered first
    components: tuple[str, ...] = ()  # what a ticket admits to, one entry each (entrance first)
    ticket_types: dict[str, TicketType] = field(default_factory=dict)


@dataclass
class Catalog:
    version: int
    products: dict[str, Product]
    ticket_types: dict[str, TicketType]
    body: dict[str, Any]
    etag: str
    good_until: float  # epoch when a scheduled price version falls due
    component_names: dict[str, dict[str, str]] = field(default_factory=dict)  # id -> zh/en


def _months(text: str) -> frozenset[int]:
    return frozenset(int(m) for m in text.split(",") if m.strip())


def read_catalog(store: Store, settings: Settings, now: datetime) -> Catalog:
    """Read products, types and the prices in force at `now` (one read, then cached)."""
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
            addons_per_parent=int(row.get("addons_per_parent", DEFAULT_ADDONS_PER_PARENT)),
            requires_parent_entered=bool(row.get("requires_parent_entered")),
            components=components_of(row["id"], row["kind"], (row["includes"] or "").split(",")),
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
    body = _catalog_body(settings, version, products)
    names = {
        r["id"]: {"zh": r["name_zh"], "en": r["name_en"]}
        for r in store.all("SELECT * FROM components")
    }
    return Catalog(version, products, types, body, f'"v{version}"', good_until, names)


def _catalog_body(settings: Settings, version: int, products: dict[str, Product]) -> dict[str, Any]:
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
                    "advance_days": settings.calendar_days,  # the calendar's window
                    "hold_seconds": settings.hold_seconds,
                    "one_per_id_per_slot": p.real_name,
                    "addons_per_parent": p.addons_per_parent,
                    "requires_parent_entered": p.requires_parent_entered,
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
        "area": {"name": {"zh": settings.area_name_zh, "en": settings.area_name_en}},
        "currency": "CNY",
        "money_unit": "fen",
        "products": out,
    }
