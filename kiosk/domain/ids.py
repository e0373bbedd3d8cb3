"""ID documents: the types a holder may show, each with its own format check and error
(GB 11643-1999 check digit where the number has one), the birth date a number encodes, masking.

Document types (`doc_type`), as an order's holder carries them end to end:

- `id_card` (the reader says `resident`), 居民身份证: 18 digits, GB 11643 check character.
- `foreign_permanent`, 外国人永久居留身份证: the old card 3 letters + 12 digits
  (`USA110080051501`: nationality, place, birth YYMMDD, sequence); the 2023 card 18 digits
  starting 9 with the check character.
- `gat_residence`, 港澳台居民居住证: 18 digits starting 810000 / 820000 / 830000, check character.
- `hk_macau_permit`, 港澳居民来往内地通行证: H or M + 8 or 10 digits.
- `taiwan_permit`, 台湾居民来往大陆通行证 (台胞证): 8 digits, or 10 letters and digits (8+ digits).
- `passport`, 护照: 5-17 letters and digits (at least one digit); nationality optional (ISO
  3166-1 alpha-3).
- `none`: no document: a child (name + the buyer's phone), or an adult a supervisor allowed.

The ID card reader hands over `resident`, `foreign_permanent` and `gat_residence`
(peripherals.idcard IdCardData.doc_type); those names are accepted as they are (`resident`
is stored as `id_card`). A birth date later than today is refused on every type that has one.
"""

from __future__ import annotations

import re
from datetime import date
from enum import StrEnum

from kiosk.domain.errors import RuleError


class DocType(StrEnum):
    ID_CARD = "id_card"  # 居民身份证, 18 digits
    PASSPORT = "passport"  # 护照
    HK_MACAU_PERMIT = "hk_macau_permit"  # 港澳居民来往内地通行证 (回乡证)
    TAIWAN_PERMIT = "taiwan_permit"  # 台湾居民来往大陆通行证 (台胞证)
    FOREIGN_PERMANENT = "foreign_permanent"  # 外国人永久居留身份证
    GAT_RESIDENCE = "gat_residence"  # 港澳台居民居住证
    NONE = "none"  # no document: a child (name + phone), or an adult allowed by staff


# the ID card reader's names for its three card layouts, as the backend accepts them
READER_DOC_TYPES: dict[str, DocType] = {
    "resident": DocType.ID_CARD,
    "foreign_permanent": DocType.FOREIGN_PERMANENT,
    "gat_residence": DocType.GAT_RESIDENCE,
}
DOC_TYPE_ALIASES: dict[str, DocType] = {"resident": DocType.ID_CARD}

# each type's own error code (kiosk.domain.errors), naming the type in zh and en
DOC_ERRORS: dict[DocType, str] = {
    DocType.ID_CARD: "invalid_id_number",
    DocType.PASSPORT: "invalid_passport",
    DocType.HK_MACAU_PERMIT: "invalid_hk_macau_permit",
    DocType.TAIWAN_PERMIT: "invalid_taiwan_permit",
    DocType.FOREIGN_PERMANENT: "invalid_foreign_permanent",
    DocType.GAT_RESIDENCE: "invalid_gat_residence",
}
DOC_TYPE_NAMES: dict[DocType, tuple[str, str]] = {
    DocType.ID_CARD: ("居民身份证", "Resident ID card"),
    DocType.PASSPORT: ("护照", "Passport"),
    DocType.HK_MACAU_PERMIT: ("港澳居民来往内地通行证", "Mainland Travel Permit (HK/Macao)"),
    DocType.TAIWAN_PERMIT: ("台湾居民来往大陆通行证", "Mainland Travel Permit (Taiwan)"),
    DocType.FOREIGN_PERMANENT: ("外国人永久居留身份证", "Foreign Permanent Resident ID Card"),
    DocType.GAT_RESIDENCE: ("港澳台居民居住证", "Residence Permit (HK/Macao/Taiwan)"),
    DocType.NONE: ("无证件", "No document"),
}

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS = "10X98765432"
_PATTERNS: dict[DocType, re.Pattern[str]] = {
    # Chinese passports E/G + 8 digits, others 5-17 letters and digits
    DocType.PASSPORT: re.compile(r"^(?=.*\d)[A-Z0-9]{5,17}$"),
    # 回乡证 H/M + 8 or 10 digits; 往来港澳通行证 C + letter or digit + 7 digits
    DocType.HK_MACAU_PERMIT: re.compile(r"^([HM]\d{8}(\d{2})?|C[A-Z0-9]\d{7})$"),
    # 台胞证: 8 digits (since 2015), or the older 10 characters (at least 8 of them digits)
    DocType.TAIWAN_PERMIT: re.compile(r"^(\d{8}|(?=(?:[A-Z]*\d){8})[A-Z0-9]{10})$"),
    # old card (2004-2017): nationality (3 letters) + place (4) + birth YYMMDD + sequence (2)
    DocType.FOREIGN_PERMANENT: re.compile(r"^[A-Z]{3}\d{12}$"),
}
_GAT_PREFIXES = ("810000", "820000", "830000")  # Hong Kong, Macao, Taiwan
_OLD_FOREIGN_LAST_ISSUE_YEAR = 2017  # the 15-character card was issued until 2017
_NATIONALITY = re.compile(r"^([A-Z]{3}|D)$")  # ISO 3166-1 alpha-3 (ICAO: "D" for Germany)
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


def is_valid_resident_id(number: str, today: date | None = None) -> bool:
    """18 characters, a real birth date from 1900 to today, and the right check character.
    The same layout serves the 2023 foreign permanent residence card and the HK/Macao/Taiwan
    residence permit."""
    number = number.strip().upper()
    if len(number) != 18 or not number.isascii() or not number[:17].isdigit():
        return False
    born = birth_date_from_id(number)
    if born is None or born.year < 1900 or born > (today or date.today()):
        return False
    return resident_id_check_char(number[:17]) == number[17]


def birth_date_from_old_foreign_card(number: str) -> date | None:
    """The birth date (YYMMDD, characters 8-13) of a 15-character foreign permanent residence
    card; the century is the one that puts it before the card's last year of issue."""
    if len(number) != 15 or not number[3:].isdigit():
        return None
    yy = int(number[7:9])
    century = 2000 if 2000 + yy <= _OLD_FOREIGN_LAST_ISSUE_YEAR else 1900
    try:
        return date(century + yy, int(number[9:11]), int(number[11:13]))
    except ValueError:
        return None


def normalize_doc_number(number: str) -> str:
    return number.strip().upper().replace(" ", "")


def doc_type_of(value: str) -> DocType:
    """The DocType a holder's `doc_type` names (the reader's `resident` is `id_card`)."""
    value = value.strip().lower()
    if value in DOC_TYPE_ALIASES:
        return DOC_TYPE_ALIASES[value]
    try:
        return DocType(value)
    except ValueError:
        raise RuleError("invalid_document", f"unknown doc_type {value!r}") from None


def _refuse(kind: DocType, why: str = "") -> RuleError:
    return RuleError(DOC_ERRORS[kind], why)


def validate_document(doc_type: str, number: str, today: date | None = None) -> str:
    """Check a document number for its type; return it normalised or raise RuleError with
    the type's own code (invalid_id_number, invalid_passport, ...)."""
    kind = doc_type_of(doc_type)
    number = normalize_doc_number(number)
    if kind is DocType.NONE:
        return ""
    if kind is DocType.ID_CARD:
        if not is_valid_resident_id(number, today):
            raise _refuse(kind)
        return number
    if kind is DocType.GAT_RESIDENCE:
        if not number.startswith(_GAT_PREFIXES) or not is_valid_resident_id(number, today):
            raise _refuse(kind, "18 digits starting 810000, 820000 or 830000")
        return number
    if kind is DocType.FOREIGN_PERMANENT and len(number) == 18:
        # the 2023 card uses the resident-ID layout and check character, starting with 9
        if not number.startswith("9") or not is_valid_resident_id(number, today):
            raise _refuse(kind, "18 digits starting 9")
        return number
    if not _PATTERNS[kind].match(number):
        raise _refuse(kind)
    if kind is DocType.FOREIGN_PERMANENT and birth_date_from_old_foreign_card(number) is None:
        raise _refuse(kind, "no birth date in characters 8-13")
    return number


def validate_nationality(code: str) -> str:
    """A passport's nationality, optional: '' or an ISO 3166-1 alpha-3 code (upper case)."""
    code = code.strip().upper()
    if code and not _NATIONALITY.match(code):
        raise RuleError("invalid_nationality", "ISO 3166-1 alpha-3, e.g. USA")
    return code


def birth_date_of(doc_type: str, number: str) -> date | None:
    """The birth date a document tells, where its number encodes one."""
    kind = DOC_TYPE_ALIASES.get(doc_type, doc_type)
    eighteen = (DocType.ID_CARD, DocType.FOREIGN_PERMANENT, DocType.GAT_RESIDENCE)
    if kind in eighteen and len(number) == 18:
        return birth_date_from_id(number)
    if kind == DocType.FOREIGN_PERMANENT and len(number) == 15:
        return birth_date_from_old_foreign_card(number)
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
