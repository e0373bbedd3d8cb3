"""Gate rules (检票): a slot's entry window, and what an add-on's parent ticket must be for the
add-on to pass. Which entry of a ticket a gate uses is in kiosk.domain.catalog."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from kiosk.domain.catalog import HELD_STATUSES
from kiosk.domain.errors import RuleError


@dataclass(frozen=True)
class EntryWindow:
    """How long before its slot starts and after it ends a ticket enters at its entrance."""

    early_minutes: int = 30
    late_minutes: int = 60

    def opens(self, slot_start: datetime) -> datetime:
        return slot_start - timedelta(minutes=self.early_minutes)

    def closes(self, slot_end: datetime) -> datetime:
        return slot_end + timedelta(minutes=self.late_minutes)


def check_entry_window(
    slot_start: datetime, slot_end: datetime, now: datetime, window: EntryWindow
) -> None:
    """ticket_too_early before the window opens, ticket_too_late after it closes."""
    opens, closes = window.opens(slot_start), window.closes(slot_end)
    if now < opens:
        raise RuleError(
            "ticket_too_early", f"entry from {opens:%H:%M}", detail_zh=f"{opens:%H:%M}起"
        )
    if now > closes:
        raise RuleError(
            "ticket_too_late", f"entry until {closes:%H:%M}", detail_zh=f"至{closes:%H:%M}"
        )


def check_parent_at_gate(
    parent_status: str,
    parent_date: str,
    addon_date: str,
    *,
    needs_parent_entered: bool,
    parent_entered: bool,
) -> None:
    """An add-on passes only while its parent ticket is valid for the add-on's day
    (parent_not_valid: refunded, voided or moved), and, where the add-on's product says so,
    once the parent has been through its entrance (parent_not_entered)."""
    if parent_status not in HELD_STATUSES or parent_date != addon_date:
        raise RuleError("parent_not_valid")
    if needs_parent_entered and not parent_entered:
        raise RuleError("parent_not_entered")
