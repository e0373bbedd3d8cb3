"""Back-office work: staff PINs, kiosk heartbeats and fleet, channel import, prices, reports."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from backend_stub.context import Backend
from backend_stub.schemas import ChannelOrder, Heartbeat, OrderRequest, PricesRequest
from backend_stub.services import alerts, heartbeats
from backend_stub.services.orders import place_channel_order, prior_channel_order
from backend_stub.services.staff_pins import verify_staff_pin
from kiosk.domain.errors import RuleError

HEARTBEAT_STALE_SECONDS = 120


async def verify_staff(
    bk: Backend, staff_id: str, pin: str, kiosk_id: str, now: datetime
) -> dict[str, str]:
    """The staff member whose PIN this is (argon2, a server-side lockout: services.staff_pins);
    401 `wrong_pin`, 429 `staff_locked`."""
    return await verify_staff_pin(bk, staff_id, pin, kiosk_id, now)


def record_heartbeat(
    bk: Backend, kiosk_id: str, beat: Heartbeat, now: datetime, *, token_kiosk_id: str
) -> dict:
    """A kiosk's heartbeat; a kiosk speaks only for itself (403 `kiosk_mismatch` when the
    path names another kiosk than its token's)."""
    if kiosk_id != token_kiosk_id:
        raise RuleError("kiosk_mismatch", kiosk_id)
    with bk.store.transaction():
        bk.store.run(
            "INSERT INTO kiosks (id, last_seen, devices, paper_level, version, "
            "catalog_version) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET "
            "last_seen = excluded.last_seen, devices = excluded.devices, "
            "paper_level = excluded.paper_level, version = excluded.version, "
            "catalog_version = excluded.catalog_version",
            (
                kiosk_id,
                now.isoformat(),
                json.dumps(beat.devices, ensure_ascii=False),
                beat.paper_level,
                beat.version,
                beat.catalog_version,
            ),
        )
        # the console's history, switch and alerts (issue 14)
        out = heartbeats.record(bk.store, kiosk_id, beat.devices, beat.paper_level, beat.version,
                                beat.catalog_version, beat.out_of_service, now)  # fmt: skip
        changed = alerts.on_heartbeat(bk.store, kiosk_id, beat.devices, beat.paper_level, now)
    if changed:
        alerts.send_soon(bk)
    return {"ok": True, "catalog_version": bk.catalog().version, "server_time": now.isoformat(),
            "out_of_service": out}  # fmt: skip


def list_kiosks(bk: Backend, now: datetime) -> list[dict[str, Any]]:
    out = []
    for row in bk.store.all("SELECT * FROM kiosks ORDER BY id"):
        seen = datetime.fromisoformat(row["last_seen"])
        out.append(
            row
            | {
                "devices": json.loads(row["devices"] or "{}"),
                "online": (now - seen).total_seconds() < HEARTBEAT_STALE_SECONDS,
            }
        )
    return out


def import_channel_order(
    bk: Backend, channel: str, body: ChannelOrder, now: datetime
) -> tuple[dict[str, Any], bool]:
    """An OTA order arrives paid; idempotent by the channel's order id. It gets an order
    number of ours (its order QR, `KO1:<order_no>`, is what the channel sends the visitor);
    the channel's own id stays `channel_order_id`, in a namespace of its channel."""
    channel = channel.strip().lower()
    if not channel.isidentifier() or channel == "kiosk":
        raise RuleError("channel_order_invalid", "channel name")
    prior = prior_channel_order(bk, channel, body.channel_order_id, now)
    if prior is not None:
        return prior, True
    req = OrderRequest(lines=body.lines, buyer_phone=body.buyer_phone, buyer_name=body.buyer_name)
    return place_channel_order(
        bk,
        req,
        now=now,
        channel=channel,
        channel_order_id=body.channel_order_id,
        collected_by=body.collected_by,
    )


def set_prices(bk: Backend, body: PricesRequest, now: datetime) -> dict[str, Any]:
    """A new catalog version with these base prices, effective now or at `effective_at`."""
    effective = now
    if body.effective_at:
        try:
            effective = datetime.fromisoformat(body.effective_at)
            if effective.tzinfo is not None:  # 0001-01-01T00:00+14:00 is before year 1 here
                effective = effective.astimezone().replace(tzinfo=None)
        except (ValueError, OverflowError) as exc:
            raise RuleError("invalid_time", "effective_at") from exc
    known = {r["id"] for r in bk.store.all("SELECT id FROM ticket_types")}
    for change in body.prices:
        if change.ticket_type_id not in known:
            raise RuleError("unknown_ticket_type", change.ticket_type_id)
    with bk.store.transaction():
        version = (bk.store.one("SELECT MAX(version) AS v FROM prices")["v"] or 0) + 1
        for change in body.prices:
            bk.store.insert(
                "prices",
                {
                    "ticket_type_id": change.ticket_type_id,
                    "base_fen": change.base_fen,
                    "effective_at": effective.isoformat(),
                    "version": version,
                },
            )
    bk.invalidate_catalog()
    return {"catalog_version": version, "effective_at": effective.isoformat()}


def set_slot_capacity(bk: Backend, slot_id: str, capacity: int) -> dict[str, Any]:
    """Change a slot's capacity; what is already sold stays sold."""
    with bk.store.transaction():
        slot = bk.store.one("SELECT * FROM slots WHERE id = ?", (slot_id,))
        if slot is None:
            raise RuleError("unknown_slot", slot_id)
        sold = slot["capacity"] - slot["remaining"]
        remaining = max(0, capacity - sold)
        bk.store.run(
            "UPDATE slots SET capacity = ?, remaining = ? WHERE id = ?",
            (capacity, remaining, slot_id),
        )
    return {"id": slot_id, "capacity": capacity, "remaining": remaining, "sold": sold}


def sales_report(bk: Backend, day: date) -> dict[str, Any]:
    """Paid sales by the day they were paid, by channel and product; refunds of that day."""
    prefix = day.isoformat() + "%"
    by_channel = bk.store.all(
        "SELECT channel, COUNT(*) AS orders, SUM(total_fen) AS gross_fen FROM orders "
        "WHERE paid_at LIKE ? GROUP BY channel ORDER BY channel",
        (prefix,),
    )
    by_product = bk.store.all(
        "SELECT t.product_id, t.ticket_type_id, COUNT(*) AS tickets, SUM(t.paid_fen) AS gross_fen"
        " FROM tickets t JOIN orders o ON o.id = t.order_id WHERE o.paid_at LIKE ? "
        "GROUP BY t.product_id, t.ticket_type_id ORDER BY t.product_id, t.ticket_type_id",
        (prefix,),
    )
    refunds = bk.store.one(
        "SELECT COALESCE(SUM(amount_fen), 0) AS fen, COUNT(*) AS n FROM refunds "
        "WHERE created_at LIKE ?",
        (prefix,),
    )
    gross = sum(r["gross_fen"] or 0 for r in by_channel)
    return {
        "date": day.isoformat(),
        "orders": sum(r["orders"] for r in by_channel),
        "tickets": sum(r["tickets"] for r in by_product),
        "gross_fen": gross,
        "refunds_fen": refunds["fen"],
        "refund_count": refunds["n"],
        "net_fen": gross - refunds["fen"],
        "by_channel": by_channel,
        "by_product": by_product,
    }
