"""A channel's refund (渠道退款): an OTA (美团, 携程, 飞猪), the mini-program or an agency gave
the money back on its side and tells the backend, which voids the tickets, printed or not
(their codes join the revocation list), returns the seats and records the refund.

Idempotent: a retry with the same Idempotency-Key gets the first answer; a ticket the channel
already refunded is skipped, so any repeat refunds nothing twice. A used ticket is refused
(`ticket_used`). A parent's unused add-ons go along: those of the same order with it, those a
kiosk sold by the kiosk's refund policy (the backend refunds kiosk money itself); an add-on
sold by another channel must be refunded there first (`refund_at_...`)."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from backend_stub.context import Backend
from backend_stub.services import idempotency
from backend_stub.services.aftersales import addons_going_along, refund_in_order
from backend_stub.services.catalog import get_slot, slot_start
from backend_stub.services.order_state import collected_by, load_order, order_view
from backend_stub.services.rebook import pending_rebook_of
from backend_stub.services.revocations import CHANNEL_REFUNDED
from kiosk.domain.errors import RuleError
from kiosk.domain.refund_rules import check_refund_here, check_ticket_changeable, refund_fee_fen

Row = dict[str, Any]
GONE = ("refunded", "void")


def _order_of(bk: Backend, channel: str, channel_order_id: str, now: datetime) -> Row:
    row = bk.store.one(
        "SELECT id FROM orders WHERE channel = ? AND channel_order_id = ?",
        (channel, channel_order_id),
    )
    if row is None:
        raise RuleError("order_not_found", f"{channel} {channel_order_id}")
    return load_order(bk, row["id"], now)


def _tickets_to_void(bk: Backend, order: Row, ticket_ids: list[str], now: datetime) -> list[Row]:
    rows = bk.store.all("SELECT * FROM tickets WHERE order_id = ? ORDER BY rowid", (order["id"],))
    if ticket_ids:
        by_id = {t["id"]: t for t in rows}
        missing = [i for i in ticket_ids if i not in by_id]
        if missing:
            raise RuleError("ticket_not_found", ", ".join(missing))
        rows = [by_id[i] for i in dict.fromkeys(ticket_ids)]
    out = []
    for t in rows:
        if t["status"] in GONE:
            continue  # refunded before: nothing twice
        check_ticket_changeable(t["status"])
        if pending_rebook_of(bk, t["id"], now):
            raise RuleError("rebook_pending", t["id"])
        out.append(t)
    return out


def refund_channel_order(
    bk: Backend,
    channel: str,
    channel_order_id: str,
    ticket_ids: list[str],
    now: datetime,
    *,
    idem_key: str | None = None,
) -> dict[str, Any]:
    """Void the order's tickets (`ticket_ids`, or every one) that the channel refunded."""
    channel = channel.strip().lower()
    caller = f"channel:{channel}"
    digest = idempotency.request_hash(channel, channel_order_id, sorted(set(ticket_ids)))
    with bk.store.transaction(durable=True):
        prior = idempotency.prior_answer(bk, caller, idem_key, "channel_refund", digest)
        if prior is not None:
            return prior
        order = _order_of(bk, channel, channel_order_id, now)
        if order["status"] not in ("paid", "partially_refunded", "refunded"):
            raise RuleError("order_not_paid")
        tickets = _tickets_to_void(bk, order, ticket_ids, now)
        addons = addons_going_along(bk, tickets, now) if tickets else []
        by_order: dict[str, list[Row]] = defaultdict(list)
        for a in addons:
            by_order[a["order_id"]].append(a)
        same = by_order.pop(order["id"], [])
        others = {oid: load_order(bk, oid, now) for oid in by_order}
        for other in others.values():
            check_refund_here(collected_by(other), other["channel"])
        voided = refund_in_order(
            bk,
            order,
            tickets + same,
            now,
            lambda t: 0,
            kind="channel_refund",
            reason=CHANNEL_REFUNDED,
        ) if tickets else {"refunded_fen": 0, "tickets": {}}  # fmt: skip

        def fee(t: Row) -> int:
            return refund_fee_fen(t["paid_fen"], slot_start(get_slot(bk, t["slot_id"])), now)

        kiosk = {
            oid: refund_in_order(bk, others[oid], rows, now, fee) for oid, rows in by_order.items()
        }
        answer = {
            "channel": channel,
            "channel_order_id": channel_order_id,
            "voided": [t["id"] for t in tickets + same],
            "refunded_fen": voided["refunded_fen"],
            "addons_refunded": [
                {"ticket_id": a["id"], "order_id": a["order_id"]}
                | (voided if a["order_id"] == order["id"] else kiosk[a["order_id"]])["tickets"][
                    a["id"]
                ]
                for a in addons
            ],
            "order": order_view(bk, order["id"], now),
        }
        idempotency.remember_answer(bk, caller, idem_key, "channel_refund", digest, answer, now)
    return answer
