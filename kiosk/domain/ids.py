"""ID documents: validation (GB 11643-1999 check digit, permit formats), birth date, masking."""

from __future__ import annotations

import re
from datetime import date
from enum import StrEnum

from kiosk.domain.errors import RuleError


class DocType(StrEnum):
    ID_CARD = "id_card"  # 居民身份证, 18 digits
    PASSPORT = "passport"  # 护照
    HK_MACAU_PERMIT = "hk_macau_permit"  # 港澳居民来往内地通行证 / 往来港澳通行证
    TAIWAN_PERMIT = "taiwan_permit"  # 台湾居民来往大陆通行证 (台胞证)
    FOREIGN_PERMANENT = "foreign_permanent"  # 外国人永久居留身份证
    NONE = "none"  # a child without a document: name + the buyer's phone


_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS = "10X98765432"
_PATTERNS: dict[DocType, re.Pattern[str]] = {
    # Chinese passports E/G + 8 digits, others 5-17 letters and digits
    DocType.PASSPORT: re.compile(r"^(?=.*\d)[A-Z0-9]{5,17}$"),
    # 回乡证 H/M + 8 or 10 digits; 往来港澳通行证 C + letter or digit + 7 digits
    DocType.HK_MACAU_PERMIT: re.compile(r"^([HM]\d{8}(\d{2})?|C[A-Z0-9]\d{7})$"),
    # 台胞证: 8 digits (since 2015) or the old 10 digits
    DocType.TAIWAN_PERMIT: re.compile(r"^(\d{8}|\d{10})$"),
    # old card: 3 letters + 12 digits
    DocType.FOREIGN_PERMANENT: re.compile(r"^[A-Z]{3}\d{12}$"),
}
_PHONE = re.compile(r"^1[3-9]\d{9}$")


def resident_id_check_char(first17: str) -> str:
    """The GB 11643-1999 check character for the first 17 digits of a resident ID."""
    if len(first17) != 17 or not first17.isascii() or not first17.isdigit():
        raise ValueError("need exactly 17 digits")
    total = sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True))
    return _CHECK_CHARS[total % 11]


def birth_date_from_id(number: str) -> date | None:
    """The birth date encoded in an 18-digit resident ID, or None when it is not a date."""
    if len(number) != 18 or not number[:17].isdigit():
        return None
    try:
        return date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return None


def is_valid_resident_id(number: str) -> bool:
    """18 characters, a real birth date not before 1900, and the right check character."""
    number = number.strip().upper()
    if len(number) != 18 or not number.isascii() or not number[:17].isdigit():
        return False
    born = birth_date_from_id(number)
    if born is None or born.year < 1900:
        return False
    return resident_id_check_char(number[:17]) == number[17]


def normalize_doc_number(number: str) -> str:
    return number.strip().upper().replace(" ", "")


def validate_document(doc_type: str, number: str) -> str:
    """Check a document number for its type; return it normalised or raise RuleError."""
    try:
        kind = DocType(doc_type)
    except ValueError:
        raise RuleError("invalid_document", f"unknown doc_type {doc_type!r}") from None
    number = normalize_doc_number(number)
    if kind is DocType.NONE:
        return ""
    if kind is DocType.ID_CARD:
        if not is_valid_resident_id(number):
            raise RuleError("invalid_id_number")
        return number
    if kind is DocType.FOREIGN_PERMANENT and len(number) == 18 and number.startswith("9"):
        # the 2023 card uses the resident-ID layout and check digit, starting with 9
        if not is_valid_resident_id(number):
            raise RuleError("invalid_document", "foreign permanent residence card")
        return number
    if not _PATTERNS[kind].match(number):
        raise RuleError("invalid_document", kind.value)
    return number


def birth_date_of(doc_type: str, number: str) -> date | None:
    """The birth date a document tells, where its number encodes one."""
    if doc_type in (DocType.ID_CARD, DocType.FOREIGN_PERMANENT) and len(number) == 18:
        return birth_date_from_id(number)
    return None


def age_on(born: date, on: date) -> int:
    """Whole years of age on the day `on`."""
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def is_valid_phone(phone: str) -> bool:
    return bool(_PHONE.match(phone.strip()))


def mask_id(number: str) -> str:
    """110101199003072375 -> 110***********2375; short numbers keep only their last 2."""
    number = number.strip()
    if len(number) >= 10:
        return number[:3] + "*" * (len(number) - 7) + number[-4:]
    if len(number) <= 2:
        return "*" * len(number)
    return "*" * (len(number) - 2) + number[-2:]


def mask_name(name: str) -> str:
    """张伟 -> 张*, 欧阳娜娜 -> 欧***, ZHANG Wei -> Z********."""
    name = name.strip()
    if not name:
        return ""
    return name[0] + "*" * (len(name) - 1) if len(name) > 1 else name + "*"


def mask_phone(phone: str) -> str:
    """13800138000 -> 138****8000."""
    phone = phone.strip()
    if len(phone) < 7:
        return "*" * len(phone)
    return phone[:3] + "*" * (len(phone) - 7) + phone[-4:]
