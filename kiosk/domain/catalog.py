"""Catalog rules: product kinds, parent/child (父子票) tickets, eligibility by age."""

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
