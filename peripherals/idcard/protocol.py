"""What the flows use of an ID card reader."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from peripherals.status import DeviceStatus


@dataclass(frozen=True)
class IdCardData:
    # "resident" (居民身份证), "foreign_permanent" (外国人永久居留身份证),
    # "gat_residence" (港澳台居民居住证)
    doc_type: str
    name: str
    sex: str  # "男"/"女" (or "M"/"F" on foreigners' cards)
    ethnicity: str  # 民族 for residents; nationality code for foreigners
    birth_date: str  # YYYYMMDD
    address: str
    id_number: str
    authority: str
    valid_from: str  # YYYYMMDD
    valid_until: str  # YYYYMMDD or "长期"
    photo: bytes = b""  # the raw (WLT) photo block as read
    english_name: str = ""


class IdCardReader(Protocol):
    def status(self) -> DeviceStatus: ...

    def read_card(self) -> IdCardData | None:
        """Find, select and read the card on the reader; None when no card is there."""
        ...

    def close(self) -> None: ...
