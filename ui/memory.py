"""Memory at rest of the `kiosk app` process (issue 18, docs/bench-kiosk.md "Memory at rest").

Called by `ui.main` only, in the process that shows the kiosk screen, never in a test runner:

- `skip_unused_imports()` before anything imports httpx: two optional imports that the
  development install triggers and the kiosk never uses. httpx imports its command-line client
  (click, rich, pygments) whenever those happen to be installed (uvicorn brings click, the
  test tools bring rich); httpcore imports trio whenever it is installed (selenium brings it),
  although the kiosk runs on asyncio. A production install without the test tools has neither.
- `skip_unused_image_providers()` before Kivy is imported: Kivy imports every image provider
  it knows, and its Pillow one (a fallback for formats SDL2_image cannot read; the kiosk's
  pictures are PNGs, read by SDL2) brings Pillow and cffi. `KIVY_IMAGE`, when set, is kept.
- `tune_malloc()` first thing: glibc gives freed memory at the top of the heap back to the
  system above 128 KB, and blocks over 128 KB get their own mappings, instead of its dynamic
  thresholds (they rise with each big block freed, up to 32 MB, so start-up's big transient
  buffers end up inside the heap and stay there).
- `trim_after_start()` once the start screen is drawn: `malloc_trim(0)` returns the free pages
  inside the heap that start-up left behind (the CJK font's extraction, .kv parsing, images).

`KIOSK_MEMORY_TUNING=0` in the environment turns them all off (to measure them).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import sys

# imports the kiosk app never needs; None in sys.modules makes `import x` raise ImportError,
# which both libraries handle as "not installed"
UNUSED_MODULES = ("httpx._main", "trio")
# Kivy's image providers the kiosk uses, in Kivy's order (its default adds pil, ffpy, gif...)
KIVY_IMAGE_PROVIDERS = "tex,dds,sdl2"
M_TRIM_THRESHOLD = -1  # glibc's mallopt() parameter (malloc.h)
TRIM_THRESHOLD_BYTES = 128 * 1024


def tuning_on() -> bool:
    return os.environ.get("KIOSK_MEMORY_TUNING", "1") != "0"


def skip_unused_imports() -> list[str]:
    """Mark UNUSED_MODULES as absent unless something already imported them."""
    skipped = []
    for name in UNUSED_MODULES:
        if name not in sys.modules:
            sys.modules[name] = None  # type: ignore[assignment]
            skipped.append(name)
    return skipped


def skip_unused_image_providers() -> bool:
    """Kivy's image providers: SDL2 (and Kivy's own .tex/.dds) only, unless KIVY_IMAGE is set.
    False when set already, or when Kivy was imported before (it reads KIVY_IMAGE then)."""
    if "KIVY_IMAGE" in os.environ or "kivy" in sys.modules:
        return False
    os.environ["KIVY_IMAGE"] = KIVY_IMAGE_PROVIDERS
    return True


def _libc() -> ctypes.CDLL | None:
    try:
        return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
    except OSError:
        return None


def tune_malloc() -> bool:
    """A fixed 128 KB trim threshold for glibc's heap; False off glibc. Setting it also fixes
    the mmap threshold at its 128 KB default: a big block (a camera frame, a decoded PNG) gets
    its own mapping, returned when freed, instead of a place in the heap that fragments it.
    The price: page faults for each such block (~1 ms of CPU per 3.6 MB allocated)."""
    libc = _libc()
    if libc is None or not hasattr(libc, "mallopt"):
        return False
    return bool(libc.mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD_BYTES))


def trim_after_start() -> bool:
    """Give the heap's free pages back to the system; False off glibc."""
    libc = _libc()
    if libc is None or not hasattr(libc, "malloc_trim"):
        return False
    return bool(libc.malloc_trim(0))
