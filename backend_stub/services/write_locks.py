"""What the hot write paths touch, as names for the store's `transaction(touches=...)`
(stores/base.py; on PostgreSQL an advisory lock per name, beside other such writers, instead of
the lock every other writer takes: docs/backend.md "Locking").

A name covers a rule that a transaction checks and then writes: `order:<id>` (its status and
its payments), `member:<id>` (points), `kiosk:<id>` and `person:<hash>` (unpaid-hold caps),
`ticket:<id>` (a parent's add-ons, a printed mark), `coupon:<code>` (its uses). Rules a single
statement or a unique index keeps (seats, the real-name rule, Idempotency-Keys) need none.
Anything else (a rebooking moves tickets between slots and orders): None, every writer waits."""

from __future__ import annotations

from typing import Any

from backend_stub.context import Backend

_KNOWN_MAX = 4096
_known: dict[str, tuple[str, str | None]] = {}  # order id -> (kind, member id): never change


def order_touches(
    bk: Backend, order_id: str, order: dict[str, Any] | None = None
) -> list[str] | None:
    """What marking an order paid (or a payment of it) decides on: the order and its member's
    points; a difference order of a rebooking: None. `order`: its row, when read already (an
    order's kind and member never change: kept for the next call, no query)."""
    known = _known.get(order_id)
    if known is None:
        if order is None or "kind" not in order or "member_id" not in order:
            order = bk.store.one("SELECT kind, member_id FROM orders WHERE id = ?", (order_id,))
            if order is None:
                return None
        known = (order["kind"], order["member_id"])
        if len(_known) >= _KNOWN_MAX:
            _known.clear()
        _known[order_id] = known
    kind, member = known
    if kind == "rebook":
        return None
    return [f"order:{order_id}"] + ([f"member:{member}"] if member else [])
