"""A thread that turns pcscd's reader state changes into card inserted/removed callbacks. A reader
(or pcscd) that is away is logged when that changes, not at every retry."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from smartcard import scard

from peripherals.smartcard.errors import SmartCardError
from peripherals.smartcard.pcsc_calls import pcsc_context, pick_reader, read_from, readers_in
from peripherals.smartcard.protocol import SmartCardData

log = logging.getLogger(__name__)

RETRY_SECONDS = 0.5  # pause before trying pcscd / the reader again after losing it


class CardWatcher:
    """Reports each card once when it arrives and once when it leaves, for the reader whose
    name contains `reader_name` ("" for the first), asking pcscd every `poll_seconds`."""

    def __init__(
        self,
        reader_name: str,
        on_inserted: Callable[[SmartCardData], None],
        on_removed: Callable[[], None] | None = None,
        poll_seconds: float = 0.2,
    ) -> None:
        self.reader_name = reader_name
        self.poll_seconds = poll_seconds
        self.on_inserted = on_inserted
        self.on_removed = on_removed
        self._stop = threading.Event()
        self._reported = False  # a card was reported inserted and not yet removed
        self._handled = False  # the card now in the reader was already read (or tried)
        self._problem = ""  # why the reader is not watched now, as last logged ("": watched)
        self._thread = threading.Thread(target=self._run, name="smartcard-watch", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 2.0) -> None:
        self._stop.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                with pcsc_context() as context:
                    reader = pick_reader(readers_in(context), self.reader_name)
                    self._watching(reader)
                    self._watch_reader(context, reader)
            except SmartCardError as exc:
                self._lost(exc.code, str(exc))
            except Exception as exc:  # the watcher must outlive any surprise; the kiosk's ears
                self._lost(type(exc).__name__, "smart card watch failed; retrying", surprise=True)
            if self._stop.is_set():
                break
            self._card_left()  # whatever we lost sight of is no longer in front of us
            self._stop.wait(RETRY_SECONDS)

    def _watching(self, reader: str) -> None:
        if self._problem:
            log.info("smart card reader %s watched again", reader)
        self._problem = ""

    def _lost(self, problem: str, text: str, surprise: bool = False) -> None:
        """Log why the reader is not watched when that changed, else only at debug."""
        if problem == self._problem:
            log.debug("smart card watch: %s", text)
            return
        self._problem = problem
        if surprise:
            log.exception(text)
        else:
            log.warning("smart card reader not watched: %s", text)

    def _watch_reader(self, context: Any, reader: str) -> None:
        state = scard.SCARD_STATE_UNAWARE
        poll_ms = max(int(self.poll_seconds * 1000), 10)
        while not self._stop.is_set():
            result, states = scard.SCardGetStatusChange(context, poll_ms, [(reader, state)])
            if result == scard.SCARD_E_TIMEOUT:
                continue
            if result != scard.SCARD_S_SUCCESS:
                raise SmartCardError("reader_not_found", f"{reader}: 0x{result & 0xFFFFFFFF:08X}")
            event = states[0][1]
            if event & (scard.SCARD_STATE_UNKNOWN | scard.SCARD_STATE_UNAVAILABLE):
                raise SmartCardError("reader_not_found", reader)
            state = event & ~scard.SCARD_STATE_CHANGED
            if event & scard.SCARD_STATE_PRESENT and not event & scard.SCARD_STATE_MUTE:
                if not self._handled:
                    self._card_arrived(context, reader)
            else:
                self._card_left()

    def _card_arrived(self, context: Any, reader: str) -> None:
        try:
            data = read_from(context, reader)
        except SmartCardError as exc:
            log.warning("card in %s could not be read: %s", reader, exc.code)
            self._handled = True  # do not hammer a bad card; wait for it to leave
            return
        if data is None:
            return  # gone before we could read it; the next state change says so
        self._handled = True
        self._reported = True
        self._call(self.on_inserted, data)

    def _card_left(self) -> None:
        self._handled = False
        if self._reported:
            self._reported = False
            if self.on_removed is not None:
                self._call(self.on_removed)

    @staticmethod
    def _call(callback: Callable[..., None], *args: Any) -> None:
        try:
            callback(*args)
        except Exception:
            log.exception("smart card callback %r raised", callback)
