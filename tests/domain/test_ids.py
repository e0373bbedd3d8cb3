from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk.domain.errors import RuleError
from kiosk.domain.ids import (
    age_on,
    birth_date_from_id,
    is_valid_resident_id,
    mask_id,
    mask_name,
    mask_phone,
    resident_id_check_char,
    validate_document,
)

DEMO_IDS = ["110101199003072375", "440304198510121540", "510107195208156622", "320583201506013321"]


@pytest.mark.parametrize("number", DEMO_IDS)
def test_demo_people_ids_are_valid(number: str) -> None:
    assert is_valid_resident_id(number)


def test_known_check_digit_x() -> None:
    # GB 11643-1999 worked example: 11010519491231002X
    assert resident_id_check_char("11010519491231002") == "X"
    assert is_valid_resident_id("11010519491231002x")


def test_a_changed_digit_is_caught() -> None:
    assert not is_valid_resident_id("110101199003072376")
    assert not is_valid_resident_id("110101199013072375")  # month 13 (and checksum)
    assert not is_valid_resident_id("11010119900307237")


DAY = r"(19[0-9]{2}|20[01][0-9])(0[1-9]|1[0-2])(0[1-9]|1[0-9]|2[0-8])"
body = st.from_regex(rf"^[1-6][0-9]{{5}}{DAY}[0-9]{{3}}$", fullmatch=True)


@given(body)
def test_any_17_digits_plus_their_check_char_is_valid(first17: str) -> None:
    assert is_valid_resident_id(first17 + resident_id_check_char(first17))


@given(body, st.integers(0, 16), st.integers(1, 9))
def test_changing_one_digit_breaks_the_check(first17: str, pos: int, delta: int) -> None:
    number = first17 + resident_id_check_char(first17)
    changed = number[:pos] + str((int(number[pos]) + delta) % 10) + number[pos + 1 :]
    assert resident_id_check_char(changed[:17]) != changed[17]


def test_birth_date_and_age() -> None:
    assert birth_date_from_id("110101199003072375") == date(1990, 3, 7)
    assert age_on(date(1990, 3, 7), date(2026, 3, 6)) == 35
    assert age_on(date(1990, 3, 7), date(2026, 3, 7)) == 36


@pytest.mark.parametrize(
    ("doc_type", "number"),
    [
        ("passport", "E12345678"),
        ("passport", "X1234567"),
        ("hk_macau_permit", "H12345678"),
        ("hk_macau_permit", "M1234567890"),
        ("hk_macau_permit", "CA1234567"),
        ("taiwan_permit", "12345678"),
        ("foreign_permanent", "USA123456789012"),
        ("id_card", " 110101199003072375 "),
    ],
)
def test_documents_of_each_type_are_accepted(doc_type: str, number: str) -> None:
    assert validate_document(doc_type, number) == number.strip().upper()


@pytest.mark.parametrize(
    ("doc_type", "number", "code"),
    [
        ("passport", "ABCDEFG", "invalid_document"),
        ("hk_macau_permit", "H1234", "invalid_document"),
        ("taiwan_permit", "1234567", "invalid_document"),
        ("foreign_permanent", "US1234567890123", "invalid_document"),
        ("id_card", "110101199003072376", "invalid_id_number"),
        ("driving_licence", "123", "invalid_document"),
    ],
)
def test_bad_documents_are_refused_with_a_code(doc_type: str, number: str, code: str) -> None:
    with pytest.raises(RuleError) as err:
        validate_document(doc_type, number)
    assert err.value.code == code


def test_masks_hide_the_middle() -> None:
    assert mask_id("110101199003072375") == "110***********2375"
    assert mask_name("张伟") == "张*"
    assert mask_name("欧阳娜娜") == "欧***"
    assert mask_phone("13800138000") == "138****8000"
