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
    name: str  # Chinese name; on a foreigner's card without one, the English name
    sex: str  # "男"/"女" on every card type (decoded from the GB/T 2261.1 code 1/2)
    ethnicity: str  # 民族 for residents; nationality code (e.g. "USA") for foreigners
    birth_date: str  # YYYYMMDD
    address: str
    id_number: str
    authority: str  # 签发机关; on a foreigner's 2017 card the authority's code
    valid_from: str  # YYYYMMDD
    valid_until: str  # YYYYMMDD or "长期"
    photo: bytes = b""  # the raw (WLT) photo block as read
    english_name: str = ""
    permit_number: str = ""  # 通行证号码 (HK/Macau/Taiwan residence permit)
    issue_count: str = ""  # 签发次数 (residence permit); 换证次数 (2023 foreign card)
    card_version: str = ""  # 证件版本 (foreign permanent residence card)
    type_flag: str = ""  # 证件类型标识 as read: "" resident, "I"/"Y" foreign, "J" permit
    fingerprint: bytes = b""  # fingerprint block, only when read with fingerprint

    def __repr__(self) -> str:
        # Masked, so a stray log of the object never leaks a person's data.
        from peripherals.idcard.privacy import mask_id, mask_name

        return (
            f"IdCardData(doc_type={self.doc_type!r}, name={mask_name(self.name)!r}, "
            f"id_number={mask_id(self.id_number)!r}, photo={len(self.photo)} bytes)"
        )


class IdCardReader(Protocol):
    def status(self) -> DeviceStatus: ...

    def read_card(self) -> IdCardData | None:
        """Find, select and read the card on the reader; None when no card is there."""
        ...

    def close(self) -> None: ...
