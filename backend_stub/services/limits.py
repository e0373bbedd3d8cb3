"""Limits against abuse with a kiosk's token (finding 5): rate limits on lookups, gate checks
and staff PINs, and caps on unpaid holds. Every number is in `Settings.limits`
(settings.LimitSettings; CLI flags in server.py).

- **Rates** (token buckets, backend_stub.rate_limiter): pickup and parent lookups per kiosk and
  per ID number / phone / order number named; gate checks per gate token and per ID number;
  staff PIN tries per kiosk. Over the rate: 429 `rate_limited` with `Retry-After`. Per address
  for the ops API and for failed sign-ins: backend_stub.request_limits.
- **Caps on unpaid holds**, checked inside the transaction that takes the seats: at most
  `max_unpaid_orders_per_kiosk` held orders per kiosk, and `max_unpaid_tickets_per_kiosk`
  tickets in them (one order alone may hold more), and `max_unpaid_orders_per_person` held
  orders naming one phone or ID number (its keyed hash). Over a cap: 429
  `too_many_unpaid_orders` / `too_many_unpaid_for_person`, with `Retry-After` = when the
  oldest of those holds expires. Paid orders are never capped.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import datetime

from backend_stub.clock import epoch_of
from backend_stub.context import Backend
from backend_stub.rate_limiter import Rate
from backend_stub.services.personal_data import doc_hash, phone_hash
from kiosk.domain.errors import RuleError


def retry_after(seconds: float) -> int:
    """Whole seconds to tell a client to wait (at least 1)."""
    return max(1, math.ceil(seconds))


def refuse(code: str, wait: float, detail: str = "", detail_zh: str = "") -> RuleError:
    """A 429 error whose answer carries `Retry-After` (http_errors reads `retry_after_s`)."""
    seconds = retry_after(wait)
    return RuleError(
        code,
        f"{detail}; retry in {seconds} s" if detail else f"retry in {seconds} s",
        detail_zh=f"{detail_zh}，{seconds}秒后再试" if detail_zh else f"{seconds}秒后再试",
        extra={"retry_after_s": seconds},
    )


def check_rate(bk: Backend, bucket: str, key: str, rate: Rate) -> None:
    """Take one call from `key`'s bucket; 429 `rate_limited` when it is empty."""
    wait = bk.limiter.take(bucket, key, rate)
    if wait > 0:
        raise refuse("rate_limited", wait)


def person_keys(
    bk: Backend, *, id_number: str = "", phone: str = "", order_no: str = ""
) -> list[str]:
    """The keys a lookup is limited by besides its kiosk: the keyed hashes of the ID number and
    phone it names (never the clear values: buckets may move to the database), and the order
    number."""
    keys = []
    if id_number.strip():
        keys.append("doc:" + doc_hash(bk, id_number))
    if phone.strip():
        keys.append("phone:" + phone_hash(bk, phone))
    if order_no.strip():
        keys.append("order:" + order_no.strip().upper())
    return keys


def check_lookup(bk: Backend, kiosk_id: str, people: Iterable[str] = ()) -> None:
    """A pickup or parents lookup (`GET /pickup`, `GET /parents`): per kiosk, per person."""
    limits = bk.settings.limits
    check_rate(bk, "lookup_kiosk", kiosk_id, limits.lookup_per_kiosk)
    for key in people:
        check_rate(bk, "lookup_person", key, limits.lookup_per_person)


def check_verify(bk: Backend, kiosk_id: str, id_number: str = "") -> None:
    """A gate check (`POST /tickets/verify`): per gate token; by ID card, per ID number."""
    limits = bk.settings.limits
    check_rate(bk, "verify_kiosk", kiosk_id, limits.verify_per_kiosk)
    for key in person_keys(bk, id_number=id_number):
        check_rate(bk, "verify_person", key, limits.verify_per_person)


def check_staff_pin_rate(bk: Backend, kiosk_id: str) -> None:
    """A staff PIN try (`POST /staff/verify`) from one kiosk (lockouts: services.staff_pins)."""
    check_rate(bk, "staff_pin_kiosk", kiosk_id, bk.settings.limits.staff_pin_per_kiosk)


def check_unpaid_caps(
    bk: Backend, kiosk_id: str, people: list[str], new_tickets: int, now: datetime
) -> None:
    """Inside the transaction that places an unpaid order: the kiosk's held orders and tickets,
    and the held orders naming any of `people` (keyed hashes of phones and documents), stay
    under their caps with this order."""
    limits, store, at = bk.settings.limits, bk.store, epoch_of(now)
    mine = store.one(
        "SELECT COUNT(*) AS n, MIN(expires_epoch) AS first, (SELECT COUNT(*) FROM tickets t "
        " JOIN orders h ON h.id = t.order_id WHERE h.kiosk_id = ? AND h.status = 'held' "
        " AND h.expires_epoch > ?) AS tickets "
        "FROM orders WHERE kiosk_id = ? AND status = 'held' AND expires_epoch > ?",
        (kiosk_id, at, kiosk_id, at),
    )
    if mine["n"] >= limits.max_unpaid_orders_per_kiosk:
        raise refuse(
            "too_many_unpaid_orders",
            mine["first"] - at,
            f"at most {limits.max_unpaid_orders_per_kiosk} unpaid orders per kiosk",
            f"每台最多{limits.max_unpaid_orders_per_kiosk}笔未支付订单",
        )
    if mine["tickets"] and mine["tickets"] + new_tickets > limits.max_unpaid_tickets_per_kiosk:
        raise refuse(  # one order alone may be bigger (each product's max_per_order bounds it)
            "too_many_unpaid_orders",
            mine["first"] - at,
            f"at most {limits.max_unpaid_tickets_per_kiosk} unpaid tickets per kiosk",
            f"每台最多{limits.max_unpaid_tickets_per_kiosk}张未支付门票",
        )
    if not people:
        return
    marks = ",".join("?" * len(people))
    theirs = store.one(  # three indexed lookups (orders_phone_key, tickets_*_key)
        "SELECT COUNT(*) AS n, MIN(expires_epoch) AS first FROM orders "
        "WHERE status = 'held' AND expires_epoch > ? AND id IN ("
        f" SELECT id FROM orders WHERE buyer_phone_hash IN ({marks})"
        f" UNION SELECT order_id FROM tickets WHERE holder_doc_hash IN ({marks})"
        f" UNION SELECT order_id FROM tickets WHERE holder_phone_hash IN ({marks}))",
        (at, *people, *people, *people),
    )
    if theirs["n"] >= limits.max_unpaid_orders_per_person:
        raise refuse(
            "too_many_unpaid_for_person",
            theirs["first"] - at,
            f"at most {limits.max_unpaid_orders_per_person} unpaid orders per phone or ID",
            f"每个手机号或证件最多{limits.max_unpaid_orders_per_person}笔未支付订单",
        )
