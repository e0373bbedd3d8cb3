"""Order numbers (issue 11, finding 1): random, from an alphabet without look-alikes, with a
check character that catches a mistyped character."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from kiosk.domain.order_numbers import (
    ALPHABET,
    LENGTH,
    check_char,
    is_order_no,
    new_order_no,
    normalize_order_no,
)

bodies = st.text(st.sampled_from(ALPHABET), min_size=10, max_size=10)


def test_new_numbers_are_valid_and_do_not_repeat():
    numbers = {new_order_no() for _ in range(2000)}
    assert len(numbers) == 2000 and all(is_order_no(n) and len(n) == LENGTH for n in numbers)
    assert not set("01OI") & set(ALPHABET) and len(ALPHABET) == 32


@given(bodies, st.integers(0, 10), st.sampled_from(ALPHABET))
def test_any_single_wrong_character_is_caught(body: str, pos: int, char: str):
    number = body + check_char(body)
    typo = number[:pos] + char + number[pos + 1 :]
    assert is_order_no(typo) == (typo == number)


def test_what_is_not_an_order_number():
    good = new_order_no()
    for text in ("", good[:-1], good + "2", good.lower(), "K261130000001", "CT88000001"):
        assert not is_order_no(text)
    assert normalize_order_no(f" {good[:4].lower()}-{good[4:]} ") == good
