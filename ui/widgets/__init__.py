"""Reusable touch widgets; their look is in widgets.kv. `load()` registers them once."""

from __future__ import annotations

from pathlib import Path

_loaded = False


def load() -> None:
    """Import every widget class (so kv knows the names) and load widgets.kv, once."""
    global _loaded
    if _loaded:
        return
    from kivy.lang import Builder

    from ui.widgets import (  # noqa: F401
        access,
        controls,
        countdown,
        keypad,
        overlays,
        panels,
        stepbar,
    )

    Builder.load_file(str(Path(__file__).with_name("widgets.kv")))
    _loaded = True
