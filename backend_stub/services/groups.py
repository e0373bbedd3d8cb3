"""Group orders (团体): the back office books a guide's group with a roster of IDs.

One ticket per roster entry (real-name when it has a document), inventory taken, the order
paid at once (the agency settles with the area). The guide picks the whole order up at a
kiosk with his own ID number, the order number + his full phone number, or the order QR.

`POST /ops/groups` is idempotent by `group_ref`: the same roster again (rows in any order)
answers 200 with the order; a *different* roster under the same `group_ref` is refused
(409 `group_ref_conflict`, with `order_id`) rather than silently answered with the old order:
the back office amends that order with `PUT /ops/groups/{order_id}` (the whole new roster),
until the slot starts. Seats follow in the same transaction: a member kept keeps his ticket
and code, a member removed has his ticket voided and the seat returned, a member added (or a
replacement) gets a new ticket. Rows are checked as in services.roster.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import datetime
from typing import Any

from backend_stub.catalog_model import Product
from backend_stub.context import Backend
from backend_stub.schemas import GroupOrder, GroupRoster, Holder, OrderLine, OrderRequest
from backend_stub.services.catalog import get_product, get_slot, slot_prices, slot_start, take_seats
from backend_stub.services.order_state import PAID_STATUSES, order_view, sign_ticket_row
from backend_stub.services.orders import place_channel_order, prior_channel_order
from backend_stub.services.personal_data import (
    GROUP_HEAD,
    doc_hash,
    holder_columns,
    open_text,
    seal_text,
)
from backend_stub.services.revocations import revoke
from backend_stub.services.roster import Member, check_roster, roster_hash
from kiosk.domain.errors import RuleError
from kiosk.domain.ids import DocType, is_valid_phone, mask_name, validate_document

GROUP_CHANNEL = "group"
MAX_GROUP = 200
LIVE_STATUSES = ("issued", "printed", "used")
REMOVED_FROM_ROSTER = "removed_from_roster"  # why a code is revoked


def _head(body: GroupOrder) -> tuple[str, ...]:
    """What a group's roster hash covers besides its rows."""
    guide = body.guide
    number = guide.doc_number.strip().upper()
    return (body.product_id, body.slot_id, body.ticket_type_id, number, guide.name, guide.phone)


def book_group(bk: Backend, body: GroupOrder, now: datetime) -> tuple[dict[str, Any], bool]:
    """Book a paid group order; (order, replayed). The same roster under the same `group_ref`
    is a replay; a different one is group_ref_conflict."""
    digest = roster_hash(body, _head(body), body.ticket_type_id)
    prior = prior_channel_order(bk, GROUP_CHANNEL, body.group_ref, now)
    if prior is not None:
        kept = bk.store.one(
            "SELECT roster_hash FROM group_rosters WHERE order_id = ?", (prior["id"],)
        )
        if kept is not None and kept["roster_hash"] != digest:
            raise RuleError(
                "group_ref_conflict",
                f"amend it: PUT /ops/groups/{prior['id']}",
                extra={"order_id": prior["id"]},
            )
        return prior, True
    guide = body.guide
    if not guide.name or not is_valid_phone(guide.phone):
        raise RuleError("group_invalid", "the guide needs a name and a mobile phone")
    if guide.doc_type == DocType.NONE:
        raise RuleError("group_invalid", "the guide needs an ID document")
    guide_number = validate_document(guide.doc_type, guide.doc_number, now.date())
    product = get_product(bk, body.product_id)
    slot = get_slot(bk, body.slot_id)
    if slot["product_id"] != product.id:
        raise RuleError("slot_product_mismatch", f"{slot['id']} / {product.id}")
    members = check_roster(bk, product, slot, body.ticket_type_id, body, now)
    by_type: dict[str, list[Member]] = {}
    for member in members:
        by_type.setdefault(member.ticket_type_id, []).append(member)
    # built without the per-line limits a kiosk order has; place_order checks everything else
    lines = [
        OrderLine.model_construct(
            product_id=body.product_id,
            slot_id=body.slot_id,
            ticket_type_id=type_id,
            quantity=len(group),
            holders=[_holder(m) for m in group if m.row],
            parent_ticket_code=None,
        )
        for type_id, group in by_type.items()
    ]
    req = OrderRequest.model_construct(
        lines=lines,
        buyer_phone=guide.phone,
        buyer_name=guide.name,
        coupon_code=None,
        member_id=None,
        points_to_redeem=0,
    )
    with bk.store.transaction(durable=True):
        order, replayed = place_channel_order(
            bk,
            req,
            now=now,
            channel=GROUP_CHANNEL,
            channel_order_id=body.group_ref,
            guide_doc_number=guide_number,
            max_per_product=MAX_GROUP,
        )
        bk.store.insert(
            "group_rosters",
            {
                "order_id": order["id"],
                "group_ref": body.group_ref,
                "product_id": body.product_id,
                "slot_id": body.slot_id,
                "ticket_type_id": body.ticket_type_id,
                "head": seal_text(bk, GROUP_HEAD, "\x1f".join(_head(body))),  # the guide
                "roster_hash": digest,
                "updated_at": now.isoformat(),
            },
        )
    return order, replayed


def _holder(m: Member) -> Holder:
    return Holder.model_construct(
        doc_type=m.doc_type,
        doc_number=m.doc_number,
        name=m.name,
        phone="",
        nationality=m.nationality,
        staff_grant="",
    )


def amend_group(bk: Backend, order_id: str, body: GroupRoster, now: datetime) -> dict[str, Any]:
    """Replace a group's roster until its slot starts; seats follow in one transaction.
    The order view with `amendment: {kept, added, removed}`."""
    group = bk.store.one(
        "SELECT g.*, o.status FROM group_rosters g JOIN orders o ON o.id = g.order_id "
        "WHERE g.order_id = ?",
        (order_id,),
    )
    if group is None:
        raise RuleError("group_not_found", order_id)
    if group["status"] not in PAID_STATUSES:
        raise RuleError("order_not_paid", f"the group order is {group['status']}")
    product = get_product(bk, group["product_id"])
    slot = get_slot(bk, group["slot_id"])
    if now >= slot_start(slot):
        raise RuleError("group_too_late", f"the slot started at {slot['start']}")
    members = check_roster(bk, product, slot, group["ticket_type_id"], body, now, order_id=order_id)
    head = open_text(bk, GROUP_HEAD, group["head"]).split("\x1f")
    digest = roster_hash(body, head, group["ticket_type_id"])
    with bk.store.transaction(durable=True):
        marks = ",".join("?" * len(LIVE_STATUSES))
        tickets = bk.store.all(
            f"SELECT * FROM tickets WHERE order_id = ? AND status IN ({marks}) ORDER BY rowid",
            (order_id, *LIVE_STATUSES),
        )
        kept, removed, added = _match(tickets, members, lambda n: doc_hash(bk, n))
        for t in removed:
            if t["status"] == "used":
                raise RuleError("ticket_used", f"{t['id']} entered; it stays on the roster")
        for t in removed:  # the gates' revocation list drops the removed members' codes
            revoke(bk, t, REMOVED_FROM_ROSTER, now)
        if removed:  # void, and the member's personal data goes with him
            bk.store.run_many(
                "UPDATE tickets SET status = 'void', holder_doc_hash = '', holder_doc_masked = '',"
                " holder_doc_sealed = '', holder_name = '' WHERE id = ?",
                [(t["id"],) for t in removed],
            )
            bk.store.run(
                "UPDATE slots SET remaining = remaining + ? WHERE id = ?",
                (len(removed), slot["id"]),
            )
        if added:
            take_seats(bk, slot["id"], len(added))
        for t, m in kept:
            bk.store.run(
                "UPDATE tickets SET holder_name = ?, holder_nationality = ? WHERE id = ?",
                (mask_name(m.name), m.nationality, t["id"]),
            )
        prices = slot_prices(product, slot)
        for m in added:
            _issue(bk, order_id, product, slot, m, prices[m.ticket_type_id])
        total = bk.store.one(
            f"SELECT COALESCE(SUM(paid_fen), 0) AS fen FROM tickets WHERE order_id = ? "
            f"AND status IN ({marks})",
            (order_id, *LIVE_STATUSES),
        )["fen"]
        bk.store.run(
            "UPDATE orders SET subtotal_fen = ?, total_fen = ? WHERE id = ?",
            (total, total, order_id),
        )
        bk.store.run(
            "UPDATE group_rosters SET roster_hash = ?, amendments = amendments + 1, "
            "updated_at = ? WHERE order_id = ?",
            (digest, now.isoformat(), order_id),
        )
    amendment = {"kept": len(kept), "added": len(added), "removed": len(removed)}
    return order_view(bk, order_id, now) | {"amendment": amendment}


def _match(
    tickets: list[dict[str, Any]], members: list[Member], hashed: Callable[[str], str]
) -> tuple[list[tuple[dict[str, Any], Member]], list[dict[str, Any]], list[Member]]:
    """Pair the order's live tickets with the new roster: a documented member keeps the ticket
    of the same document (its keyed hash, `hashed`) and ticket type; members without a
    document take the undocumented tickets of their type in order. (kept pairs, tickets to
    remove, members to add)."""
    free: dict[tuple[str, str, str], list[dict[str, Any]]] = {}
    for t in tickets:
        key = (t["ticket_type_id"], t["holder_doc_type"] or "none", t["holder_doc_hash"])
        if not t["holder_doc_hash"]:
            key = (t["ticket_type_id"], DocType.NONE.value, "")
        free.setdefault(key, []).append(t)
    kept, added = [], []
    for m in members:
        number = hashed(m.doc_number) if m.doc_number else ""
        pool = free.get((m.ticket_type_id, m.doc_type, number))
        if pool:
            kept.append((pool.pop(0), m))
        else:
            added.append(m)
    removed = [t for pool in free.values() for t in pool]
    return kept, removed, added


def _issue(
    bk: Backend, order_id: str, product: Product, slot: dict[str, Any], m: Member, unit: int
) -> None:
    """Inside a transaction: a new issued ticket of a paid group order for `m`."""
    row = {
        "id": "t" + secrets.token_hex(5),
        "order_id": order_id,
        "product_id": product.id,
        "slot_id": slot["id"],
        "date": slot["date"],
        "ticket_type_id": m.ticket_type_id,
        "unit_fen": unit,
        "paid_fen": unit,
        **holder_columns(bk, m.doc_type, m.doc_number, m.name, ""),
        "holder_nationality": m.nationality,
        "status": "issued",
    }
    row["code"] = sign_ticket_row(bk, row)
    bk.store.insert("tickets", row)
