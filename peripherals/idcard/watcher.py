"""Polls the reader in a thread and reports each card once per placement (and its removal), and
the reader's state when it changes (missing, failing, answering again), never at every poll.

The poll is adaptive: while the field is empty and the reader answers, the watcher polls every
`idle_poll_interval` (one short find command, 10 bytes out and 11 back); while a card rests on
the reader, or the reader fails, it polls every `poll_interval` (0.3 s). The idle interval is
chosen from the reader's line speed so the find exchange takes at most a tenth of the line
(0.05 s at 115200 baud, where the exchange is ~1.8 ms; 0.23 s at 9600), never above
`poll_interval`: the card placed waits ~25 ms on median for its poll instead of ~150 ms."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from peripherals.idcard.protocol import IdCardData, IdCardReader
from peripherals.status import DeviceState, DeviceStatus

log = logging.getLogger(__name__)

MIN_IDLE_POLL_S = 0.05  # the fastest idle poll, whatever the line speed
FIND_EXCHANGE_BYTES = 21  # find card: 10-byte command, 11-byte answer (GA 467-2013 frames)
MAX_LINE_SHARE = 0.1  # idle polling may use at most this share of the serial line's time


def idle_poll_for(reader: object, poll_interval: float) -> float:
    """The idle poll interval a reader allows: its find exchange at most MAX_LINE_SHARE of the
    line's time (by its `baudrate`, 10 bits a byte), at least MIN_IDLE_POLL_S, at most
    `poll_interval`. A reader without a line speed keeps `poll_interval`."""
    baud = getattr(reader, "baudrate", None)
    if not isinstance(baud, int | float) or baud <= 0:
        return poll_interval
    wire_s = FIND_EXCHANGE_BYTES * 10 / baud
    return min(poll_interval, max(MIN_IDLE_POLL_S, wire_s / MAX_LINE_SHARE))


class IdCardWatcher:
    """`on_card(card)` once per placement; `on_removed()` once the card has been away for
    `misses_to_remove` polls in a row (so one lost find does not make a second placement);
    `on_error(status)` when a read fails (the read is tried again on the next poll);
    `on_state(status)` when the reader's state changes: its first failure, a different one,
    answering again (an OK status). Without `on_state` the watcher logs those changes itself;
    with it, its owner does (the kiosk's hub logs every device in one place). A reader that
    stays away is logged once, not at every poll.

    While a card rests on the reader it is not read again. With a reader that has
    `card_in_field()` (SamIdCardReader) and a card that carried its chip serial, each poll is
    find + select (two short exchanges) and a different chip serial is a new placement: card A
    lifted and card B placed between two polls (sooner than `misses_to_remove` misses) is
    reported as A removed and B placed, and B is read. With `card_present()` only, the find
    command alone (a swap that quick goes unseen); otherwise the card is read on every poll and
    a different ID number counts as a new placement. Callbacks run on the watcher's thread.

    `idle_poll_interval` (None: from the reader's line speed, `idle_poll_for`) is the wait
    between polls while no card is on the reader and the reader answers; `poll_interval` the
    wait while a card rests on it or the reader fails.
    """

    def __init__(
        self,
        reader: IdCardReader,
        on_card: Callable[[IdCardData], None],
        poll_interval: float = 0.3,
        on_removed: Callable[[], None] | None = None,
        on_error: Callable[[DeviceStatus], None] | None = None,
        misses_to_remove: int = 2,
        on_state: Callable[[DeviceStatus], None] | None = None,
        idle_poll_interval: float | None = None,
    ) -> None:
        self.reader = reader
        self.on_card = on_card
        self.on_removed = on_removed
        self.on_error = on_error
        self.on_state = on_state
        self.state: tuple[str, str] = (DeviceState.OK.value, "ok")  # the reader's, last seen
        self._poll_failing = False  # a poll raised (a callback's bug): logged once
        self.poll_interval = poll_interval
        self.idle_poll_interval = (
            idle_poll_for(reader, poll_interval)
            if idle_poll_interval is None
            else min(idle_poll_interval, poll_interval)
        )
        self.misses_to_remove = max(1, misses_to_remove)
        self.current: IdCardData | None = None  # the card on the reader, once reported
        self._misses = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> IdCardWatcher:
        if self._thread is None or not self._thread.is_alive():
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="idcard-watcher", daemon=True)
            self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.poll_once()
                self._poll_failing = False
            except Exception:  # a callback's bug must not end the watching; logged once
                if not self._poll_failing:
                    log.exception("idcard watcher: poll failed")
                self._poll_failing = True
            self._stop.wait(self.next_wait())

    def next_wait(self) -> float:
        """Seconds to the next poll: short while the field is empty and the reader answers."""
        idle = self.current is None and self.state[0] == DeviceState.OK.value
        return self.idle_poll_interval if idle else self.poll_interval

    def poll_once(self) -> None:
        """One poll; public so a test or a flow can step the watcher without a thread."""
        if self.current is not None:
            self._check_still_there()
            return
        result = self._read()
        if isinstance(result, DeviceStatus):
            self._state(result)
            if self.on_error is not None:
                self.on_error(result)
            return
        self._state(None)
        if isinstance(result, IdCardData):
            self._placed(result)

    def _state(self, failure: DeviceStatus | None) -> None:
        """Tell (or log) the reader's state when it changed since the last poll."""
        status = failure or DeviceStatus("idcard", DeviceState.OK)
        now = (status.state.value, status.code)
        if now == self.state:
            return
        self.state = now
        if self.on_state is not None:
            self.on_state(status)
        elif failure is None:
            log.info("idcard reader answers again")
        else:
            log.warning("idcard reader %s: %s (%s)", now[0], failure.code, failure.message_en)

    def _read(self) -> IdCardData | DeviceStatus | None:
        poll = getattr(self.reader, "poll", None)
        if callable(poll):
            return poll()
        return self.reader.read_card()

    def _check_still_there(self) -> None:
        present = self._still_there()
        if present is None:
            return  # the reader failed (or a new card was just reported): nothing to count
        if present:
            self._misses = 0
            return
        self._misses += 1
        if self._misses >= self.misses_to_remove:
            self._removed()

    def _still_there(self) -> bool | None:
        """Whether the card reported is still on the reader; None when the reader failed, or
        when another card lies there now (reported here as a removal and a new placement)."""
        current = self.current
        assert current is not None
        in_field = getattr(self.reader, "card_in_field", None)
        if callable(in_field) and current.chip_serial:
            seen = in_field()
            if seen is None:
                return None
            present, serial = seen
            if present and serial and serial != current.chip_serial:
                # another chip: the card was lifted and another placed between two polls
                # (sooner than `misses_to_remove` polls), so this is a new placement
                self._removed()
                self.poll_once()
                return None
            return bool(present)
        present_fn = getattr(self.reader, "card_present", None)
        if callable(present_fn):
            answer: bool | None = present_fn()
            return answer
        card = self.reader.read_card()
        if card is not None and card.id_number != current.id_number:
            self._removed()
            self._placed(card)
            return None
        return card is not None

    def _placed(self, card: IdCardData) -> None:
        self.current = card
        self._misses = 0
        self.on_card(card)

    def _removed(self) -> None:
        self.current = None
        self._misses = 0
        if self.on_removed is not None:
            self.on_removed()
