"""E-invoice request rules: the unified social credit code's check character (GB 32100-2015),
the title, the e-mail or phone."""

from __future__ import annotations

import pytest

from kiosk.domain.errors import RuleError
from kiosk.domain.invoice_rules import (
    check_invoice_request,
    is_valid_email,
    is_valid_tax_number,
    mask_email,
    tax_check_char,
)

# published codes of real companies (their check characters are right)
REAL = ("91350100M000100Y43", "914403001922038216", "91110108551385082Q", "91440300708461136T")


@pytest.mark.parametrize("code", REAL)
def test_real_codes_pass(code: str) -> None:
    assert is_valid_tax_number(code)
    assert is_valid_tax_number(code.lower())  # typed in lower case: normalised
    assert is_valid_tax_number(code[:9] + " " + code[9:])


def test_every_wrong_check_character_is_refused() -> None:
    code = REAL[0]
    right = tax_check_char(code[:17])
    for c in "0123456789ABCDEFGHJKLMNPQRTUWXY":
        assert is_valid_tax_number(code[:17] + c) == (c == right)


@pytest.mark.parametrize(
    "code",
    [
        "91350100M000100Y4",  # 17 characters
        "91350100M000100Y433",  # 19
        "91350100I000100Y43",  # I is not in the code's alphabet
        "91350100O000100Y43",  # nor O
        "91350100M000100Y4Z",  # nor Z
        "91350100M000100Y34",  # two characters swapped
        "",
    ],
)
def test_malformed_codes_are_refused(code: str) -> None:
    assert not is_valid_tax_number(code)


def test_e_mail() -> None:
    assert is_valid_email("li.na+fapiao@example.com.cn")
    for bad in (
        "li.na",
        "li@na",
        "@example.com",
        "a@b..com",
        "a b@example.com",
        "x" * 250 + "@a.cn",
    ):
        assert not is_valid_email(bad), bad
    assert mask_email("lina@example.com") == "l***@example.com"


def test_requests() -> None:
    ok = check_invoice_request(
        "company", " 云台山 旅游  有限公司 ", REAL[1].lower(), "", "13800138000"
    )
    assert ok.title == "云台山 旅游 有限公司" and ok.tax_number == REAL[1]
    person = check_invoice_request("individual", "", "", "a@example.com", "")
    assert person.title == "" and person.tax_number == ""
    cases = [
        (("company", "", REAL[0], "a@example.com", ""), "invoice_title_missing"),
        (("company", "ACME", "91350100M000100Y44", "a@example.com", ""), "tax_number_invalid"),
        (("individual", "", "", "", ""), "invoice_contact_missing"),
        (("individual", "", "", "not-an-email", ""), "invalid_email"),
        (("individual", "", "", "", "1380013800"), "invalid_phone"),
        (("club", "", "", "a@example.com", ""), "invoice_title_kind_invalid"),
    ]
    for args, code in cases:
        with pytest.raises(RuleError) as err:
            check_invoice_request(*args)
        assert err.value.code == code, args
