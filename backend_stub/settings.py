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
