"""After-sales rules: refund fee by hours before the slot starts, rebooking cut-off, and who
refunds an order: only what a kiosk took is refunded at a kiosk (渠道)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from kiosk.domain.errors import RuleError

REFUNDABLE_STATUSES = ("issued", "printed")

# who took an order's money (`collected_by`)
KIOSK = "kiosk"  # a kiosk of the area: refunded at a kiosk
CHANNEL = "channel"  # an OTA or the area's mini-program: refunded there, which tells us
AGENCY = "agency"  # a travel agency, invoiced / paid offline: refunded by the agency
COLLECTORS = (KIOSK, CHANNEL, AGENCY)
AGENCY_CHANNELS = frozenset({"group"})  # a guide's group order is the agency's
# the error that tells a tourist where to ask for the refund, by channel
REFUND_AT = {
    "meituan": "refund_at_meituan",
    "ctrip": "refund_at_ctrip",
    "fliggy": "refund_at_fliggy",
    "miniprogram": "refund_at_miniprogram",
}


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


def collected_by_for(channel: str, stated: str = "") -> str:
    """Who took the money of an order from `channel` (`stated` by the channel, if it says)."""
    if stated in COLLECTORS:
        return stated
    if channel == KIOSK:
        return KIOSK
    return AGENCY if channel in AGENCY_CHANNELS else CHANNEL


def refund_elsewhere(collected_by: str, channel: str) -> RuleError:
    """The refusal that names where an order a kiosk did not take is refunded."""
    code = (
        "refund_at_agency"
        if collected_by == AGENCY
        else REFUND_AT.get(channel, "refund_at_channel")
    )
    return RuleError(code, extra={"channel": channel, "collected_by": collected_by})


def check_refund_here(collected_by: str, channel: str) -> None:
    """A kiosk gives back only money a kiosk took."""
    if collected_by != KIOSK:
        raise refund_elsewhere(collected_by, channel)


def check_rebook_money_here(collected_by: str, channel: str, due_fen: int, back_fen: int) -> None:
    """A rebooking of an order a kiosk did not take may move no money at the kiosk: money back
    is refunded where it was paid, a difference to pay is paid there (rebook_elsewhere)."""
    if collected_by == KIOSK:
        return
    if back_fen > 0:
        raise refund_elsewhere(collected_by, channel)
    if due_fen > 0:
        raise RuleError(
            "rebook_elsewhere", extra={"channel": channel, "collected_by": collected_by}
        )
