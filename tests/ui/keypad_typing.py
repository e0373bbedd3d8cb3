"""Typing on the on-screen keypads: each key a real touch (down, up) at its centre, through the
window's input dispatch like a finger, held a shorter time than a button tap (`Driver.tap_at`
waits for the touch-down's frame and the touch-up's, so the display has taken the key when the
next one is pressed)."""

from __future__ import annotations

from ui.driver import Driver
from ui.widgets.keypad import key_test_id

KEY_HOLD = 0.03  # seconds between the finger down and up


async def press_key(d: Driver, wid: str) -> None:
    """Touch the keypad key with test id `wid` and lift the finger."""
    key = await d.wait_for(wid=wid)
    await d.tap_at(*d.center_of(key), hold=KEY_HOLD)


async def type_keys(d: Driver, keys: str) -> None:
    """Type `keys` on the keypad shown (a space on the space bar)."""
    for key in keys:
        await press_key(d, key_test_id(key))
