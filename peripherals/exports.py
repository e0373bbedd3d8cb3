"""Lazy names for a device package's `__init__` (PEP 562 module `__getattr__`).

A device package exports its driver, watcher and `open_<device>` by name, but imports their
module only when one of them is first used: importing `peripherals.camera.protocol` (which
imports the package first) must not load OpenCV, python-escpos or pyscard for a kiosk that has
no such device configured.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any


def lazy_exports(package: str, modules: dict[str, str]) -> Callable[[str], Any]:
    """A module `__getattr__` for `package`: name -> the submodule (relative) that defines it."""

    def __getattr__(name: str) -> Any:
        module = modules.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return getattr(importlib.import_module(f"{package}.{module}"), name)

    return __getattr__
