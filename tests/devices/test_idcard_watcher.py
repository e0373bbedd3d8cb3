"""The watcher over the real pty: one report per placement, removals, re-placements."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from peripherals.idcard.driver import SamIdCardReader
from peripherals.idcard.emulator import IdCardEmulator
from peripherals.idcard.protocol import IdCardData
from peripherals.idcard.watcher import IdCardWatcher
from peripherals.status import DeviceStatus

FIND = (0x20, 0x01)
READ = (0x30, 0x01)


def wait_until(condition: Callable[[], bool], timeout: float = 3.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return condition()


class Events:
    def __init__(self) -> None:
        self.cards: list[IdCardData] = []
        self.removed = 0
        self.errors: list[DeviceStatus] = []
        self.lock = threading.Lock()

    def on_card(self, card: IdCardData) -> None:
        with self.lock:
            self.cards.append(card)

    def on_removed(self) -> None:
        with self.lock:
            self.removed += 1

    def on_error(self, status: DeviceStatus) -> None:
        with self.lock:
            self.errors.append(status)


def _watch(reader: SamIdCardReader, events: Events) -> IdCardWatcher:
    return IdCardWatcher(
        reader,
        events.on_card,
        poll_interval=0.02,
        on_removed=events.on_removed,
        on_error=events.on_error,
    ).start()


def _polls_pass(emulator: IdCardEmulator, polls: int) -> bool:
    start = emulator.commands[FIND]
    return wait_until(lambda: emulator.commands[FIND] >= start + polls)


def test_a_card_left_on_the_reader_is_reported_once(
    idcard_emulator: IdCardEmulator, idcard_reader: SamIdCardReader
):
    events = Events()
    watcher = _watch(idcard_reader, events)
    try:
        assert _polls_pass(idcard_emulator, 3)
        assert events.cards == []  # nothing placed, nothing reported
        idcard_emulator.place_card("zhang_wei")
        assert wait_until(lambda: len(events.cards) == 1)
        assert _polls_pass(idcard_emulator, 15)  # many polls while it lies there
        assert [card.name for card in events.cards] == ["张伟"]
        assert idcard_emulator.commands[READ] == 1  # read once, then only "still there?"
        assert events.removed == 0
    finally:
        watcher.stop()


def test_lifting_is_reported_and_placing_again_is_a_new_placement(idcard_emulator, idcard_reader):
    events = Events()
    watcher = _watch(idcard_reader, events)
    try:
        idcard_emulator.place_card("li_na")
        assert wait_until(lambda: len(events.cards) == 1)
        idcard_emulator.lift_card()
        assert wait_until(lambda: events.removed == 1)
        assert watcher.current is None
        idcard_emulator.place_card("li_na")
        assert wait_until(lambda: len(events.cards) == 2)
        idcard_emulator.lift_card()
        assert wait_until(lambda: events.removed == 2)
        idcard_emulator.place_card("wang_xiuying")
        assert wait_until(lambda: len(events.cards) == 3)
        assert _polls_pass(idcard_emulator, 5)
        assert [card.name for card in events.cards] == ["李娜", "李娜", "王秀英"]
    finally:
        watcher.stop()


def test_a_card_swapped_for_another_between_two_polls_is_read(idcard_emulator, idcard_reader):
    """At the kiosk's pace (a resting card polled every 0.3 s, lifted after two misses) card A
    lifted and card B placed 0.1 s later is never two misses: without the chip serial B was
    taken for A still lying there. The select's chip serial differs, so B is read."""
    events = Events()
    watcher = IdCardWatcher(idcard_reader, events.on_card, on_removed=events.on_removed).start()
    try:
        idcard_emulator.place_card("zhang_wei")
        assert wait_until(lambda: len(events.cards) == 1)
        time.sleep(0.45)  # resting: polled every 0.3 s
        idcard_emulator.lift_card()
        time.sleep(0.1)
        idcard_emulator.place_card("li_na")
        assert wait_until(lambda: len(events.cards) == 2, timeout=2.0)
        assert [card.name for card in events.cards] == ["张伟", "李娜"]
        assert events.removed == 1  # 张伟's card is gone: the kiosk forgets it
        assert _polls_pass(idcard_emulator, 3)
        assert idcard_emulator.commands[READ] == 2  # 李娜's card read once, then resting
    finally:
        watcher.stop()


def test_sam_fault_reports_errors_and_the_card_once_it_clears(idcard_emulator, idcard_reader):
    events = Events()
    idcard_emulator.set_fault("sam")
    idcard_emulator.place_card("chen_chen")
    watcher = _watch(idcard_reader, events)
    try:
        assert wait_until(lambda: len(events.errors) >= 2)
        assert events.cards == []
        assert events.errors[0].code == "sam_self_test_failed"
        idcard_emulator.set_fault(None)
        assert wait_until(lambda: len(events.cards) == 1)
        assert _polls_pass(idcard_emulator, 5)
        assert [card.id_number for card in events.cards] == ["320583201506013321"]
    finally:
        watcher.stop()


def test_card_lifted_mid_read_is_not_reported_and_the_next_placement_is(
    idcard_emulator, idcard_reader
):
    events = Events()
    idcard_emulator.set_fault("lift_mid_read")
    idcard_emulator.place_card("zhang_wei")
    watcher = _watch(idcard_reader, events)
    try:
        assert wait_until(lambda: len(events.errors) == 1)
        assert _polls_pass(idcard_emulator, 3)
        assert events.cards == [] and events.removed == 0
        idcard_emulator.set_fault(None)
        idcard_emulator.place_card("zhang_wei")
        assert wait_until(lambda: len(events.cards) == 1)
        assert events.cards[0].name == "张伟"
    finally:
        watcher.stop()


def test_stop_ends_the_thread_and_a_callback_error_does_not(idcard_emulator, idcard_reader):
    calls: list[str] = []

    def explode(card: IdCardData) -> None:
        calls.append(card.name)
        raise RuntimeError("screen bug")

    watcher = IdCardWatcher(idcard_reader, explode, poll_interval=0.02).start()
    idcard_emulator.place_card("li_na")
    assert wait_until(lambda: calls == ["李娜"])
    assert _polls_pass(idcard_emulator, 3)  # still polling after the callback raised
    watcher.stop()
    finds = idcard_emulator.commands[FIND]
    time.sleep(0.1)
    assert idcard_emulator.commands[FIND] == finds
    assert calls == ["李娜"]
