"""The gate (检票): a ticket (by its code, or a real-name holder's ID number) checked at a named
gate, within its slot's entry window, once per entry; every admission recorded for in/out
counts; the gates themselves.

A gate admits one component (the main gate `ADM`, the cable car `CABLE`, the glass walkway
`GLASS`...). A ticket has one entry per component it includes (a bundle several, any other
ticket one) and each entry admits once. The entry window (settings `entry_early_minutes`
before the slot starts, `entry_late_minutes` after it ends) holds at a ticket's entrance, its
first component; a bundle's other parts admit all that day. An add-on passes only while its
parent ticket is valid, and after the parent has entered where its product says so.

A call without `gate_id` (the contract before gates) checks the day only and uses the
ticket's entrance; it is recorded under gate `""`.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from backend_stub.context import Backend
from backend_stub.services.catalog import get_slot, slot_end, slot_start
from backend_stub.services.order_state import ticket_by_code, ticket_view, used_entries
from backend_stub.services.personal_data import doc_hash
from backend_stub.services.seats import check_boarding
from kiosk.domain.catalog import HELD_STATUSES, component_at_gate
from kiosk.domain.errors import RuleError
from kiosk.domain.gate_rules import EntryWindow, check_entry_window, check_parent_at_gate


def gate_row(bk: Backend, gate_id: str) -> dict[str, Any]:
    gate = bk.store.one("SELECT * FROM gates WHERE id = ?", (gate_id.strip(),))
    if gate is None:
        raise RuleError("unknown_gate", gate_id)
    return gate


def _window(bk: Backend) -> EntryWindow:
    return EntryWindow(bk.settings.entry_early_minutes, bk.settings.entry_late_minutes)


def _components(bk: Backend, t: dict[str, Any]) -> tuple[str, ...]:
    product = bk.catalog().products.get(t["product_id"])
    return product.components if product else (t["product_id"],)


def _in_window(bk: Backend, t: dict[str, Any], now: datetime) -> bool:
    try:
        _check_window(bk, t, now)
    except RuleError:
        return False
    return True


def _check_window(bk: Backend, t: dict[str, Any], now: datetime) -> None:
    slot = get_slot(bk, t["slot_id"])
    check_entry_window(slot_start(slot), slot_end(slot), now, _window(bk))


def _ticket_for_holder(
    bk: Backend, id_number: str, gate: dict[str, Any] | None, now: datetime
) -> dict[str, Any]:
    """The holder's ticket for today with an unused entry at this gate (the one whose entry
    window is open, when there are several); ticket_used when the only ones are used there."""
    statuses = ",".join(f"'{s}'" for s in HELD_STATUSES)
    rows = bk.store.all(
        f"SELECT t.*, p.kind FROM tickets t JOIN products p ON p.id = t.product_id "
        f"JOIN slots s ON s.id = t.slot_id WHERE t.holder_doc_hash = ? AND t.date = ? "
        f"AND t.status IN ({statuses}) ORDER BY s.start, t.rowid",
        (doc_hash(bk, id_number), now.date().isoformat()),
    )
    fitting, used_here = [], False
    for t in rows:
        components = _components(bk, t)
        component = gate["component"] if gate else components[0]
        if component not in components:
            continue
        if component in used_entries(bk, t):
            used_here = True
            continue
        fitting.append((t, gate is not None and component == components[0]))
    if not fitting:
        raise RuleError("ticket_used" if used_here else "no_ticket_for_id")
    for t, windowed in fitting:
        if not windowed or _in_window(bk, t, now):
            return t
    return fitting[0][0]


def _check_status(t: dict[str, Any], now: datetime) -> None:
    if t["status"] == "refunded":
        raise RuleError("ticket_refunded")
    if t["status"] not in HELD_STATUSES:
        raise RuleError("ticket_not_issued")
    if date.fromisoformat(t["date"]) != now.date():
        raise RuleError("ticket_wrong_date", t["date"])


def _check_parent(bk: Backend, t: dict[str, Any]) -> None:
    parent = bk.store.one("SELECT * FROM tickets WHERE id = ?", (t["parent_ticket_id"],))
    if parent is None:
        raise RuleError("parent_not_valid")
    product = bk.catalog().products.get(t["product_id"])
    check_parent_at_gate(
        parent["status"],
        parent["date"],
        t["date"],
        needs_parent_entered=bool(product and product.requires_parent_entered),
        parent_entered=_components(bk, parent)[0] in used_entries(bk, parent),
    )


def verify(
    bk: Backend,
    now: datetime,
    *,
    code: str = "",
    id_number: str = "",
    gate_id: str = "",
    departure_id: str = "",
) -> dict[str, Any]:
    """Admit a ticket at a gate (its code, or its holder's ID number), then record it."""
    gate = gate_row(bk, gate_id) if gate_id else None
    if not code and not id_number:
        raise RuleError("verify_query_invalid")
    with bk.store.transaction():
        if code:
            t, via = ticket_by_code(bk, code), "code"
        else:
            t, via = _ticket_for_holder(bk, id_number, gate, now), "id_number"
        _check_status(t, now)
        check_boarding(bk, t, departure_id)  # a seat: this departure, boarded once
        components = _components(bk, t)
        component = component_at_gate(components, gate["component"] if gate else None)
        if component in used_entries(bk, t):
            raise RuleError("ticket_used")
        if gate is not None and component == components[0]:
            _check_window(bk, t, now)
        if t["parent_ticket_id"]:
            _check_parent(bk, t)
        bk.store.insert(
            "admissions",
            {
                "ticket_id": t["id"],
                "component": component,
                "gate_id": gate["id"] if gate else "",
                "direction": "in",
                "via": via,
                "day": now.date().isoformat(),
                "at": now.isoformat(),
            },
        )
        bk.store.run(
            "UPDATE tickets SET status = 'used', used_at = COALESCE(used_at, ?) WHERE id = ?",
            (now.isoformat(), t["id"]),
        )
        t = bk.store.one("SELECT * FROM tickets WHERE id = ?", (t["id"],))
    return {
        "admitted": True,
        "gate_id": gate["id"] if gate else None,
        "component": component,
        "via": via,
        "ticket": ticket_view(bk, t),
    }


def record_exits(bk: Backend, gate_id: str, people: int, now: datetime) -> dict[str, Any]:
    """People leaving through a gate (an exit turnstile counts; no ticket is checked)."""
    gate = gate_row(bk, gate_id)
    with bk.store.transaction():
        bk.store.insert(
            "admissions",
            {
                "ticket_id": None,
                "component": gate["component"],
                "gate_id": gate["id"],
                "direction": "out",
                "people": people,
                "day": now.date().isoformat(),
                "at": now.isoformat(),
            },
        )
    return {"gate_id": gate["id"], "out": people}


def gate_counts(bk: Backend, day: date) -> dict[str, Any]:
    """In/out counts per gate on `day` (every gate, including those with none)."""
    counts: dict[str, dict[str, int]] = {}
    for row in bk.store.all(
        "SELECT gate_id, direction, SUM(people) AS n FROM admissions WHERE day = ? "
        "GROUP BY gate_id, direction",
        (day.isoformat(),),
    ):
        counts.setdefault(row["gate_id"], {"in": 0, "out": 0})[row["direction"]] = row["n"]
    gates = []
    for gate in list_gates(bk):
        gates.append(gate | counts.pop(gate["id"], {"in": 0, "out": 0}))
    for gate_id, numbers in sorted(counts.items()):  # gates since removed; "" legacy calls
        gates.append({"id": gate_id, "component": None, "name": None} | numbers)
    return {
        "date": day.isoformat(),
        "gates": gates,
        "in": sum(g["in"] for g in gates),
        "out": sum(g["out"] for g in gates),
    }


def list_gates(bk: Backend) -> list[dict[str, Any]]:
    return [
        {
            "id": g["id"],
            "component": g["component"],
            "name": {"zh": g["name_zh"], "en": g["name_en"]},
        }
        for g in bk.store.all("SELECT * FROM gates ORDER BY id")
    ]


def set_gate(bk: Backend, gate_id: str, component: str, name_zh: str, name_en: str) -> dict:
    """Add or change a gate: which component it admits, and its name."""
    known = component in bk.catalog().component_names or component in bk.catalog().products
    if not known:
        raise RuleError("unknown_component", component)
    with bk.store.transaction():
        bk.store.run(
            "INSERT INTO gates (id, component, name_zh, name_en) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (id) DO UPDATE SET component = excluded.component, "
            "name_zh = excluded.name_zh, name_en = excluded.name_en",
            (gate_id, component, name_zh, name_en),
        )
    return next(g for g in list_gates(bk) if g["id"] == gate_id)
