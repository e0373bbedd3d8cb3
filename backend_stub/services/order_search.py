"""Finding orders for the console: by order number, buyer or holder phone, holder's ID number,
channel, kiosk and day; and everything the order page shows (tickets with their gate entries,
payments, refunds, points, the audit trail).

Phones and ID numbers are looked up by their keyed hash (services.personal_data): what was
typed is hashed and compared, never stored, logged or put back on the page in clear."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from backend_stub.context import Backend
from backend_stub.services.order_state import order_view
from backend_stub.services.personal_data import doc_hash, phone_hash

LIMIT = 100
COLUMNS = (
    "o.id, o.order_no, o.status, o.channel, o.channel_order_id, o.kiosk_id, o.kind, "
    "o.total_fen, o.refunded_fen, o.created_at, o.paid_at, o.buyer_phone_masked"
)


@dataclass(frozen=True)
class OrderQuery:
    order_no: str = ""
    phone: str = ""
    id_number: str = ""
    channel: str = ""
    kiosk_id: str = ""
    day: date | None = None

    @property
    def empty(self) -> bool:
        return not any((self.order_no, self.phone, self.id_number, self.channel, self.kiosk_id,
                        self.day))  # fmt: skip


def search(bk: Backend, q: OrderQuery, limit: int = LIMIT) -> list[dict[str, Any]]:
    """The orders matching every filter given, newest first (at most `limit`)."""
    where: list[str] = []
    params: list[Any] = []
    if q.order_no:
        where.append("o.order_no = ?")
        params.append(q.order_no.strip().upper())
    if q.phone:
        digest = phone_hash(bk, q.phone)
        where.append(
            "(o.buyer_phone_hash = ? OR o.id IN "
            "(SELECT order_id FROM tickets WHERE holder_phone_hash = ?))"
        )
        params += [digest, digest]
    if q.id_number:
        digest = doc_hash(bk, q.id_number)
        where.append(
            "(o.guide_doc_hash = ? OR o.id IN "
            "(SELECT order_id FROM tickets WHERE holder_doc_hash = ?))"
        )
        params += [digest, digest]
    if q.channel:
        where.append("o.channel = ?")
        params.append(q.channel)
    if q.kiosk_id:
        where.append("o.kiosk_id = ?")
        params.append(q.kiosk_id)
    if q.day is not None:
        where.append("o.created_at >= ? AND o.created_at < ?")
        params += [q.day.isoformat(), (q.day + timedelta(days=1)).isoformat()]
    sql = f"SELECT {COLUMNS} FROM orders o"
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += " ORDER BY o.created_at DESC LIMIT ?"
    return bk.store.all(sql, (*params, limit))


def channels(bk: Backend) -> list[str]:
    return [r["channel"] for r in bk.store.all("SELECT DISTINCT channel FROM orders ORDER BY 1")]


def order_page(bk: Backend, order_id: str, now: datetime) -> dict[str, Any]:
    """The order as the console shows it (raises RuleError `order_not_found`)."""
    view = order_view(bk, order_id, now)
    store = bk.store
    view["payments"] = store.all(
        "SELECT id, method, provider, gateway, trade_no, provider_trade_no, status, "
        "provider_state, amount_fen, failure_code, created_at, paid_at FROM payments "
        "WHERE order_id = ? ORDER BY created_at",
        (order_id,),
    )
    view["refunds"] = store.all(
        "SELECT id, ticket_id, kind, amount_fen, fee_fen, created_at, kiosk_id, "
        "provider_status FROM refunds WHERE order_id = ? ORDER BY id",
        (order_id,),
    )
    view["points"] = store.all(
        "SELECT member_id, delta, balance_after, reason, created_at FROM ledger "
        "WHERE order_id = ? ORDER BY id",
        (order_id,),
    )
    view["audit"] = store.all(
        "SELECT at, username, action, before, after FROM console_audit WHERE target = ? "
        "ORDER BY id",
        (f"order:{order_id}",),
    )
    view["staff_audit"] = store.all(
        "SELECT at, staff_id, kiosk_id, action, ticket_id, detail FROM staff_audit "
        "WHERE order_id = ? ORDER BY id",
        (order_id,),
    )
    row = store.one("SELECT kiosk_id FROM orders WHERE id = ?", (order_id,))
    view["kiosk_id"] = row["kiosk_id"] if row else None
    return view
