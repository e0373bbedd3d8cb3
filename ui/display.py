"""The size of the screen the kiosk app opens on, read before Kivy makes its window.

Kivy's `fullscreen = "auto"` asks SDL for a desktop-fullscreen window, which needs a window
manager to resize it; on a bare X server (a kiosk session, Xvfb) the window stays at the
configured size and the app is drawn into a corner. So kiosk mode asks SDL for the display's
size first (the SDL library Kivy itself loads) and opens a borderless window of exactly that
size at 0,0.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import importlib.util
from pathlib import Path

SDL_INIT_VIDEO = 0x00000020


class _DisplayMode(ctypes.Structure):
    _fields_ = [
        ("format", ctypes.c_uint32),
        ("w", ctypes.c_int),
        ("h", ctypes.c_int),
        ("refresh_rate", ctypes.c_int),
        ("driverdata", ctypes.c_void_p),
    ]


def _sdl_library() -> ctypes.CDLL | None:
    """Kivy's bundled libSDL2 (the same one its window uses), else the system's."""
    spec = importlib.util.find_spec("kivy")  # found, not imported: Kivy is configured later
    if spec is not None and spec.origin:
        libs = Path(spec.origin).resolve().parents[1] / "Kivy.libs"
        for candidate in sorted(libs.glob("libSDL2-2*.so*")):
            try:
                return ctypes.CDLL(str(candidate))
            except OSError:
                break
    name = ctypes.util.find_library("SDL2-2.0") or ctypes.util.find_library("SDL2")
    if name is None:
        return None
    try:
        return ctypes.CDLL(name)
    except OSError:
        return None


def display_size(index: int = 0) -> tuple[int, int] | None:
    """(width, height) of display `index` in pixels, or None when SDL cannot tell (no display,
    no SDL)."""
    sdl = _sdl_library()
    if sdl is None:
        return None
    if sdl.SDL_InitSubSystem(SDL_INIT_VIDEO) != 0:
        return None
    try:
        mode = _DisplayMode()
        if sdl.SDL_GetDesktopDisplayMode(index, ctypes.byref(mode)) != 0:
            return None
        if mode.w <= 0 or mode.h <= 0:
            return None
        return int(mode.w), int(mode.h)
    finally:
        sdl.SDL_QuitSubSystem(SDL_INIT_VIDEO)
