"""Request-time catalog questions: a product, a slot, its prices and seats (the cached
catalog itself is read in catalog_model)."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from backend_stub.catalog_model import Product
from backend_stub.context import Backend
from kiosk.domain.errors import RuleError
from kiosk.domain.pricing import unit_price_fen


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
    """Each ticket type's unit price in this slot: the computed price, or the slot's own
    override from its template (`prices_override`, ticket type -> fen)."""
    day = date.fromisoformat(slot["date"])
    prices = {
        t.id: unit_price_fen(t.base_fen, day, product.rules, slot["slot_percent"])
        for t in product.ticket_types.values()
    }
    if slot.get("prices_override"):
        fixed = json.loads(slot["prices_override"])
        prices |= {k: int(v) for k, v in fixed.items() if k in prices}
    return prices


def slot_view(product: Product, slot: dict[str, Any], now: datetime) -> dict[str, Any]:
    closed = now >= slot_end(slot) or bool(slot.get("closed"))
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


def list_slots(
    bk: Backend, product_id: str, day: date, now: datetime, kiosk_id: str | None = None
) -> list[dict[str, Any]]:
    """A day's slots at the prices this kiosk is served (services.price_rollouts)."""
    from backend_stub.services.price_rollouts import served_catalog

    product = served_catalog(bk, kiosk_id, now).products.get(product_id)
    if product is None:
        raise RuleError("unknown_product", product_id)
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


def take_seats(bk: Backend, slot_id: str, count: int) -> None:
    """Inside a transaction: take `count` seats of a slot; `sold_out` when fewer remain."""
    if not bk.store.run(
        "UPDATE slots SET remaining = remaining - ? WHERE id = ? AND remaining >= ?",
        (count, slot_id, count),
    ):
        raise RuleError("sold_out", slot_id)
