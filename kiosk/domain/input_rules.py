"""What typed or read input may hold before any rule looks at it: text without control or
text-direction characters, days written as `YYYY-MM-DD`, money within a cap.

- Text (names, reasons): no control characters (C0 such as NUL, the ESC that starts an ANSI
  sequence, CR and LF; DEL; C1), no line or paragraph separators (U+2028, U+2029), and none of
  the Unicode bidi controls (U+061C, U+200E, U+200F, the embeddings and overrides
  U+202A-U+202E, the isolates U+2066-U+2069), which turn a name around on a screen, a ticket
  or a report (`"\\u202eABC"` shows as `CBA`).
- A day: exactly `YYYY-MM-DD` and a real date; no Unix timestamps (`0` is not 1970-01-01).
- Money: whole fen from 0 to MAX_FEN.

The backend's request models (backend_stub/schemas.py) apply these and say them in the OpenAPI
document (TEXT_PATTERN, DAY_PATTERN) so a client sees the same rules.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date

# the characters refused in text, as one regex character class (Python and ECMA-262 syntax)
_FORBIDDEN_CLASS = r"\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069"
FORBIDDEN_TEXT_CHARS = re.compile(f"[{_FORBIDDEN_CLASS}]")
TEXT_PATTERN = f"^[^{_FORBIDDEN_CLASS}]*$"  # for a JSON Schema `pattern`
DAY_PATTERN = r"^\d{4}-\d{2}-\d{2}$"
_DAY = re.compile(DAY_PATTERN)
MAX_FEN = 1_000_000_000  # 10 million yuan: more than any order, far below a 64-bit integer


def forbidden_char(text: str) -> str | None:
    """The first refused character of `text` as `U+XXXX NAME`, or None when it has none."""
    found = FORBIDDEN_TEXT_CHARS.search(text)
    if found is None:
        return None
    char = found.group()
    name = unicodedata.name(char, "") or {
        "\x00": "NUL",
        "\x1b": "ESCAPE",
        "\r": "CARRIAGE RETURN",
        "\n": "LINE FEED",
        "\t": "TAB",
        "\x7f": "DELETE",
    }.get(char, "CONTROL")
    return f"U+{ord(char):04X} {name}"


def parse_day(text: str) -> date:
    """`YYYY-MM-DD` as a date; ValueError for anything else (a timestamp, a time, 2026-02-30)."""
    if not _DAY.match(text):
        raise ValueError("a day is written YYYY-MM-DD")
    return date.fromisoformat(text)


def is_valid_fen(amount: int) -> bool:
    """Whole fen within 0..MAX_FEN (bool is not an amount)."""
    return isinstance(amount, int) and not isinstance(amount, bool) and 0 <= amount <= MAX_FEN
