from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk.domain.errors import ERRORS, RuleError
from kiosk.domain.ids import (
    age_on,
    birth_date_from_id,
    birth_date_of,
    doc_type_of,
    is_valid_resident_id,
    mask_id,
    mask_name,
    mask_phone,
    resident_id_check_char,
    validate_document,
    validate_nationality,
)

DEMO_IDS = ["110101199003072375", "440304198510121540", "510107195208156622", "320583201506013321"]


def _with_check(first17: str) -> str:
    return first17 + resident_id_check_char(first17)


def _wrong_check(number: str) -> str:
    return number[:17] + ("1" if number[17] != "1" else "2")


FOREIGN_2023 = _with_check("93115619800515001")  # 9 + place + nationality + birth + seq
HK_RESIDENCE = _with_check("81000019900101123")


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
        ("foreign_permanent", "USA110080051501"),
        ("foreign_permanent", "CAN440001121505"),
        ("id_card", " 110101199003072375 "),
        ("hk_macau_permit", "H1234567801"),
        ("taiwan_permit", "1234567890"),
        ("taiwan_permit", "12345678B1"),
        ("passport", "G1234567"),
        ("passport", "123456789ABCDEFGH"),
    ],
)
def test_documents_of_each_type_are_accepted(doc_type: str, number: str) -> None:
    assert validate_document(doc_type, number) == number.strip().upper()


@pytest.mark.parametrize(
    ("doc_type", "number", "code"),
    [
        ("passport", "ABCDEFG", "invalid_passport"),
        ("passport", "1234", "invalid_passport"),
        ("passport", "123456789ABCDEFGHI", "invalid_passport"),
        ("hk_macau_permit", "H1234", "invalid_hk_macau_permit"),
        ("hk_macau_permit", "X12345678", "invalid_hk_macau_permit"),
        ("hk_macau_permit", "H123456789", "invalid_hk_macau_permit"),
        ("taiwan_permit", "1234567", "invalid_taiwan_permit"),
        ("taiwan_permit", "ABCDEFGH12", "invalid_taiwan_permit"),
        ("foreign_permanent", "US1234567890123", "invalid_foreign_permanent"),
        ("foreign_permanent", "USA123456789012", "invalid_foreign_permanent"),  # month 78
        ("foreign_permanent", _wrong_check(FOREIGN_2023), "invalid_foreign_permanent"),
        ("foreign_permanent", "110101199003072375", "invalid_foreign_permanent"),  # no 9
        ("gat_residence", "110101199003072375", "invalid_gat_residence"),
        ("gat_residence", _wrong_check(HK_RESIDENCE), "invalid_gat_residence"),
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


@pytest.mark.parametrize(
    ("doc_type", "number"),
    [
        ("foreign_permanent", FOREIGN_2023),
        ("gat_residence", HK_RESIDENCE),
        ("gat_residence", _with_check("82000019851224002")),
        ("gat_residence", _with_check("83000020010630004")),
    ],
)
def test_eighteen_digit_cards_with_their_check_digit(doc_type: str, number: str) -> None:
    assert validate_document(doc_type, number) == number


def test_the_reader_names_its_cards_as_the_backend_does() -> None:
    # peripherals.idcard IdCardData.doc_type: resident, foreign_permanent, gat_residence
    assert doc_type_of("resident") == "id_card"
    assert doc_type_of("foreign_permanent") == "foreign_permanent"
    assert doc_type_of("gat_residence") == "gat_residence"
    assert validate_document("resident", "110101199003072375") == "110101199003072375"


def test_each_type_refuses_with_a_message_naming_it() -> None:
    names = {
        "passport": "护照",
        "hk_macau_permit": "港澳居民来往内地通行证",
        "taiwan_permit": "台湾居民来往大陆通行证",
        "foreign_permanent": "外国人永久居留身份证",
        "gat_residence": "港澳台居民居住证",
        "id_card": "身份证",
    }
    for doc_type, name in names.items():
        with pytest.raises(RuleError) as err:
            validate_document(doc_type, "0")
        info = ERRORS[err.value.code]
        assert name in info.zh and info.en.startswith("The "), doc_type


def test_birth_dates_are_read_and_future_ones_refused() -> None:
    assert birth_date_of("foreign_permanent", "USA110080051501") == date(1980, 5, 15)
    assert birth_date_of("foreign_permanent", "USA110010051501") == date(2010, 5, 15)
    assert birth_date_of("foreign_permanent", FOREIGN_2023) == date(1980, 5, 15)
    assert birth_date_of("gat_residence", HK_RESIDENCE) == date(1990, 1, 1)
    assert birth_date_of("passport", "E12345678") is None
    for doc_type, first17 in (
        ("id_card", "11010120990101123"),
        ("gat_residence", "81000020990101123"),
        ("foreign_permanent", "93115620990101123"),
    ):
        with pytest.raises(RuleError):  # born in 2099
            validate_document(doc_type, _with_check(first17))
    # a date in the future relative to the day asked about
    assert validate_document("id_card", "110101199003072375", date(1990, 3, 7))
    with pytest.raises(RuleError):
        validate_document("id_card", "110101199003072375", date(1990, 3, 6))


def test_nationality_is_optional_and_three_letters() -> None:
    assert validate_nationality("") == ""
    assert validate_nationality(" usa ") == "USA"
    assert validate_nationality("D") == "D"
    with pytest.raises(RuleError) as err:
        validate_nationality("US")
    assert err.value.code == "invalid_nationality"
