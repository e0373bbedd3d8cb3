"""Group orders (团体): the back office books a guide's group with a roster of IDs.

One real-name ticket per roster entry, inventory taken, the order paid at once (the agency
settles with the area). The guide picks the whole order up at a kiosk with his own ID
number, the order number + his phone's last 4 digits, or the order QR.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from typing import Any

from backend_stub.context import Backend
from backend_stub.schemas import GroupOrder, Holder, OrderLine, OrderRequest
from backend_stub.services.orders import place_channel_order, prior_channel_order
from kiosk.domain.errors import RuleError
from kiosk.domain.ids import DocType, is_valid_phone, validate_document

GROUP_CHANNEL = "group"
MAX_GROUP = 200


def book_group(bk: Backend, body: GroupOrder, now: datetime) -> tuple[dict[str, Any], bool]:
    """Book a paid group order; (order, replayed). Idempotent by `group_ref`."""
    prior = prior_channel_order(bk, GROUP_CHANNEL, body.group_ref, now)
    if prior is not None:
        return prior, True
    guide = body.guide
    if not guide.name or not is_valid_phone(guide.phone):
        raise RuleError("group_invalid", "the guide needs a name and a mobile phone")
    if guide.doc_type == DocType.NONE:
        raise RuleError("group_invalid", "the guide needs an ID document")
    guide_number = validate_document(guide.doc_type, guide.doc_number)
    by_type: dict[str, list[Holder]] = defaultdict(list)
    for i, entry in enumerate(body.roster):
        if entry.doc_type == DocType.NONE or not entry.doc_number:
            raise RuleError("group_invalid", f"roster.{i}: an ID document for each member")
        holder = Holder(
            doc_type=entry.doc_type, doc_number=entry.doc_number, name=entry.name, phone=""
        )
        by_type[entry.ticket_type_id or body.ticket_type_id].append(holder)
    # built without the per-line limits a kiosk order has; place_order checks everything else
    lines = [
        OrderLine.model_construct(
            product_id=body.product_id,
            slot_id=body.slot_id,
            ticket_type_id=type_id,
            quantity=len(holders),
            holders=holders,
            parent_ticket_code=None,
        )
        for type_id, holders in by_type.items()
    ]
    req = OrderRequest.model_construct(
        lines=lines,
        buyer_phone=guide.phone,
        buyer_name=guide.name,
        coupon_code=None,
        member_id=None,
        points_to_redeem=0,
    )
    return place_channel_order(
        bk,
        req,
        now=now,
        channel=GROUP_CHANNEL,
        channel_order_id=body.group_ref,
        guide_doc_number=guide_number,
        max_per_product=MAX_GROUP,
    )
