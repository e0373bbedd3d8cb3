"""The backend's settings (set from the command line in server.py)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Settings:
    hold_seconds: int = 300
    rebook_fee_fen: int = 0  # per ticket, when rebooking less than 24 h before its slot
    ops_token: str = "demo-ops-token"
    area_name_zh: str = "云台山风景区"
    area_name_en: str = "Yuntai Mountain Scenic Area"
    entry_early_minutes: int = 30  # a named gate admits this long before the slot starts
    entry_late_minutes: int = 60  # ... and this long after it ends
    clock_offset_seconds: float = 0.0  # tests and demos: the backend's clock runs this far off
    calendar_days: int = 60  # slot templates keep slots generated this many days ahead
    staff_grant_seconds: int = 300  # how long a supervisor's authorisation (no document) lasts
    staff_grant_roles: tuple[str, ...] = ("supervisor",)  # roles that may allow no document
