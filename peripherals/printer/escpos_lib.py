"""python-escpos, imported at the first print, not at start.

The driver composes tickets and receipts through a python-escpos `Dummy` printer, but
importing python-escpos (with python-barcode, PyYAML, qrcode and its printer database) holds
~8 MB and costs ~0.1 s of CPU, which a kiosk at rest does not need (status queries go over the
link's plain socket or serial port, peripherals.printer.links): `escpos_printer()` imports it
the first time a ticket or receipt is composed.

Before that import it points python-escpos at a lasting folder for the pickle of its printer
database (`ESCPOS_CAPABILITIES_PICKLE_DIR`, only when unset): otherwise it parses 96 KB of YAML
(~0.3 s) at every start and writes the pickle to a new temporary folder. The folder is the
user's cache (~/.cache/kiosk-escpos, or $XDG_CACHE_HOME/kiosk-escpos), shared by every data
dir; the pickle is named after the Python version and rebuilt when the database is newer.
"""

from __future__ import annotations

import os
from pathlib import Path
from types import ModuleType

PICKLE_DIR_ENV = "ESCPOS_CAPABILITIES_PICKLE_DIR"


def pickle_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "kiosk-escpos"


def escpos_printer() -> ModuleType:
    """The `escpos.printer` module (Dummy, Network, Serial), imported on first call."""
    if PICKLE_DIR_ENV not in os.environ:
        folder = pickle_dir()
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError:  # no writable cache: python-escpos falls back to a temporary folder
            pass
        else:
            os.environ[PICKLE_DIR_ENV] = str(folder)
    import escpos.printer

    return escpos.printer
