"""PC/SC smart card reader: member cards and staff cards.

    from peripherals.smartcard import open_smartcard_reader
    reader = open_smartcard_reader(config.devices.smartcard)   # "" picks the first reader
    reader.status(); reader.read_card(); stop = reader.watch(on_inserted, on_removed)

The driver, the watcher and `open_smartcard_reader` are imported on first use (pyscard loads
only then); the emulator is in `peripherals.smartcard.emulator` and never imported from here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from peripherals.exports import lazy_exports
from peripherals.smartcard.errors import SmartCardError
from peripherals.smartcard.protocol import SmartCardData, SmartCardReader

if TYPE_CHECKING:
    from peripherals.smartcard.driver import PcscSmartCardReader, open_smartcard_reader
    from peripherals.smartcard.watcher import CardWatcher

__getattr__ = lazy_exports(
    __name__,
    {
        "PcscSmartCardReader": "driver",
        "open_smartcard_reader": "driver",
        "CardWatcher": "watcher",
    },
)

__all__ = [
    "CardWatcher",
    "PcscSmartCardReader",
    "SmartCardData",
    "SmartCardError",
    "SmartCardReader",
    "open_smartcard_reader",
]
