"""After-sales rules: refund fee by hours before the slot starts, rebooking cut-off."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from kiosk.domain.errors import RuleError

REFUNDABLE_STATUSES = ("issued", "printed")


@dataclass(frozen=True)
class RefundPolicy:
    # (at least this many hours before the slot starts, fee percent), most generous first
    tiers: tuple[tuple[float, int], ...] = ((24.0, 0), (2.0, 10), (0.0, 20))


@dataclass(frozen=True)
class RebookPolicy:
    cutoff_hours: float = 2.0  # no rebooking later than this before the original slot
    fee_fen: int = 0
    fee_free_hours: float = 24.0  # no fee when rebooking at least this long before
    policy_note: str = field(default="", compare=False)


def check_ticket_changeable(status: str) -> None:
    if status == "used":
        raise RuleError("ticket_used")
    if status == "refunded":
        raise RuleError("ticket_refunded")
    if status not in REFUNDABLE_STATUSES:
        raise RuleError("ticket_not_issued")


def hours_before(slot_start: datetime, now: datetime) -> float:
    return (slot_start - now).total_seconds() / 3600


def refund_fee_fen(
    paid_fen: int, slot_start: datetime, now: datetime, policy: RefundPolicy | None = None
) -> int:
    """The fee kept when refunding a ticket paid `paid_fen` for a slot starting at
    `slot_start`; refund_too_late once the slot has started."""
    policy = policy or RefundPolicy()
    ahead = hours_before(slot_start, now)
    for min_hours, percent in policy.tiers:
        if ahead >= min_hours:
            return paid_fen * percent // 100
    raise RuleError("refund_too_late")


def rebook_fee_fen(slot_start: datetime, now: datetime, policy: RebookPolicy | None = None) -> int:
    """The fee for moving a ticket whose slot starts at `slot_start`; rebook_too_late after
    the cut-off."""
    policy = policy or RebookPolicy()
    ahead = hours_before(slot_start, now)
    if ahead < policy.cutoff_hours:
        raise RuleError("rebook_too_late")
    return 0 if ahead >= policy.fee_free_hours else policy.fee_fen


def rebook_balance_fen(old_unit_fen: int, new_unit_fen: int, fee_fen: int) -> int:
    """What the visitor pays (positive) or gets back (negative) when moving a ticket."""
    return new_unit_fen - old_unit_fen + fee_fen
