"""Parent/child binding (父子票) kept after the sale: which parent ticket each add-on ticket
hangs on, at most N add-ons of one product per parent, and the add-ons a parent takes along
when it is refunded or moved.

At sale an add-on ticket binds to a parent that is valid on its date: the ticket named by the
line's `parent_ticket_code`, or else an admission (or bundle) of the same order, or one held by
a holder's ID number / phone or the buyer's phone. The binding is checked again inside the
transaction that writes the tickets, so two kiosks selling at once cannot overfill a parent.
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any, Protocol

from backend_stub.context import Backend
from backend_stub.schemas import OrderLine, OrderRequest
from backend_stub.services.catalog import get_slot
from backend_stub.services.order_state import ticket_by_code
from backend_stub.services.personal_data import doc_hash, phone_hash
from kiosk.domain.catalog import (
    BOUND_STATUSES,
    HELD_STATUSES,
    PARENT_KINDS,
    HeldTicket,
    ParentCandidate,
    choose_parent,
    is_parent_for,
    require_parent,
)
from kiosk.domain.errors import RuleError
from kiosk.domain.seats import SEATED


class Planned(Protocol):
    """What binding needs of a ticket being placed (orders.PlannedTicket)."""

    id: str
    parent_ticket_id: str | None
    holder: dict[str, str]
    line_index: int

    @property
    def product_id(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def day(self) -> str: ...
    @property
    def is_child(self) -> bool: ...


def held_parent_tickets(
    bk: Backend, day: date, doc_numbers: list[str], phones: list[str]
) -> list[dict[str, Any]]:
    """Tickets of admission kinds held (paid) for `day` by any of these documents or phones
    (found by their keyed hashes, services.personal_data)."""
    docs = [doc_hash(bk, n) for n in doc_numbers if n.strip()]
    phone_hashes = [phone_hash(bk, p) for p in phones if p.strip()]
    if not docs and not phone_hashes:
        return []
    conds, params = [], [day.isoformat()]
    if docs:
        conds.append(f"t.holder_doc_hash IN ({','.join('?' * len(docs))})")
        params += docs
    if phone_hashes:
        marks = ",".join("?" * len(phone_hashes))
        conds.append(f"t.holder_phone_hash IN ({marks}) OR o.buyer_phone_hash IN ({marks})")
        params += phone_hashes + phone_hashes
    kinds = ",".join(f"'{k}'" for k in PARENT_KINDS)
    statuses = ",".join(f"'{s}'" for s in HELD_STATUSES)
    return bk.store.all(
        f"SELECT t.*, p.kind FROM tickets t JOIN orders o ON o.id = t.order_id "
        f"JOIN products p ON p.id = t.product_id WHERE t.date = ? AND ({' OR '.join(conds)}) "
        f"AND p.kind IN ({kinds}) AND t.status IN ({statuses}) ORDER BY t.id",
        params,
    )


def _bound_counts(bk: Backend, parent_ids: list[str], product_id: str) -> Counter[str]:
    """How many add-on tickets of `product_id` each of these parents carries already."""
    if not parent_ids:
        return Counter()
    marks = ",".join("?" * len(parent_ids))
    statuses = ",".join(f"'{s}'" for s in BOUND_STATUSES)
    rows = bk.store.all(
        f"SELECT parent_ticket_id AS id, COUNT(*) AS n FROM tickets WHERE product_id = ? "
        f"AND parent_ticket_id IN ({marks}) AND status IN ({statuses}) GROUP BY parent_ticket_id",
        [product_id, *parent_ids],
    )
    return Counter({r["id"]: r["n"] for r in rows})


def _held_candidates(
    bk: Backend, req: OrderRequest, line: OrderLine, day: date
) -> list[dict[str, Any]]:
    """Stored tickets that may be this line's parents: the one named, or those held by the
    order's people (any line's holders: a child's add-on line hangs on the adult's ticket
    found by the adult's ID card), or the buyer's phone."""
    if line.parent_ticket_code:
        return [ticket_by_code(bk, line.parent_ticket_code)]
    people = [h for each in req.lines for h in each.holders]
    docs = [h.doc_number for h in people if h.doc_number]
    phones = [p for p in [req.buyer_phone, *(h.phone for h in people)] if p]
    return held_parent_tickets(bk, day, docs, phones)


def bind_addons(bk: Backend, req: OrderRequest, planned: list[Planned]) -> None:
    """Give every add-on ticket of the order its parent ticket (`parent_ticket_id`), or refuse:
    parent_ticket_required without a valid parent that day, addon_limit_reached when every
    parent already carries as many of the product as it may."""
    catalog = bk.catalog()
    taken: Counter[tuple[str, str]] = Counter()  # (parent, product) -> bound in this order
    for index, line in enumerate(req.lines):
        mine = [p for p in planned if p.line_index == index]
        product = catalog.products[line.product_id]
        if product.kind != "addon" and not (product.kind == SEATED and product.parent_product_id):
            continue  # a seated ride is an add-on where its product names a parent
        day = date.fromisoformat(get_slot(bk, line.slot_id)["date"])
        in_order = [
            p
            for p in planned
            if p.kind in PARENT_KINDS
            and is_parent_for(
                HeldTicket(p.product_id, p.kind, date.fromisoformat(p.day), "issued"),
                product.parent_product_id,
                day,
            )
        ]
        rows = _held_candidates(bk, req, line, day)
        held = [
            HeldTicket(r["product_id"], r["kind"], date.fromisoformat(r["date"]), r["status"])
            for r in rows
        ]
        if line.parent_ticket_code:  # the ticket shown must be a parent itself
            require_parent(product.parent_product_id, day, held)
            in_order = []
        wanted = product.parent_product_id
        rows = [r for r, h in zip(rows, held, strict=True) if is_parent_for(h, wanted, day)]
        require_parent(product.parent_product_id, day, held, len(in_order))
        stored = _bound_counts(bk, [r["id"] for r in rows], product.id)
        pool = [(p.id, p.holder.get("holder_doc_hash", ""), p.is_child) for p in in_order]
        pool += [
            (r["id"], r["holder_doc_hash"] or "", _is_child(bk, r["ticket_type_id"])) for r in rows
        ]
        for ticket in mine:
            candidates = [
                ParentCandidate(pid, doc, child, stored[pid] + taken[(pid, product.id)])
                for pid, doc, child in pool
            ]
            chosen = choose_parent(
                candidates,
                product.addons_per_parent,
                ticket.holder.get("holder_doc_hash", ""),
                ticket.is_child,
            )
            ticket.parent_ticket_id = chosen
            taken[(chosen, product.id)] += 1


def _is_child(bk: Backend, ticket_type_id: str) -> bool:
    tt = bk.catalog().ticket_types.get(ticket_type_id)
    return bool(tt and tt.is_child)


def recheck_bound(bk: Backend, planned: list[Planned]) -> None:
    """Inside the transaction that wrote the order's tickets: no parent carries more add-ons
    of a product than it may (a concurrent sale on the same parent loses here)."""
    catalog = bk.catalog()
    pairs = {(p.parent_ticket_id, p.product_id) for p in planned if p.parent_ticket_id}
    for parent_id, product_id in pairs:
        limit = catalog.products[product_id].addons_per_parent
        if _bound_counts(bk, [parent_id], product_id)[parent_id] > limit:
            raise RuleError("addon_limit_reached", f"at most {limit} per admission ticket")


def addons_of(bk: Backend, parent_ids: list[str]) -> list[dict[str, Any]]:
    """The paid add-on tickets hanging on these parents, not refunded (used ones included)."""
    if not parent_ids:
        return []
    marks = ",".join("?" * len(parent_ids))
    statuses = ",".join(f"'{s}'" for s in HELD_STATUSES)
    return bk.store.all(
        f"SELECT * FROM tickets WHERE parent_ticket_id IN ({marks}) "
        f"AND status IN ({statuses}) ORDER BY rowid",
        parent_ids,
    )


def check_addons_can_go(addons: list[dict[str, Any]]) -> None:
    """A parent is refunded (or moved to another day) only with all its add-ons: addon_used
    while one of them has been used."""
    used = [a["id"] for a in addons if a["status"] == "used"]
    if used:
        raise RuleError("addon_used", ", ".join(used))
