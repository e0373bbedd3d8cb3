"""The smart card driver: member and staff cards through pcscd (pyscard's PC/SC calls).

Errors leave the driver only as `SmartCardError`, and only from `read_card`,
`list_readers` and `wait_for_card`; `status()` and `watch()` never raise.
`open_smartcard_reader(setting)` is the driver for a config value (a reader name or part of
one), looked up in SMARTCARD_READERS by the setting's scheme.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from smartcard import scard

from peripherals.smartcard.errors import SmartCardError
from peripherals.smartcard.pcsc_calls import (
    card_present,
    explain,
    list_readers,
    pcsc_context,
    pick_reader,
    read_from,
    readers_in,
)
from peripherals.smartcard.protocol import SmartCardData
from peripherals.smartcard.watcher import CardWatcher
from peripherals.status import DeviceState, DeviceStatus
from peripherals.transport import BARE, Registry


class PcscSmartCardReader:
    """The SmartCardReader the flows use, over pcscd. `reader_name` is a name or part of one."""

    def __init__(self, reader_name: str = "", *, poll_seconds: float = 0.2) -> None:
        self.reader_name = reader_name
        self.poll_seconds = poll_seconds
        self._stops: list[Callable[[], None]] = []

    def reader(self) -> str:
        """The full name of the reader this driver uses; raises SmartCardError."""
        return pick_reader(list_readers(), self.reader_name)

    def read_card(self) -> SmartCardData | None:
        """Read the card in the reader; None when there is none (or it left mid-read).

        Raises SmartCardError: pcscd_unavailable, reader_not_found, connect_failed, or
        transmit_failed (the card stopped answering but is still in the reader).
        """
        with pcsc_context() as context:
            return read_from(context, pick_reader(readers_in(context), self.reader_name))

    def status(self) -> DeviceStatus:
        try:
            with pcsc_context() as context:
                readers = readers_in(context)
                reader = pick_reader(readers, self.reader_name)
                present = card_present(context, reader)
        except SmartCardError as exc:
            details: dict[str, Any] = {"reader": self.reader_name, "detail": exc.message_en}
            return DeviceStatus(
                "smartcard", DeviceState.MISSING, exc.code, exc.message_zh, exc.message_en, details
            )
        return DeviceStatus(
            "smartcard",
            DeviceState.OK,
            details={"reader": reader, "card_present": present, "readers": readers},
        )

    def wait_for_card(self, present: bool = True, timeout: float = 5.0) -> bool:
        """Block until a card is (or, with present=False, is no longer) in the reader.

        Returns False on timeout. Raises SmartCardError when pcscd or the reader is missing.
        """
        with pcsc_context() as context:
            reader = pick_reader(readers_in(context), self.reader_name)
            state = scard.SCARD_STATE_UNAWARE
            deadline = time.monotonic() + timeout
            while True:
                remaining_ms = max(int((deadline - time.monotonic()) * 1000), 0)
                result, states = scard.SCardGetStatusChange(
                    context, remaining_ms, [(reader, state)]
                )
                if result == scard.SCARD_E_TIMEOUT:
                    return False
                if result != scard.SCARD_S_SUCCESS:
                    raise SmartCardError("reader_not_found", f"{reader}: {explain(result)}")
                state = states[0][1] & ~scard.SCARD_STATE_CHANGED
                if bool(state & scard.SCARD_STATE_PRESENT) == present:
                    return True
                if remaining_ms == 0:
                    return False

    def watch(
        self,
        on_inserted: Callable[[SmartCardData], None],
        on_removed: Callable[[], None] | None = None,
    ) -> Callable[[], None]:
        """Report insertions and removals from a background thread; returns a stop function.

        A card already in the reader when watching starts is reported as inserted.
        pcscd or the reader going away reports a removal (if a card was reported) and
        the watcher keeps retrying until stopped.
        """
        watcher = CardWatcher(self.reader_name, on_inserted, on_removed, self.poll_seconds)
        watcher.start()
        self._stops.append(watcher.stop)
        return watcher.stop

    def close(self) -> None:
        while self._stops:
            self._stops.pop()()


# pcscd is the one transport: a setting is the name of a reader it lists, or a part of one.
SMARTCARD_READERS: Registry[PcscSmartCardReader] = Registry("smartcard", "智能卡读卡器")
SMARTCARD_READERS.register(PcscSmartCardReader, BARE)


def open_smartcard_reader(setting: str = "", **options: Any) -> PcscSmartCardReader:
    """The driver for the reader whose name contains `setting` (config devices.smartcard; ""
    picks the first reader). Raises UnknownTransport (a DeviceError) for a URL-like setting;
    a reader that is merely absent is the driver's status, not an error."""
    return SMARTCARD_READERS.open(setting, **options)
