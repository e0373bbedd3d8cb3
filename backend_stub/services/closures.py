"""Closing a day (weather, 天气原因闭园): a product's slots on a date stop selling and its
paid tickets are settled.

The rule, in the area's terms: the area closed, not the tourist, so **what a kiosk took is
refunded in full, automatically, at once** — no fee, no visit to a kiosk, whatever the hour
(even after the slot started) — for every unused ticket on the closed slots and every unused
add-on bound to one of them (refund kind `closure`; codes revoked; redeemed points come back
and earned ones are taken back as in any refund). Rebooking is not offered instead: the money
is back on the tourist's phone before he could have chosen another day, and he buys again for
the day he wants. Used tickets (already in the park) are not refunded. Unpaid holds on those
slots are released. Money a kiosk did not take (an OTA, the mini-program, an agency's group)
is not refunded here: those orders are listed (`to_settle_by_channel`) for the back office to
settle with each channel, whose refund then comes through the channel API.

Idempotent: closing a closed day again refunds nothing more. A day beyond the generated window
can be closed ahead: its slots are generated closed.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime
from typing import Any

from backend_stub.context import Backend
from backend_stub.schemas import CloseDay
from backend_stub.services.aftersales import refund_in_order
from backend_stub.services.binding import addons_of
from backend_stub.services.order_state import PAID_STATUSES, collected_by, expire_order
from kiosk.domain.errors import RuleError
from kiosk.domain.refund_rules import KIOSK

CLOSURE = "closure"  # the refunds' kind, and why the codes are revoked
UNUSED = ("issued", "printed")


def close_day(bk: Backend, body: CloseDay, now: datetime) -> dict[str, Any]:
    try:
        day = date.fromisoformat(body.date)
    except ValueError as exc:
        raise RuleError("invalid_request", "date is not YYYY-MM-DD") from exc
    if day < now.date():
        raise RuleError("day_in_past")
    products = body.product_ids or list(bk.catalog().products)
    for product_id in products:
        if product_id not in bk.catalog().products:
            raise RuleError("unknown_product", product_id)
    store = bk.store
    marks = ",".join("?" * len(products))
    with store.transaction(durable=True):
        for product_id in products:
            store.run(
                "INSERT INTO day_closures (product_id, date, reason_zh, reason_en, closed_at) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT (product_id, date) DO UPDATE SET "
                "reason_zh = excluded.reason_zh, reason_en = excluded.reason_en, "
                "closed_at = excluded.closed_at",
                (product_id, day.isoformat(), body.reason_zh, body.reason_en, now.isoformat()),
            )
        slot_ids = [
            r["id"]
            for r in store.all(
                f"SELECT id FROM slots WHERE date = ? AND product_id IN ({marks})",
                (day.isoformat(), *products),
            )
        ]
        smarks = ",".join("?" * len(slot_ids))
        released = 0
        if slot_ids:
            store.run(f"UPDATE slots SET closed = 1 WHERE id IN ({smarks})", slot_ids)
            holds = store.all(
                f"SELECT DISTINCT o.id FROM orders o JOIN tickets t ON t.order_id = o.id "
                f"WHERE o.status = 'held' AND t.slot_id IN ({smarks}) UNION "
                f"SELECT r.order_id FROM rebook_items r JOIN orders o ON o.id = r.order_id "
                f"WHERE o.status = 'held' AND r.to_slot_id IN ({smarks})",
                (*slot_ids, *slot_ids),
            )
            released = sum(expire_order(bk, h["id"], now) for h in holds)
        refunded, to_settle = _settle(bk, slot_ids, now)
    return {
        "date": day.isoformat(),
        "product_ids": products,
        "slots_closed": len(slot_ids),
        "holds_released": released,
        "refunded_fen": sum(r["refunded_fen"] for r in refunded),
        "refunded": refunded,
        "to_settle_by_channel": to_settle,
    }


def _settle(
    bk: Backend, slot_ids: list[str], now: datetime
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Inside the closing transaction: refund in full what kiosks took for the unused tickets
    on these slots (and the unused add-ons bound to them); list the rest by order."""
    if not slot_ids:
        return [], []
    smarks = ",".join("?" * len(slot_ids))
    umarks = ",".join("?" * len(UNUSED))
    tickets = bk.store.all(
        f"SELECT * FROM tickets WHERE slot_id IN ({smarks}) AND status IN ({umarks}) "
        "ORDER BY rowid",
        (*slot_ids, *UNUSED),
    )
    seen = {t["id"] for t in tickets}
    tickets += [
        a
        for a in addons_of(bk, [t["id"] for t in tickets])
        if a["id"] not in seen and a["status"] in UNUSED
    ]
    by_order: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for t in tickets:
        by_order[t["order_id"]].append(t)
    refunded, to_settle = [], []
    for order_id, rows in by_order.items():
        order = bk.store.one("SELECT * FROM orders WHERE id = ?", (order_id,))
        if order is None or order["status"] not in PAID_STATUSES:
            continue
        entry = {
            "order_id": order_id,
            "order_no": order["order_no"],
            "channel": order["channel"],
            "ticket_ids": [t["id"] for t in rows],
        }
        if collected_by(order) != KIOSK:
            to_settle.append(entry | {"collected_by": collected_by(order)})
            continue
        done = refund_in_order(bk, order, rows, now, lambda _t: 0, kind=CLOSURE, reason=CLOSURE)
        refunded.append(entry | {"refunded_fen": done["refunded_fen"]})
    return refunded, to_settle


def closed_days(bk: Backend, since: date) -> list[dict[str, Any]]:
    """The closures from `since` on, for the ops view."""
    return bk.store.all(
        "SELECT product_id, date, reason_zh, reason_en, closed_at FROM day_closures "
        "WHERE date >= ? ORDER BY date, product_id",
        (since.isoformat(),),
    )
