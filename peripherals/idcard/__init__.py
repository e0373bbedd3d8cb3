"""Second-generation resident ID card reader (SAM protocol over serial).

    from peripherals.idcard import open_idcard_reader, IdCardWatcher
    reader = open_idcard_reader(config.devices.idcard, baudrate=115200)
    reader.status(); reader.read_card(); IdCardWatcher(reader, on_card).start()

The driver, the watcher and `open_idcard_reader` are imported on first use; the emulator is in
`peripherals.idcard.emulator` and never imported from here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from peripherals.exports import lazy_exports
from peripherals.idcard.errors import IdCardError
from peripherals.idcard.protocol import IdCardData, IdCardReader

if TYPE_CHECKING:
    from peripherals.idcard.driver import SamIdCardReader, open_idcard_reader
    from peripherals.idcard.watcher import IdCardWatcher

__getattr__ = lazy_exports(
    __name__,
    {"SamIdCardReader": "driver", "open_idcard_reader": "driver", "IdCardWatcher": "watcher"},
)

__all__ = [
    "IdCardData",
    "IdCardError",
    "IdCardReader",
    "IdCardWatcher",
    "SamIdCardReader",
    "open_idcard_reader",
]
