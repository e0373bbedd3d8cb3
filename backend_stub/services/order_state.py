"""An order's life after placing: loading and viewing it (with who took its money, and each
ticket's entries), finding a ticket by its code, signing its tickets, expiring it (marking it
paid is in services.issuing).

A view carries the tickets' gate codes only when asked (`with_codes`): the answer to the kiosk
printing the order (services.possession decides who that is); every other answer leaves them
out."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime
from typing import Any

from backend_stub.clock import epoch_of
from backend_stub.context import Backend
from backend_stub.services.members import change_points
from backend_stub.services.personal_data import clear_order
from kiosk.domain.code_kinds import ORDER_QR_PREFIX
from kiosk.domain.errors import RuleError
from kiosk.domain.ids import mask_id, mask_name, mask_phone
from kiosk.domain.order_numbers import new_order_no
from kiosk.domain.refund_rules import KIOSK, collected_by_for
from kiosk.domain.ticket_code import TicketClaims, TicketCodeError, verify_ticket

PAID_STATUSES = ("paid", "partially_refunded")
PRINTABLE = ("issued", "printed")  # a ticket whose code goes to the kiosk printing it


def load_order(bk: Backend, order_id: str, now: datetime) -> dict[str, Any]:
    """The order row, expiring its hold first if that is due."""
    order = bk.store.one("SELECT * FROM orders WHERE id = ?", (order_id,))
    if order is None:
        raise RuleError("order_not_found")
    if order["status"] == "held" and order["expires_epoch"] <= epoch_of(now):
        with bk.store.transaction():
            expire_order(bk, order_id, now)
        order = bk.store.one("SELECT * FROM orders WHERE id = ?", (order_id,))
    return order


def collected_by(order: dict[str, Any]) -> str:
    """Who took the order's money: `kiosk`, `channel` (an OTA, the mini-program) or `agency`."""
    return order.get("collected_by") or collected_by_for(order["channel"])


def ticket_by_code(bk: Backend, code: str) -> dict[str, Any]:
    """The stored ticket a signed code names (with its product's `kind`); ticket_invalid for
    a forged or outdated code."""
    try:
        claims = verify_ticket(code, bk.keys.key_set(bk.today()))
    except TicketCodeError as exc:
        raise RuleError("ticket_invalid") from exc
    row = bk.store.one(
        "SELECT t.*, p.kind FROM tickets t JOIN products p ON p.id = t.product_id WHERE t.id = ?",
        (claims.ticket_id,),
    )
    if row is None or row["code"] != code.strip():
        raise RuleError("ticket_invalid")
    return row


def used_entries(bk: Backend, t: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The entries of a ticket used so far: component -> {at, gate_id}. A ticket marked used
    before entries were recorded has used its entrance."""
    if t["status"] != "used":
        return {}
    rows = bk.store.all(
        "SELECT component, at, gate_id FROM admissions WHERE ticket_id = ? AND direction = 'in'",
        (t["id"],),
    )
    if not rows:
        product = bk.catalog().products.get(t["product_id"])
        first = product.components[0] if product and product.components else t["product_id"]
        return {first: {"at": t["used_at"], "gate_id": ""}}
    return {r["component"]: {"at": r["at"], "gate_id": r["gate_id"]} for r in rows}


def _entries_view(bk: Backend, t: dict[str, Any], components: tuple[str, ...]) -> list[dict]:
    names = bk.catalog().component_names
    used = used_entries(bk, t)
    return [
        {
            "component": c,
            "name": names.get(c),
            "used": c in used,
            "used_at": used[c]["at"] if c in used else None,
            "gate_id": used[c]["gate_id"] if c in used else None,
        }
        for c in components
    ]


def ticket_view(bk: Backend, t: dict[str, Any], *, with_code: bool = False) -> dict[str, Any]:
    """A ticket as clients see it; `t` may carry its slot's `start` and `end` (joined).
    `with_code`: its gate code too, if it is printable (only toward the kiosk printing it)."""
    catalog = bk.catalog()
    product = catalog.products.get(t["product_id"])
    tt = catalog.ticket_types.get(t["ticket_type_id"])
    if "start" in t:
        slot = {"start": t["start"], "end": t["end"]}
    else:
        slot = bk.store.one('SELECT start, "end" FROM slots WHERE id = ?', (t["slot_id"],)) or {}
    view: dict[str, Any] = {
        "id": t["id"],
        "status": t["status"],
        "product_id": t["product_id"],
        "product_name": {"zh": product.name_zh, "en": product.name_en} if product else None,
        "kind": product.kind if product else None,
        "ticket_type_id": t["ticket_type_id"],
        "ticket_type_name": {"zh": tt.name_zh, "en": tt.name_en} if tt else None,
        "date": t["date"],
        "slot_id": t["slot_id"],
        "start": slot.get("start"),
        "end": slot.get("end"),
        "unit_fen": t["unit_fen"],
        "paid_fen": t["paid_fen"],
        "refunded_fen": t["refunded_fen"],
        "holder": holder_view(t),
        "printed_count": t["printed_count"],
        "used_at": t["used_at"],
        "parent_ticket_id": t.get("parent_ticket_id"),
        "seat": t.get("seat") or None,  # seated departures (services.seats)
        "seat_class": t.get("seat_class") or None,
        "entries": _entries_view(bk, t, product.components if product else (t["product_id"],)),
    }
    if with_code and t["status"] in PRINTABLE and t["code"]:
        view["code"] = t["code"]
    return view


def holder_view(t: dict[str, Any]) -> dict[str, Any]:
    """A ticket's holder, masked; an adult let through without a document says so."""
    view: dict[str, Any] = {
        "doc_type": t["holder_doc_type"],
        "doc_number": mask_id(t["holder_doc_masked"] or ""),
        "name": mask_name(t["holder_name"] or ""),
    }
    if t.get("holder_nationality"):
        view["nationality"] = t["holder_nationality"]
    if t.get("doc_waived_by"):
        view["doc_waived_by"] = t["doc_waived_by"]
        view["note"] = {"zh": "无证件·工作人员放行", "en": "No document, allowed by staff"}
    return view


def order_view(
    bk: Backend,
    order_id: str,
    now: datetime,
    *,
    with_codes: bool = False,
    loaded: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """An order as clients see it; `with_codes` only for the kiosk printing it. `loaded`: its
    row from `load_order` just now (one query fewer)."""
    o = loaded if loaded is not None else load_order(bk, order_id, now)
    tickets = bk.store.all(
        'SELECT t.*, s.start, s."end" FROM tickets t LEFT JOIN slots s ON s.id = t.slot_id '
        "WHERE t.order_id = ? ORDER BY t.rowid",
        (o["id"],),
    )
    view: dict[str, Any] = {
        "id": o["id"],
        "order_no": o["order_no"],
        "status": o["status"],
        "channel": o["channel"],
        "channel_order_id": o["channel_order_id"],
        "collected_by": collected_by(o),
        "refundable_at_kiosk": collected_by(o) == KIOSK,
        "order_qr": f"{ORDER_QR_PREFIX}{o['order_no']}",
        "subtotal_fen": o["subtotal_fen"],
        "member_discount_fen": o["member_discount_fen"],
        "coupon_discount_fen": o["coupon_discount_fen"],
        "coupon_code": o["coupon_code"],
        "points_used": o["points_used"],
        "points_discount_fen": o["points_discount_fen"],
        "points_earned": o["points_earned"],
        "total_fen": o["total_fen"],
        "refunded_fen": o["refunded_fen"],
        "member_id": o["member_id"],
        "buyer_phone": mask_phone(o["buyer_phone_masked"] or ""),
        "created_at": o["created_at"],
        "expires_at": o["expires_at"] if o["status"] == "held" else None,
        "paid_at": o["paid_at"],
        "kind": o["kind"],
        "tickets": [ticket_view(bk, t, with_code=with_codes) for t in tickets],
    }
    if o["kind"] == "rebook":
        items = bk.store.all(
            "SELECT ticket_id, from_slot_id, to_slot_id, new_unit_fen, fee_fen, balance_fen "
            "FROM rebook_items WHERE order_id = ? ORDER BY rowid",
            (o["id"],),
        )
        view["rebook"] = {"order_id": o["rebook_of"], "items": items}
    if o["guide_doc_masked"]:
        view["guide"] = {
            "name": mask_name(o["buyer_name"] or ""),
            "doc_number": mask_id(o["guide_doc_masked"]),
        }
    return view


def sign_ticket_row(bk: Backend, t: dict[str, Any]) -> str:
    claims = TicketClaims(
        t["id"], t["product_id"], date.fromisoformat(t["date"]), t["slot_id"], t["ticket_type_id"]
    )
    return bk.keys.sign(claims)


def next_order_no(bk: Backend) -> str:
    """Inside a transaction: a new random order number (kiosk.domain.order_numbers) that no
    order has, whatever its channel."""
    while True:
        order_no = new_order_no()
        if bk.store.one("SELECT 1 FROM orders WHERE order_no = ?", (order_no,)) is None:
            return order_no


def expire_order(bk: Backend, order_id: str, now: datetime) -> bool:
    """Inside a transaction: end a hold whose time ran out, give back its inventory and points;
    its personal data goes (services.personal_data)."""
    return release_hold(bk, order_id, now, "expired")


def release_hold(bk: Backend, order_id: str, now: datetime, status: str) -> bool:
    """Inside a transaction: end an unpaid hold as `status` (expired, or cancelled by the kiosk
    that holds it): seats and points back, a payment still waiting cancelled, personal data
    cleared. False when the order is not held."""
    order = bk.store.one("SELECT * FROM orders WHERE id = ? AND status = 'held'", (order_id,))
    if order is None:
        return False
    tickets = bk.store.all(
        "SELECT slot_id FROM tickets WHERE order_id = ? UNION ALL "
        "SELECT to_slot_id FROM rebook_items WHERE order_id = ?",
        (order_id, order_id),
    )
    for slot_id, count in Counter(t["slot_id"] for t in tickets).items():
        bk.store.run("UPDATE slots SET remaining = remaining + ? WHERE id = ?", (count, slot_id))
    bk.store.run("UPDATE tickets SET status = 'void' WHERE order_id = ?", (order_id,))
    bk.store.run(
        "UPDATE orders SET status = ?, expires_epoch = NULL WHERE id = ?", (status, order_id)
    )
    bk.store.run(
        "UPDATE payments SET status = CASE WHEN gateway = 'simulator' THEN 'cancelled'"
        " ELSE 'reversing' END, next_query_epoch = 0, failure_code = ?, updated_at = ?"
        " WHERE order_id = ? AND status = 'userpaying'",  # a provider's: reversed (issue 15)
        (f"order_{status}", now.isoformat(), order_id),
    )
    if order["points_used"] and order["member_id"]:
        reason = "hold_expired" if status == "expired" else "hold_cancelled"
        change_points(bk, order["member_id"], order["points_used"], reason, order_id, now)
    clear_order(bk.store, order_id, now)
    return True


def expire_due_holds(bk: Backend, now: datetime, limit: int = 200) -> int:
    """Expire every hold past its time (called by the server's sweeper); how many."""
    due = bk.store.all(
        "SELECT id FROM orders WHERE status = 'held' AND expires_epoch <= ? LIMIT ?",
        (epoch_of(now), limit),
    )
    if not due:
        return 0
    with bk.store.transaction():
        return sum(expire_order(bk, row["id"], now) for row in due)
