"""Catalog rules: product kinds, parent/child (父子票) tickets and their binding, a ticket's
entries (one per component of a bundle), eligibility by age."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from kiosk.domain.errors import RuleError
from kiosk.domain.ids import age_on

ADMISSION = "admission"
ADDON = "addon"
BUNDLE = "bundle"
KINDS = (ADMISSION, ADDON, BUNDLE)
# kinds whose ticket lets its holder buy an add-on of the same date
PARENT_KINDS = (ADMISSION, BUNDLE)
# ticket statuses that still count as holding a ticket (used: the holder is in the park)
HELD_STATUSES = ("issued", "printed", "used")
# ticket statuses that take up a place on a parent ticket (a hold too: it may be paid)
BOUND_STATUSES = ("held", "issued", "printed", "used")
# add-on tickets of one product a parent ticket carries, unless the product says otherwise
DEFAULT_ADDONS_PER_PARENT = 1


@dataclass(frozen=True)
class Eligibility:
    """Who may buy a ticket type; ages are inclusive, None means no bound."""

    min_age: int | None = None
    max_age: int | None = None
    needs_proof: str = ""  # e.g. "student_card", checked by staff at the gate

    def as_dict(self) -> dict[str, object]:
        return {"min_age": self.min_age, "max_age": self.max_age, "needs_proof": self.needs_proof}


def is_eligible(rule: Eligibility, born: date | None, on: date) -> bool:
    """Whether a visitor born on `born` may use the ticket type on `on`; no birth date: yes
    (the gate checks proof), unless the rule has an age bound and a birth date is known."""
    if born is None:
        return True
    age = age_on(born, on)
    if rule.min_age is not None and age < rule.min_age:
        return False
    return not (rule.max_age is not None and age > rule.max_age)


def check_eligible(rule: Eligibility, born: date | None, on: date) -> None:
    if not is_eligible(rule, born, on):
        bounds = f"age {rule.min_age or 0}-{rule.max_age if rule.max_age is not None else ''}"
        raise RuleError("not_eligible", bounds.rstrip("-"))


@dataclass(frozen=True)
class HeldTicket:
    """A ticket someone holds, as far as the parent/child rule cares."""

    product_id: str
    kind: str
    date: date
    status: str


def is_parent_for(ticket: HeldTicket, parent_product_id: str | None, on: date) -> bool:
    """Whether `ticket` lets its holder buy an add-on needing `parent_product_id` on `on`.

    A bundle includes admission, so it serves any add-on whose parent is an admission."""
    if ticket.date != on or ticket.status not in HELD_STATUSES:
        return False
    if parent_product_id is None or ticket.product_id == parent_product_id:
        return ticket.kind in PARENT_KINDS
    return ticket.kind == BUNDLE


def require_parent(
    parent_product_id: str | None, on: date, held: Iterable[HeldTicket], in_order: int = 0
) -> None:
    """Raise parent_ticket_required unless a held ticket or a parent line in the same order
    (`in_order` > 0 tickets) covers the add-on."""
    if in_order > 0:
        return
    if any(is_parent_for(t, parent_product_id, on) for t in held):
        return
    raise RuleError("parent_ticket_required")


def check_children_accompanied(children: int, adults: int) -> None:
    """One child per accompanying adult ticket, where the product requires it."""
    if children > adults:
        raise RuleError("child_needs_adult")


@dataclass(frozen=True)
class ParentCandidate:
    """A ticket an add-on could hang on, and how many add-ons of the product it carries."""

    ticket_id: str
    doc_number: str = ""
    is_child: bool = False
    bound: int = 0


def choose_parent(
    candidates: Iterable[ParentCandidate], limit: int, doc_number: str = "", is_child: bool = False
) -> str:
    """The parent ticket an add-on ticket binds to: the first with room (fewer than `limit`
    add-ons of the product), preferring the add-on holder's own ticket, then one of the same
    kind of visitor (a child's ride on a child's admission). addon_limit_reached when every
    candidate is full, parent_ticket_required when there is none."""
    pool = list(candidates)
    if not pool:
        raise RuleError("parent_ticket_required")
    free = [c for c in pool if c.bound < limit]
    if not free:
        raise RuleError("addon_limit_reached", f"at most {limit} per admission ticket")

    def rank(c: ParentCandidate) -> tuple[bool, bool]:
        return (not (doc_number and c.doc_number == doc_number), c.is_child != is_child)

    return min(free, key=rank).ticket_id  # min is stable: the first of equals


def components_of(product_id: str, kind: str, includes: Iterable[str] = ()) -> tuple[str, ...]:
    """What a ticket admits to, one entry each: a bundle's components (admission first), or
    the product itself. The first is the ticket's entrance (where the entry window holds)."""
    parts = tuple(x for x in includes if x)
    return parts if kind == BUNDLE and parts else (product_id,)


def component_at_gate(components: tuple[str, ...], gate_component: str | None) -> str:
    """Which entry of a ticket a gate admitting `gate_component` uses (no named gate: the
    entrance); ticket_wrong_gate when the ticket has no such entry."""
    if gate_component is None:
        return components[0]
    if gate_component not in components:
        raise RuleError("ticket_wrong_gate", f"this gate admits {gate_component}")
    return gate_component
