"""PC/SC smart card reader: member cards and staff cards.

from peripherals.smartcard import open_smartcard_reader
reader = open_smartcard_reader(config.devices.smartcard)   # "" picks the first reader
reader.status(); reader.read_card(); stop = reader.watch(on_inserted, on_removed)
"""

from __future__ import annotations

from peripherals.smartcard.errors import SmartCardError
from peripherals.smartcard.pcsc import PcscSmartCardReader
from peripherals.smartcard.protocol import SmartCardData, SmartCardReader


def open_smartcard_reader(reader_name: str = "") -> PcscSmartCardReader:
    """The driver for the reader whose name contains `reader_name` (config devices.smartcard)."""
    return PcscSmartCardReader(reader_name)


__all__ = [
    "PcscSmartCardReader",
    "SmartCardData",
    "SmartCardError",
    "SmartCardReader",
    "open_smartcard_reader",
]
