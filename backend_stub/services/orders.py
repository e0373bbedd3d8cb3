"""Placing an order: validate every line, price it on the server, bind each add-on to its
parent ticket (services.binding), hold the inventory."""

from __future__ import annotations

import secrets
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from backend_stub.catalog_model import Product, TicketType
from backend_stub.clock import epoch_of, iso, plus_seconds
from backend_stub.context import Backend
from backend_stub.schemas import OrderLine, OrderRequest
from backend_stub.services import idempotency
from backend_stub.services.binding import bind_addons, recheck_bound
from backend_stub.services.catalog import get_slot, slot_end, slot_prices, take_seats
from backend_stub.services.coupon_uses import coupon_uses
from backend_stub.services.holders import check_real_name_unique, holders_for, record_holders
from backend_stub.services.issuing import mark_order_paid
from backend_stub.services.limits import check_unpaid_caps
from backend_stub.services.members import change_points
from backend_stub.services.order_state import next_order_no, order_view, release_hold
from backend_stub.services.personal_data import buyer_columns, guide_columns
from backend_stub.services.possession import own_order
from backend_stub.services.price_rollouts import served_catalog
from backend_stub.services.seats import assign_seats, is_seat_conflict, record_seats
from backend_stub.stores import IntegrityError
from kiosk.domain.catalog import check_children_accompanied
from kiosk.domain.errors import RuleError
from kiosk.domain.ids import is_valid_phone
from kiosk.domain.pricing import Coupon, Quote, QuoteLine, allocate, quote
from kiosk.domain.refund_rules import collected_by_for

# the unique indexes a concurrent retry trips (SQLite names the columns, PostgreSQL the index)
CONCURRENT_RETRY = ("orders.idem_key", "orders.channel_order_id", "orders_idem", "orders_channel")


@dataclass
class PlannedTicket:
    product: Product
    ticket_type: TicketType
    slot: dict[str, Any]
    unit_fen: int
    holder: dict[str, str] = field(default_factory=dict)
    line_index: int = 0  # the order line it comes from
    id: str = field(default_factory=lambda: "t" + secrets.token_hex(5))
    parent_ticket_id: str | None = None  # an add-on: the ticket it hangs on (services.binding)
    seat: str = ""  # a seated ride: its seat and seat class (services.seats)
    seat_class: str = ""

    @property
    def product_id(self) -> str:
        return self.product.id

    @property
    def kind(self) -> str:
        return self.product.kind

    @property
    def day(self) -> str:
        return self.slot["date"]

    @property
    def is_child(self) -> bool:
        return self.ticket_type.is_child


def plan_tickets(
    bk: Backend,
    lines: list[OrderLine],
    now: datetime,
    max_per_product: int | None = None,
    kiosk_id: str | None = None,
) -> list[PlannedTicket]:
    """Check each line against the catalog and slots; the tickets the order will hold.
    `max_per_product` replaces the product's own limit (group orders). Priced by the catalog
    the kiosk is served (a canary kiosk's staged prices: services.price_rollouts)."""
    catalog = served_catalog(bk, kiosk_id, now)
    planned: list[PlannedTicket] = []
    per_product: Counter[str] = Counter()
    for index, line in enumerate(lines):
        product = catalog.products.get(line.product_id)
        if product is None:
            raise RuleError("unknown_product", line.product_id)
        tt = product.ticket_types.get(line.ticket_type_id)
        if tt is None:
            raise RuleError("unknown_ticket_type", line.ticket_type_id)
        slot = get_slot(bk, line.slot_id)
        if slot["product_id"] != product.id:
            raise RuleError("slot_product_mismatch", f"{slot['id']} / {product.id}")
        if now >= slot_end(slot) or slot.get("closed"):
            raise RuleError("slot_closed", slot["id"])
        per_product[product.id] += line.quantity
        limit = max_per_product or product.max_per_order
        if per_product[product.id] > limit:
            raise RuleError("too_many_tickets", f"at most {limit}")
        unit = slot_prices(product, slot)[tt.id]
        day = date.fromisoformat(slot["date"])
        for holder in holders_for(bk, line, product, tt, day, now):
            planned.append(PlannedTicket(product, tt, slot, unit, holder, index))
    check_real_name_unique(bk, planned)
    _check_children(planned)
    return planned


def _check_children(planned: list[PlannedTicket]) -> None:
    children: Counter[tuple[str, str]] = Counter()
    adults: Counter[tuple[str, str]] = Counter()
    for t in planned:
        if t.product.child_needs_adult:
            key = (t.product.id, t.slot["date"])
            (children if t.ticket_type.is_child else adults)[key] += 1
    for key, count in children.items():
        check_children_accompanied(count, adults[key])


def _coupon(bk: Backend, code: str) -> Coupon:
    row = bk.store.one("SELECT * FROM coupons WHERE code = ?", (code.strip().upper(),))
    if row is None or row.get("active") == 0:  # switched off on the console
        raise RuleError("coupon_invalid")
    return Coupon(
        code=row["code"],
        kind=row["kind"],
        value=row["value"],
        min_spend_fen=row["min_spend_fen"],
        product_ids=frozenset(x for x in (row["product_ids"] or "").split(",") if x),
        valid_from=datetime.fromisoformat(row["valid_from"]) if row["valid_from"] else None,
        valid_until=datetime.fromisoformat(row["valid_until"]) if row["valid_until"] else None,
    )


@dataclass
class PricedOrder:
    """An order request checked and priced: the tickets it would hold, the member, the coupon
    and the quote (kiosk.domain.pricing). What `POST /orders/quote` answers and what
    `place_order` charges come from this one function."""

    planned: list[PlannedTicket]
    member: dict[str, Any] | None
    coupon: Coupon | None
    quote: Quote
    coupon_uses_limit: int = 0


def price_order(
    bk: Backend,
    req: OrderRequest,
    now: datetime,
    max_per_product: int | None = None,
    kiosk_id: str | None = None,
) -> PricedOrder:
    """Check every line, bind add-ons, find the member and the coupon, and price the order;
    RuleError for anything refused (the same refusals an order would get)."""
    planned = plan_tickets(bk, req.lines, now, max_per_product, kiosk_id)
    bind_addons(bk, req, planned)
    assign_seats(bk, req, planned, now)  # seated: each ticket's seat, its class's fare
    member, tier_percent = None, 0
    if req.member_id:
        member = bk.store.one(
            "SELECT m.*, t.discount_percent FROM members m JOIN tiers t ON t.code = m.tier "
            "WHERE m.id = ?",
            (req.member_id.strip().upper(),),
        )
        if member is None:
            raise RuleError("member_not_found")
        tier_percent = member["discount_percent"]
    elif req.points_to_redeem:
        raise RuleError("points_need_member")
    coupon = _coupon(bk, req.coupon_code) if req.coupon_code else None
    lines = [QuoteLine(t.product.id, t.ticket_type.id, t.unit_fen, 1) for t in planned]
    q = quote(
        lines,
        now=now,
        member_discount_percent=tier_percent,
        coupon=coupon,
        points_to_redeem=req.points_to_redeem,
        points_balance=member["points"] if member else 0,
    )
    uses_limit = check_coupon_left(bk, coupon.code) if coupon else 0
    return PricedOrder(planned, member, coupon, q, uses_limit)


def check_coupon_left(bk: Backend, code: str) -> int:
    """coupon_used_up when a coupon with a use limit (`usage_limit` > 0) is on that many live
    orders (services.coupon_uses: held, paid or refunded); its limit."""
    row = bk.store.one("SELECT usage_limit FROM coupons WHERE code = ?", (code,))
    limit = int(row["usage_limit"] or 0) if row else 0
    if limit > 0 and coupon_uses(bk, code) >= limit:
        raise RuleError("coupon_used_up")
    return limit


def request_hash(bk: Backend, req: OrderRequest) -> str:
    """What an Idempotency-Key's request is compared by: a keyed hash (the body holds ID
    numbers and phones, and a plain hash of it could be tested against guesses)."""
    return bk.personal_keys.digest("order_request", req.model_dump_json())[:32]


def place_order(
    bk: Backend,
    req: OrderRequest,
    *,
    now: datetime,
    kiosk_id: str | None,
    idem_key: str | None,
    channel: str = "kiosk",
    channel_order_id: str | None = None,
    paid_by_channel: bool = False,
    order_no: str | None = None,
    guide_doc_number: str = "",
    max_per_product: int | None = None,
    collected_by: str = "",
) -> tuple[dict[str, Any], bool]:
    """Validate, price and hold an order; (order, replayed). Retrying with the same
    Idempotency-Key returns the first order and holds nothing more. `collected_by`: who took
    the money, when the channel says (default: by channel, refund_rules.collected_by_for)."""
    digest = request_hash(bk, req)
    prior_id = idempotency.prior_order_id(bk, kiosk_id, idem_key, digest)
    if prior_id is not None:
        return order_view(bk, prior_id, now), True
    if req.buyer_phone and not is_valid_phone(req.buyer_phone):
        raise RuleError("invalid_phone", "buyer_phone")
    priced = price_order(bk, req, now, max_per_product, kiosk_id)
    planned, member, coupon, q = priced.planned, priced.member, priced.coupon, priced.quote
    shares = allocate(q.total_fen, [t.unit_fen for t in planned])
    order_id = "o" + secrets.token_hex(8)
    expires = plus_seconds(now, bk.settings.hold_seconds)
    store = bk.store
    try:
        with store.transaction(
            durable=q.total_fen == 0 or paid_by_channel,
            touches=_touches(bk, req, planned, kiosk_id, member, coupon) if kiosk_id else None,
        ):
            if kiosk_id is not None and not paid_by_channel and q.total_fen > 0:
                check_unpaid_caps(bk, kiosk_id, _people(bk, req, planned), len(planned), now)
            if priced.coupon_uses_limit and coupon:  # under the write lock: no race past it
                check_coupon_left(bk, coupon.code)
            # in slot order: two orders for the same slots lock their rows in one order (no
            # deadlock between writers that run side by side on PostgreSQL)
            for slot_id, count in sorted(Counter(t.slot["id"] for t in planned).items()):
                take_seats(bk, slot_id, count)
            store.insert(
                "orders",
                {
                    "id": order_id,
                    "order_no": order_no or next_order_no(bk),
                    "status": "held",
                    "channel": channel,
                    "collected_by": collected_by_for(channel, collected_by),
                    "channel_order_id": channel_order_id,
                    "kiosk_id": kiosk_id,
                    "idem_key": idem_key or None,
                    "request_hash": digest,
                    **buyer_columns(bk, req.buyer_phone, req.buyer_name),
                    **guide_columns(bk, guide_doc_number),
                    "member_id": member["id"] if member else None,
                    "coupon_code": coupon.code if coupon else None,
                    "subtotal_fen": q.subtotal_fen,
                    "member_discount_fen": q.member_discount_fen,
                    "coupon_discount_fen": q.coupon_discount_fen,
                    "points_used": q.points_used,
                    "points_discount_fen": q.points_discount_fen,
                    "total_fen": q.total_fen,
                    "created_at": now.isoformat(),
                    "expires_at": iso(expires),
                    "expires_epoch": epoch_of(expires),
                },
            )
            store.run_many(
                "INSERT INTO tickets (id, order_id, product_id, slot_id, date, ticket_type_id, "
                "unit_fen, paid_fen, status, holder_doc_type, holder_doc_hash, holder_doc_masked, "
                "holder_doc_sealed, holder_name, holder_phone_hash, holder_phone_sealed, "
                "parent_ticket_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'held', ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        t.id,
                        order_id,
                        t.product.id,
                        t.slot["id"],
                        t.slot["date"],
                        t.ticket_type.id,
                        t.unit_fen,
                        share,
                        t.holder.get("holder_doc_type", ""),
                        t.holder.get("holder_doc_hash", ""),
                        t.holder.get("holder_doc_masked", ""),
                        t.holder.get("holder_doc_sealed", ""),
                        t.holder.get("holder_name", ""),
                        t.holder.get("holder_phone_hash", ""),
                        t.holder.get("holder_phone_sealed", ""),
                        t.parent_ticket_id,
                    )
                    for t, share in zip(planned, shares, strict=True)
                ],
            )
            recheck_bound(bk, planned)
            record_seats(bk, planned)
            record_holders(bk, order_id, planned, kiosk_id, now)
            if q.points_used and member:
                change_points(bk, member["id"], -q.points_used, "redeem", order_id, now)
            if q.total_fen == 0 or paid_by_channel:
                mark_order_paid(bk, order_id, now)
    except IntegrityError as exc:
        if is_seat_conflict(str(exc)):
            raise RuleError("seat_taken") from exc  # another kiosk took the seat just now
        if "tickets" in str(exc) or "holder_doc_hash" in str(exc):
            raise RuleError("duplicate_real_name") from exc
        if any(name in str(exc) for name in CONCURRENT_RETRY):  # a concurrent retry won
            prior_id = idempotency.prior_order_id(bk, kiosk_id, idem_key, digest)
            if prior_id is None:
                raise RuleError("idempotency_conflict") from exc
            return order_view(bk, prior_id, now), True
        raise
    return order_view(bk, order_id, now), False


def _touches(
    bk: Backend,
    req: OrderRequest,
    planned: list[PlannedTicket],
    kiosk_id: str,
    member: dict[str, Any] | None,
    coupon: Coupon | None,
) -> list[str]:
    """What a kiosk's order decides on inside its transaction (stores' `touches`): the kiosk's
    and each named person's unpaid caps, the parents its add-ons bind to, the member's points,
    the coupon's uses. Seats (a conditional UPDATE), the real-name rule, Idempotency-Keys and
    order numbers (unique indexes) hold by themselves."""
    names = [f"kiosk:{kiosk_id}", *(f"person:{h}" for h in _people(bk, req, planned))]
    names += [f"ticket:{t.parent_ticket_id}" for t in planned if t.parent_ticket_id]
    names += [f"member:{member['id']}"] if member else []
    return names + ([f"coupon:{coupon.code}"] if coupon else [])


def _people(bk: Backend, req: OrderRequest, planned: list[PlannedTicket]) -> list[str]:
    """The keyed hashes of every phone and document an order names (the unpaid-hold caps)."""
    found = [buyer_columns(bk, req.buyer_phone, "")["buyer_phone_hash"]]
    for t in planned:
        found += [t.holder.get("holder_doc_hash", ""), t.holder.get("holder_phone_hash", "")]
    return [h for h in dict.fromkeys(found) if h]


def prior_channel_order(
    bk: Backend, channel: str, channel_order_id: str, now: datetime
) -> dict[str, Any] | None:
    """The order a channel already sent under its own order id (the channel's idempotency
    key), or None."""
    prior = bk.store.one(
        "SELECT id FROM orders WHERE channel = ? AND channel_order_id = ?",
        (channel, channel_order_id),
    )
    return order_view(bk, prior["id"], now) if prior is not None else None


def place_channel_order(
    bk: Backend,
    req: OrderRequest,
    *,
    now: datetime,
    channel: str,
    channel_order_id: str,
    **options: Any,
) -> tuple[dict[str, Any], bool]:
    """An order that arrives paid from a channel (OTA, group booking, the demo seed): no kiosk,
    no Idempotency-Key (the channel's order id is the key)."""
    return place_order(
        bk,
        req,
        now=now,
        kiosk_id=None,
        idem_key=None,
        channel=channel,
        channel_order_id=channel_order_id,
        paid_by_channel=True,
        **options,
    )


def cancel_order(bk: Backend, order_id: str, now: datetime, *, kiosk_id: str) -> dict[str, Any]:
    """The kiosk that holds an unpaid order gives it up (the tourist left, or the kiosk restarted
    after a crash with the payment reversed): seats, points and its place under the unpaid caps
    come back at once instead of when the hold would expire. Idempotent: an order already
    cancelled or expired answers as it is. A payment still waiting for the customer must be
    reversed first (409 payment_in_progress); a paid order is refunded, not cancelled."""
    own_order(bk, order_id, kiosk_id, now)
    with bk.store.transaction(durable=True):
        order = bk.store.one("SELECT status FROM orders WHERE id = ?", (order_id,))
        if order is None:
            raise RuleError("order_not_found")
        if order["status"] == "held":
            waiting = bk.store.one(
                "SELECT 1 FROM payments WHERE order_id = ? AND status = 'userpaying'", (order_id,)
            )
            if waiting is not None:
                raise RuleError("payment_in_progress")
            release_hold(bk, order_id, now, "cancelled")
        elif order["status"] not in ("cancelled", "expired"):
            raise RuleError("order_not_cancellable")
    return order_view(bk, order_id, now)
