"""E-invoice (电子发票) requests: the title, the company's tax number, where to send it.

A company title needs its tax number: the unified social credit code (统一社会信用代码, GB
32100-2015), 18 characters from 0-9 and the capitals without I, O, Z, S, V; the last is a
check character: 31 - (sum of each of the first 17 values times its weight mod 31), mod 31.
An individual's title (个人) needs none. The invoice goes to an e-mail address or a mainland
mobile number (kiosk.domain.ids.is_valid_phone).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kiosk.domain.errors import RuleError
from kiosk.domain.ids import is_valid_phone

TAX_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"  # 31 characters: no I, O, Z, S, V
TAX_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
TAX_NUMBER_LENGTH = 18
TITLE_KINDS = ("individual", "company")
MAX_TITLE_LENGTH = 100
_EMAIL = re.compile(r"^[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(\.[A-Za-z0-9-]{1,63})+$")


def normalize_tax_number(text: str) -> str:
    return "".join(text.split()).upper()


def tax_check_char(first17: str) -> str:
    """The check character of the first 17 characters of a unified social credit code."""
    total = sum(TAX_CHARSET.index(c) * w for c, w in zip(first17, TAX_WEIGHTS, strict=True))
    return TAX_CHARSET[(31 - total % 31) % 31]


def is_valid_tax_number(text: str) -> bool:
    """A unified social credit code with the right length, characters and check character."""
    code = normalize_tax_number(text)
    if len(code) != TAX_NUMBER_LENGTH or any(c not in TAX_CHARSET for c in code):
        return False
    return tax_check_char(code[:17]) == code[17]


def is_valid_email(text: str) -> bool:
    text = text.strip()
    return len(text) <= 254 and bool(_EMAIL.match(text)) and ".." not in text


@dataclass(frozen=True)
class InvoiceRequest:
    """What a tourist asks for, checked: `title` is the company's name (a company) or the
    person's (an individual, may be empty: 个人)."""

    title_kind: str
    title: str
    tax_number: str
    email: str
    phone: str


def check_invoice_request(
    title_kind: str, title: str, tax_number: str, email: str, phone: str
) -> InvoiceRequest:
    """The request normalised, or RuleError naming what is wrong (the field it came from)."""
    if title_kind not in TITLE_KINDS:
        raise RuleError("invoice_title_kind_invalid", "title_kind")
    title = " ".join(title.split())
    if len(title) > MAX_TITLE_LENGTH:
        raise RuleError("invoice_title_missing", "title")
    tax = normalize_tax_number(tax_number)
    if title_kind == "company":
        if not title:
            raise RuleError("invoice_title_missing", "title")
        if not is_valid_tax_number(tax):
            raise RuleError("tax_number_invalid", "tax_number")
    elif tax:
        raise RuleError("tax_number_invalid", "tax_number")
    email, phone = email.strip(), "".join(phone.split())
    if not email and not phone:
        raise RuleError("invoice_contact_missing", "email")
    if email and not is_valid_email(email):
        raise RuleError("invalid_email", "email")
    if phone and not is_valid_phone(phone):
        raise RuleError("invalid_phone", "phone")
    return InvoiceRequest(title_kind, title, tax, email, phone)


def mask_email(email: str) -> str:
    """a***@example.com: the first character of the local part, the domain in full."""
    local, _, domain = email.partition("@")
    if not domain:
        return "***"
    return f"{local[:1]}***@{domain}"
