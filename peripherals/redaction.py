"""What a driver's log line (or a data class's repr) may show of what it read.

Log hygiene only: a driver logs that it read a card or a code without the person's name, ID
number or payment code in the clear. How the kiosk masks data for screens, receipts and the
backend is the kiosk's rule (kiosk.domain.ids), not this module's.
"""

from __future__ import annotations


def redact(text: str, head: int, tail: int) -> str:
    """`text` with all but its first `head` and last `tail` characters starred; a text no
    longer than head + tail is starred whole. redact("110101199003072375", 3, 4) ->
    "110***********2375"; redact("张伟", 1, 0) -> "张*"."""
    text = text.strip()
    if len(text) <= head + tail:
        return "*" * len(text)
    return text[:head] + "*" * (len(text) - head - tail) + text[len(text) - tail :]
