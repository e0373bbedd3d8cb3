"""Driver scripts about the screen the app opens on (kiosk mode, not --windowed)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from ui.driver import Driver


async def fills_the_screen(d: Driver) -> dict[str, Any]:
    """Where the start screen's widgets are, and the whole X screen (not just the window) as a
    PNG: what a tourist would see on the panel."""
    from kivy.core.window import Window
    from PIL import ImageGrab

    await d.wait_screen("start", timeout=15)
    buy = await d.wait_for(wid="buy")
    await d.frames(4)
    left, bottom = buy.to_window(buy.x, buy.y)
    right, top = buy.to_window(buy.right, buy.top)
    path = (
        Path(os.environ["KIOSK_UI_SHOTS"])
        / "kiosk_mode"
        / f"start_{Window.width}x{Window.height}.png"
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    ImageGrab.grab(xdisplay=os.environ["DISPLAY"]).save(path)
    return {
        "window": list(Window.size),
        "landscape": d.app.landscape,
        "buy": [left, bottom, right, top],
        "screenshot": str(path),
    }
