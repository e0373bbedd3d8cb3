"""Issue 18: the watcher polls fast while the reader is empty (by the line speed), slowly while a
card rests on it or the reader fails."""

from __future__ import annotations

import time
from types import SimpleNamespace

from peripherals.idcard.watcher import MIN_IDLE_POLL_S, IdCardWatcher, idle_poll_for

FIND = (0x20, 0x01)


def test_the_idle_poll_uses_at_most_a_tenth_of_the_line():
    assert idle_poll_for(SimpleNamespace(baudrate=115200), 0.3) == MIN_IDLE_POLL_S
    slow = idle_poll_for(SimpleNamespace(baudrate=9600), 0.3)
    assert 0.2 < slow < 0.3  # 21 bytes take 22 ms at 9600 baud: a poll every ~0.22 s
    assert idle_poll_for(SimpleNamespace(baudrate=1200), 0.3) == 0.3  # never slower than the poll
    assert idle_poll_for(object(), 0.3) == 0.3  # no line speed known: the plain poll


def test_the_wait_is_short_only_while_the_reader_is_empty_and_answers():
    reader = SimpleNamespace(baudrate=115200, poll=lambda: None)
    watcher = IdCardWatcher(reader, lambda _card: None, poll_interval=0.3)
    assert watcher.next_wait() == MIN_IDLE_POLL_S
    watcher.current = object()  # a card rests on the reader
    assert watcher.next_wait() == 0.3
    watcher.current = None
    watcher.state = ("missing", "not_connected")
    assert watcher.next_wait() == 0.3
    explicit = IdCardWatcher(reader, lambda _card: None, poll_interval=0.02, idle_poll_interval=1)
    assert explicit.next_wait() == 0.02  # never above poll_interval


def test_a_placed_card_is_seen_within_the_idle_poll(idcard_emulator, idcard_reader):
    cards = []
    watcher = IdCardWatcher(idcard_reader, cards.append).start()  # the kiosk's defaults
    try:
        time.sleep(0.3)
        finds = idcard_emulator.commands[FIND]
        assert finds >= 3  # ~every 0.05 s at 115200 baud, not every 0.3 s
        idcard_emulator.place_card("zhang_wei")
        placed = time.monotonic()
        while not cards and time.monotonic() - placed < 3:
            time.sleep(0.005)
        assert cards and time.monotonic() - placed < 1.0
        time.sleep(0.6)
        resting = idcard_emulator.commands[FIND]
        time.sleep(0.6)
        assert idcard_emulator.commands[FIND] - resting <= 3  # resting card: every 0.3 s
    finally:
        watcher.stop()
