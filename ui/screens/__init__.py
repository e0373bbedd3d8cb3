"""The screen registry: a name -> the screen class, whose .kv sits beside its module.

Each screen is `ui/screens/<name>.py` with `ui/screens/<name>.kv`; the .kv is loaded once, the
first time the screen is built, and the screen object is kept for the app's life.
"""

from __future__ import annotations

import importlib
from pathlib import Path

from kivy.lang import Builder

from ui.screens.base import KioskScreen

# name -> "module:Class". A presenter (ui/presenters/) names one of these in each Scene.
SCREENS: dict[str, str] = {
    "start": "ui.screens.start:StartScreen",
    "out_of_service": "ui.screens.out_of_service:OutOfServiceScreen",
    "keypad_entry": "ui.screens.keypad_entry:KeypadEntryScreen",
    "device_prompt": "ui.screens.device_prompt:DevicePromptScreen",
    "progress": "ui.screens.progress:ProgressScreen",
    "message": "ui.screens.message:MessageScreen",
    "choice": "ui.screens.choice:ChoiceScreen",
    "choose_slot": "ui.screens.choose_slot:ChooseSlotScreen",
    "seat_map": "ui.screens.seat_map:SeatMapScreen",
    "ticket_counter": "ui.screens.ticket_counter:TicketCounterScreen",
    "summary": "ui.screens.summary:SummaryScreen",
    "native_qr": "ui.screens.native_qr:NativeQrScreen",
    "diagnostics": "ui.screens.diagnostics:DiagnosticsScreen",
}

_loaded_kv: set[str] = set()


def build_screen(name: str) -> KioskScreen:
    if name not in SCREENS:
        raise KeyError(f"unknown screen {name!r}; known: {', '.join(SCREENS)}")
    module_name, class_name = SCREENS[name].split(":")
    module = importlib.import_module(module_name)
    kv = Path(module.__file__ or "").with_suffix(".kv")
    if kv.exists() and str(kv) not in _loaded_kv:
        Builder.load_file(str(kv))
        _loaded_kv.add(str(kv))
    screen = getattr(module, class_name)(name=name)
    if not isinstance(screen, KioskScreen):
        raise TypeError(f"{SCREENS[name]} is not a KioskScreen")
    return screen
