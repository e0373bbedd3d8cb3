"""Second-generation resident ID card reader (SAM protocol over serial)."""

from peripherals.idcard.driver import SamIdCardReader
from peripherals.idcard.errors import IdCardError
from peripherals.idcard.protocol import IdCardData, IdCardReader
from peripherals.idcard.watcher import IdCardWatcher

__all__ = ["IdCardData", "IdCardError", "IdCardReader", "IdCardWatcher", "SamIdCardReader"]
