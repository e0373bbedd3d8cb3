"""What the flows use of an ID card reader, and the card it hands over (as read: unmasked)."""

from __future__ import annotations

import base64
from dataclasses import asdict, dataclass
from typing import Any, Protocol

from peripherals.redaction import redact
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
    # the card chip's serial number (证/卡芯片序列号, 8 bytes as hex) that the SAM's select
    # command answered with; "" when the reader gave none. Tells two cards apart without
    # reading them (the watcher's "still the same card?"); not printed or shown
    chip_serial: str = ""

    def __repr__(self) -> str:
        # Redacted, so a stray log of the object never leaks a person's data.
        return (
            f"IdCardData(doc_type={self.doc_type!r}, name={redact(self.name, 1, 0)!r}, "
            f"id_number={redact(self.id_number, 3, 4)!r}, photo={len(self.photo)} bytes)"
        )

    def as_dict(self) -> dict[str, Any]:
        """The card as JSON-ready data, as read (unmasked): the photo as base64, photo and
        fingerprint by length. What the kiosk may show of it is the kiosk's to decide
        (kiosk.idcard_view.card_as_dict masks it)."""
        out: dict[str, Any] = asdict(self)
        photo: bytes = out.pop("photo")
        fingerprint: bytes = out.pop("fingerprint")
        out["photo_length"] = len(photo)
        out["fingerprint_length"] = len(fingerprint)
        out["photo_base64"] = base64.b64encode(photo).decode("ascii")
        return out


class IdCardReader(Protocol):
    def status(self) -> DeviceStatus: ...

    def read_card(self) -> IdCardData | None:
        """Find, select and read the card on the reader; None when no card is there."""
        ...

    def close(self) -> None: ...
