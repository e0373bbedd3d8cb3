"""kiosk.domain.input_rules: the characters text refuses, days as YYYY-MM-DD, money caps."""

from __future__ import annotations

import re
from datetime import date

import pytest

from kiosk.domain.input_rules import (
    MAX_FEN,
    TEXT_PATTERN,
    forbidden_char,
    is_valid_fen,
    parse_day,
)

REFUSED = ["\x00", "\x1b", "\r", "\n", "\t", "\x7f", "\x85", "\u2028", "\u061c", "\u200f"]
REFUSED += [chr(c) for c in range(0x202A, 0x202F)] + [chr(c) for c in range(0x2066, 0x206A)]


@pytest.mark.parametrize("char", REFUSED)
def test_control_and_bidi_characters_are_named(char: str):
    found = forbidden_char(f"ZHANG{char}Wei")
    assert found is not None and found.startswith(f"U+{ord(char):04X}")
    assert not re.match(TEXT_PATTERN, f"ZHANG{char}Wei")


@pytest.mark.parametrize("text", ["张伟", "欧阳娜娜", "O'Brien-Smith", "José Núñez", "", "Åsa 李"])
def test_ordinary_names_pass(text: str):
    assert forbidden_char(text) is None
    assert re.match(TEXT_PATTERN, text)


def test_a_day_is_yyyy_mm_dd_and_real():
    assert parse_day("2026-11-23") == date(2026, 11, 23)
    for text in ("0", "20261123", "2026-02-30", "2026-11-23T00:00", " 2026-11-23", "2026-1-3"):
        with pytest.raises(ValueError):
            parse_day(text)


def test_money_is_whole_fen_up_to_the_cap():
    assert is_valid_fen(0) and is_valid_fen(MAX_FEN)
    assert not any(is_valid_fen(x) for x in (-1, MAX_FEN + 1, 10**30, True, 1.0, "1"))
