"""Seats on departures (座位): the seat map a kiosk draws, the seats an order takes, boarding,
a rebooked ticket's new seat of the same class, a member's rides and saved travellers.

A seat is the ticket's `seat` column; the unique index `tickets_seat_once` (migration 9) over
live tickets (held, issued, printed, used) lets one seat of a departure be held or sold once,
whatever the number of kiosks or backend workers: the loser of a race gets 409 `seat_taken`.
A hold that expires or is cancelled turns its tickets `void` (services.order_state), which
frees their seats with the rest of the hold.

Pricing: a seat costs its ticket type's fare (the slot's price of adult, child, senior... by
the existing eligibility rules) plus its class's extra fare (kiosk.domain.seats)."""

from __future__ import annotations

import secrets
from collections import defaultdict
from datetime import datetime
from typing import Any, Protocol

from backend_stub.context import Backend
from backend_stub.schemas import OrderRequest
from backend_stub.services.departures import (
    departs_at,
    departure_view,
    get_departure,
    vehicle_layout,
)
from backend_stub.services.personal_data import DOC, doc_hash, sealed_columns
from kiosk.domain.errors import RuleError
from kiosk.domain.ids import mask_id, mask_name, validate_document
from kiosk.domain.seats import (
    FREE,
    HELD,
    SEAT_STATUSES,
    SEATED,
    TAKEN,
    Layout,
    best_seats,
    class_fares,
)

_LIVE = ",".join(f"'{s}'" for s in SEAT_STATUSES)


class Planned(Protocol):
    """What seating needs of a ticket being placed (orders.PlannedTicket)."""

    id: str
    unit_fen: int
    line_index: int
    slot: dict[str, Any]
    seat: str
    seat_class: str

    @property
    def kind(self) -> str: ...


def occupied(bk: Backend, dep_id: str) -> dict[str, str]:
    """Seat -> `held` or `taken` on a departure."""
    rows = bk.store.all(
        f"SELECT seat, status FROM tickets WHERE slot_id = ? AND seat != '' "
        f"AND status IN ({_LIVE})",
        (dep_id,),
    )
    return {r["seat"]: HELD if r["status"] == "held" else TAKEN for r in rows}


def seat_map(bk: Backend, dep_id: str, now: datetime) -> dict[str, Any]:
    """A departure's seats (free, held, taken; class; row and column) and each class's fare
    per ticket type."""
    dep = get_departure(bk, dep_id)
    view = departure_view(bk, dep, now)
    layout = vehicle_layout(bk, dep["vehicle_type_id"])
    states = occupied(bk, dep_id)
    types = bk.catalog().products[dep["product_id"]].ticket_types
    fares = class_fares(layout, view["prices"])
    return {
        "departure": view,
        "layout": {
            "rows": layout.last_row,
            "width": layout.width,
            "aisle": _aisle_x(layout),
            "spec": layout_spec(layout),  # what kiosk.domain.seats.parse_layout reads
        },
        "classes": [
            {
                "code": c.code,
                "name": {"zh": c.name_zh, "en": c.name_en},
                "extra_fen": c.extra_fen,
                "fares": fares[c.code],
            }
            for c in layout.classes.values()
        ],
        "ticket_types": [
            {
                "id": t.id,
                "code": t.code,
                "name": {"zh": t.name_zh, "en": t.name_en},
                "is_child": t.is_child,
                "eligibility": t.eligibility.as_dict(),
            }
            for t in types.values()
        ],
        "seats": [
            {
                "seat": s.label,
                "row": s.row,
                "x": s.x,
                "seat_class": s.seat_class,
                "window": s.window,
                "state": states.get(s.label, FREE),
            }
            for s in layout.seats
        ],
        "free": sum(1 for s in layout.seats if s.label not in states),
    }


def layout_spec(layout: Layout) -> dict[str, Any]:
    return {
        "rows": layout.rows,
        "pattern": layout.pattern,
        "back_row": layout.back_row,
        "front_rows": layout.front_rows,
        "classes": {
            c.code: {"zh": c.name_zh, "en": c.name_en, "extra_fen": c.extra_fen}
            for c in layout.classes.values()
        },
    }


def _aisle_x(layout: Layout) -> list[int]:
    return [x for x, c in enumerate(layout.pattern) if c == "_"]


def assign_seats(bk: Backend, req: OrderRequest, planned: list[Planned], now: datetime) -> None:
    """Before an order is priced: a seat for each ticket of a seated product (`seat`,
    `seat_class`) — the line's `seats` in order, or else the best free ones (of the line's
    `seat_class`), a party's side by side — and its class's extra fare added to the ticket's
    price. Written inside the order's transaction by `record_seats`."""
    taken_here: dict[str, set[str]] = defaultdict(set)
    unseated: dict[tuple[str, str], list[Planned]] = defaultdict(list)
    layouts: dict[str, Layout] = {}
    for index, line in enumerate(req.lines):
        mine = [t for t in planned if t.line_index == index and t.kind == SEATED]
        if not mine:
            if line.seats:
                raise RuleError("not_seated", line.product_id)
            continue
        dep = get_departure(bk, line.slot_id)
        if now >= departs_at(dep):
            raise RuleError("departure_departed", dep["id"])
        layout = layouts.setdefault(dep["id"], vehicle_layout(bk, dep["vehicle_type_id"]))
        if not line.seats:
            unseated[(dep["id"], line.seat_class)] += mine
            continue
        if len(line.seats) != len(mine):
            raise RuleError("seats_mismatch", f"{len(mine)} tickets, {len(line.seats)} seats")
        states = occupied(bk, dep["id"])
        for t, label in zip(mine, line.seats, strict=True):
            seat = layout.seat(label)
            if seat.label in states or seat.label in taken_here[dep["id"]]:
                raise RuleError("seat_taken", seat.label)
            taken_here[dep["id"]].add(seat.label)
            t.seat, t.seat_class = seat.label, seat.seat_class
    for (dep_id, seat_class), tickets in unseated.items():
        layout = layouts[dep_id]
        states = occupied(bk, dep_id)
        free = [s.label for s in layout.seats if s.label not in states.keys() | taken_here[dep_id]]
        chosen = best_seats(layout, free, len(tickets), seat_class)
        if not chosen:
            raise RuleError("seats_not_enough" if seat_class else "sold_out", dep_id)
        for t, label in zip(tickets, chosen, strict=True):
            taken_here[dep_id].add(label)
            t.seat, t.seat_class = label, layout.seat(label).seat_class
    for t in planned:
        if t.seat:
            t.unit_fen += layouts[t.slot["id"]].classes[t.seat_class].extra_fen


def record_seats(bk: Backend, planned: list[Planned]) -> None:
    """Inside the order's transaction, after its tickets are written: their seats (the
    unique index refuses a seat another live ticket has: IntegrityError -> seat_taken)."""
    rows = [(t.seat, t.seat_class, t.id) for t in planned if t.seat]
    if rows:
        bk.store.run_many("UPDATE tickets SET seat = ?, seat_class = ? WHERE id = ?", rows)


def is_seat_conflict(message: str) -> bool:
    """Whether a store's IntegrityError is the seat index's (SQLite names the columns,
    PostgreSQL the index)."""
    return "tickets.seat" in message or "tickets_seat_once" in message


# -- rebooking: the same class on the new departure --------------------------------------


def kept_class_extra(bk: Backend, t: dict[str, Any], new_slot: dict[str, Any]) -> int:
    """The extra fare of a seated ticket's class on the departure it moves to (0 unseated)."""
    if not t.get("seat_class"):
        return 0
    layout = vehicle_layout(bk, get_departure(bk, new_slot["id"])["vehicle_type_id"])
    seat_class = layout.classes.get(t["seat_class"])
    if seat_class is None:
        raise RuleError("seats_not_enough", t["seat_class"])
    return seat_class.extra_fen


def seat_for_move(bk: Backend, t: dict[str, Any], new_slot: dict[str, Any]) -> str:
    """Inside the rebooking's transaction: a free seat of the ticket's class on the new
    departure, next to a seat its order already has there when one is free ('' unseated)."""
    if not t.get("seat"):
        return ""
    dep = get_departure(bk, new_slot["id"])
    layout = vehicle_layout(bk, dep["vehicle_type_id"])
    states = occupied(bk, dep["id"])
    free = [s for s in layout.seats if s.label not in states and s.seat_class == t["seat_class"]]
    mates = bk.store.all(
        "SELECT seat FROM tickets WHERE order_id = ? AND slot_id = ? AND seat != ''",
        (t["order_id"], dep["id"]),
    )
    near = {m["seat"] for m in mates}
    for s in free:
        if any(layout.seat(m).row == s.row and abs(layout.seat(m).x - s.x) == 1 for m in near):
            return s.label
    chosen = best_seats(layout, [s.label for s in free], 1, t["seat_class"])
    if not chosen:
        raise RuleError("seats_not_enough", t["seat_class"])
    return chosen[0]


# -- boarding ------------------------------------------------------------------------------


def check_boarding(bk: Backend, t: dict[str, Any], departure_id: str) -> None:
    """At a vehicle's door (`departure_id` given) or for any seated ticket: the ticket is for
    this departure and has not boarded yet."""
    if departure_id and t["slot_id"] != departure_id.strip():
        raise RuleError(
            "wrong_departure",
            f"{t['slot_id']} {t.get('seat') or ''}".strip(),
        )
    if departure_id and not t.get("seat"):
        raise RuleError("wrong_departure", "no seat")
    if t.get("seat") and t["status"] == "used":
        raise RuleError("already_boarded", f"{t['seat']} {t['used_at'] or ''}".strip())


# -- riders: a member's past rides and saved travellers -------------------------------------


def rides_of(bk: Backend, member_id: str, now: datetime, limit: int = 10) -> list[dict]:
    """A member's seated rides, latest first: route, date, seats and their classes."""
    rows = bk.store.all(
        "SELECT t.slot_id, t.seat, t.seat_class, t.ticket_type_id, o.order_no FROM tickets t "
        "JOIN orders o ON o.id = t.order_id WHERE o.member_id = ? AND t.seat != '' "
        "AND t.status IN ('issued', 'printed', 'used') ORDER BY t.date DESC, t.slot_id DESC",
        (member_id.strip().upper(),),
    )
    rides: dict[str, dict[str, Any]] = {}
    for r in rows:
        ride = rides.get(r["order_no"] + r["slot_id"])
        if ride is None:
            try:
                dep = departure_view(bk, get_departure(bk, r["slot_id"]), now)
            except RuleError:
                continue
            ride = rides[r["order_no"] + r["slot_id"]] = {
                "departure": dep, "order_no": r["order_no"], "seats": [],
            }  # fmt: skip
        ride["seats"].append(
            {
                "seat": r["seat"],
                "seat_class": r["seat_class"],
                "ticket_type_id": r["ticket_type_id"],
            }
        )
    return list(rides.values())[:limit]


def _member(bk: Backend, member_id: str) -> str:
    row = bk.store.one("SELECT id FROM members WHERE id = ?", (member_id.strip().upper(),))
    if row is None:
        raise RuleError("member_not_found")
    return row["id"]


def save_traveller(
    bk: Backend, member_id: str, doc_type: str, doc_number: str, name: str, now: datetime
) -> dict[str, Any]:
    """Keep a rider of a member (by ID card): the number sealed and found by its keyed hash
    (services.personal_data), the name masked. Saving the same document again refreshes it."""
    member = _member(bk, member_id)
    number = validate_document(doc_type, doc_number, now.date())
    if not number:
        raise RuleError("invalid_request", "a traveller is saved by an ID document")
    cols = sealed_columns(bk.personal_keys, DOC, number, "doc")
    with bk.store.transaction():
        bk.store.run(
            "INSERT INTO saved_travellers (id, member_id, name, doc_type, doc_hash, doc_masked, "
            "doc_sealed, created_at, last_used_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (member_id, doc_hash) DO UPDATE SET name = excluded.name, "
            "last_used_at = excluded.last_used_at",
            ("tr" + secrets.token_hex(5), member, mask_name(name), doc_type, cols["doc_hash"],
             cols["doc_masked"], cols["doc_sealed"], now.isoformat(), now.isoformat()),
        )  # fmt: skip
    row = bk.store.one(
        "SELECT * FROM saved_travellers WHERE member_id = ? AND doc_hash = ?",
        (member, doc_hash(bk, number)),
    )
    assert row is not None
    return traveller_view(row)


def traveller_view(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "name": mask_name(row["name"] or ""),
        "doc_type": row["doc_type"],
        "doc_number": mask_id(row["doc_masked"] or ""),
        "last_used_at": row["last_used_at"],
    }


def riders(bk: Backend, member_id: str, now: datetime) -> dict[str, Any]:
    """What makes a member's next booking faster: past rides (route, party, seat class) and
    saved travellers (masked)."""
    member = _member(bk, member_id)
    saved = bk.store.all(
        "SELECT * FROM saved_travellers WHERE member_id = ? ORDER BY last_used_at DESC, id",
        (member,),
    )
    return {
        "member_id": member,
        "rides": rides_of(bk, member, now),
        "travellers": [traveller_view(r) for r in saved],
    }
