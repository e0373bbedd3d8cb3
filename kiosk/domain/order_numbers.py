"""Order numbers (订单号): random, not guessable, with a check character.

Ten characters drawn at random from a 32-letter alphabet without the look-alikes 0/O and 1/I
(50 bits), then one check character (Luhn mod 32: any single wrong character is caught, and
almost every swap of two neighbours), e.g. ``7MQX4K9TRWH``. Every order gets one, whatever
channel sold it; a channel's own order id is kept apart (`channel_order_id`), so the two never
collide.
"""

from __future__ import annotations

import secrets

ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
BODY_LENGTH = 10
LENGTH = BODY_LENGTH + 1
_INDEX = {c: i for i, c in enumerate(ALPHABET)}


def _luhn_sum(text: str, double_first: bool) -> int:
    n = len(ALPHABET)
    total, double = 0, double_first
    for char in reversed(text):
        addend = _INDEX[char] * (2 if double else 1)
        total += addend // n + addend % n
        double = not double
    return total


def check_char(body: str) -> str:
    """The check character of `body` (characters of ALPHABET)."""
    return ALPHABET[(-_luhn_sum(body, double_first=True)) % len(ALPHABET)]


def new_order_no() -> str:
    body = "".join(secrets.choice(ALPHABET) for _ in range(BODY_LENGTH))
    return body + check_char(body)


def normalize_order_no(text: str) -> str:
    """As typed or scanned: spaces and dashes out, upper case."""
    return "".join(c for c in text.strip().upper() if c not in " -")


def is_order_no(text: str) -> bool:
    """An order number of ours: the length, the alphabet and the check character."""
    if len(text) != LENGTH or any(c not in _INDEX for c in text):
        return False
    return _luhn_sum(text, double_first=False) % len(ALPHABET) == 0
