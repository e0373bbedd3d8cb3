"""A driver that plays a person at the screen, from inside the app's own loop.

It finds real widgets by text or id, taps them with real touch events (MotionEvents posted to
the window, so they go through the same dispatch as a finger), waits for screens, and saves
screenshots. UI tests and the headless demo run a script `async def script(d: Driver)` with
`kiosk app --drive module:function`; the outcome goes to a JSON file.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from kivy.base import EventLoop
from kivy.clock import Clock
from kivy.input.motionevent import MotionEvent
from kivy.uix.label import Label
from kivy.uix.widget import Widget


class DriverTouch(MotionEvent):
    """A finger at window coordinates (x, y)."""

    def __init__(self, x: float, y: float) -> None:
        win = EventLoop.window
        super().__init__(
            "driver",
            id(self),
            {"x": x / (win.width - 1.0), "y": y / (win.height - 1.0)},
            is_touch=True,
            type_id="touch",
        )
        self.profile = ["pos"]

    def depack(self, args: dict[str, float]) -> None:
        self.sx = args["x"]
        self.sy = args["y"]
        super().depack(args)


class DriverTimeout(AssertionError):
    pass


def walk_visible(widget: Widget) -> Iterator[Widget]:
    """The widget and its descendants that a person could see (opacity > 0)."""
    if widget.opacity <= 0:
        return
    yield widget
    for child in reversed(widget.children):
        yield from walk_visible(child)


class Driver:
    def __init__(self, app: Any, timeout: float = 5.0) -> None:
        self.app = app
        self.timeout = timeout
        self.taps = 0

    # looking ---------------------------------------------------------------------------------
    @property
    def window(self) -> Any:
        return EventLoop.window

    def widgets(self) -> list[Widget]:
        return list(walk_visible(self.app.root))

    def labels(self) -> list[Label]:
        return [w for w in self.widgets() if isinstance(w, Label) and w.text.strip()]

    def texts(self) -> list[str]:
        return [label.text for label in self.labels()]

    def find(self, text: str | None = None, wid: str | None = None) -> Widget | None:
        for widget in self.widgets():
            if wid is not None and getattr(widget, "test_id", None) == wid:
                return widget
            if text is not None and isinstance(widget, Label) and widget.text.strip() == text:
                return widget
        return None

    async def frames(self, count: int = 2) -> None:
        for _ in range(count):
            done = asyncio.get_running_loop().create_future()
            Clock.schedule_once(lambda _dt, f=done: f.done() or f.set_result(None), 0)
            await asyncio.wait_for(done, self.timeout)
            await asyncio.sleep(0.02)

    async def until(self, check: Callable[[], Any], what: str, timeout: float | None = None) -> Any:
        deadline = time.monotonic() + (timeout or self.timeout)
        while time.monotonic() < deadline:
            value = check()
            if value:
                return value
            await asyncio.sleep(0.05)
        raise DriverTimeout(f"timed out waiting for {what}; on screen: {self.texts()}")

    async def wait_for(
        self, text: str | None = None, wid: str | None = None, timeout: float | None = None
    ) -> Widget:
        return await self.until(lambda: self.find(text, wid), f"{text or wid!r}", timeout)

    async def wait_screen(self, name: str, timeout: float | None = None) -> None:
        await self.until(lambda: self.app.navigator.current == name, f"screen {name}", timeout)
        await self.frames(2)

    # touching --------------------------------------------------------------------------------
    def center_of(self, widget: Widget) -> tuple[float, float]:
        return widget.to_window(*widget.center)

    async def press(self, target: Widget | str) -> DriverTouch:
        widget = target if isinstance(target, Widget) else await self.wait_for(text=target)
        touch = DriverTouch(*self.center_of(widget))
        EventLoop.post_dispatch_input("begin", touch)
        await self.frames(1)
        return touch

    async def release(self, touch: DriverTouch) -> None:
        EventLoop.post_dispatch_input("end", touch)
        await self.frames(1)

    async def tap(self, target: Widget | str, hold: float = 0.08) -> None:
        """Touch the widget (or the label with this text) at its centre and lift the finger."""
        touch = await self.press(target)
        await asyncio.sleep(hold)
        await self.release(touch)
        self.taps += 1
        await self.frames(2)

    async def tap_at(self, x: float, y: float, hold: float = 0.08) -> None:
        touch = DriverTouch(x, y)
        EventLoop.post_dispatch_input("begin", touch)
        await asyncio.sleep(hold)
        EventLoop.post_dispatch_input("end", touch)
        self.taps += 1
        await self.frames(2)

    # seeing ----------------------------------------------------------------------------------
    async def screenshot(self, path: str | Path) -> Path:
        """Save what the window shows now as a PNG at `path`."""
        from kivy.graphics.opengl import GL_RGBA, GL_UNSIGNED_BYTE, glReadPixels
        from PIL import Image

        await self.frames(3)
        width, height = self.window.system_size
        pixels = glReadPixels(0, 0, width, height, GL_RGBA, GL_UNSIGNED_BYTE)
        image = Image.frombytes("RGBA", (width, height), pixels).transpose(
            Image.Transpose.FLIP_TOP_BOTTOM
        )
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        image.convert("RGB").save(path)
        return path
