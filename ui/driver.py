"""A driver that plays a person at the screen, from inside the app's own loop.

It finds real widgets by text or id, taps them with real touch events (MotionEvents posted to
the window, so they go through the same dispatch as a finger), waits for screens, and saves
screenshots. UI tests and the headless demo run a script `async def script(d: Driver)` with
`kiosk app --drive module:function`; the outcome goes to a JSON file.
"""

from __future__ import annotations

import asyncio
import contextlib
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
        self.flips = 0  # frames drawn since the first `drawn` (counted from then on)
        self._counting_flips = False

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

    async def next_frame(self, timeout: float | None = None) -> None:
        """One turn of the app's loop: what was posted or changed before this call has been
        dispatched (the clock's callbacks, then input, then layout) and drawn when it returns."""
        done = asyncio.get_running_loop().create_future()
        Clock.schedule_once(lambda _dt: done.done() or done.set_result(None), 0)
        await asyncio.wait_for(done, timeout or self.timeout)

    async def frames(self, count: int = 2) -> None:
        """Let `count` frames pass (each one a turn of the loop, see `next_frame`)."""
        for _ in range(count):
            await self.next_frame()

    async def until(self, check: Callable[[], Any], what: str, timeout: float | None = None) -> Any:
        """`check()`'s first true value, asked now and after every frame."""
        deadline = time.monotonic() + (timeout or self.timeout)
        while True:
            value = check()
            if value:
                return value
            left = deadline - time.monotonic()
            if left <= 0:
                break
            with contextlib.suppress(TimeoutError):  # no frame by the deadline: one last look
                await self.next_frame(left)
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
        """Put a finger down on the widget (or the label with this text); returns when the
        touch has been dispatched and the frame after it drawn."""
        widget = target if isinstance(target, Widget) else await self.wait_for(text=target)
        return await self._down(*self.center_of(widget))

    async def _down(self, x: float, y: float) -> DriverTouch:
        touch = DriverTouch(x, y)
        EventLoop.post_dispatch_input("begin", touch)
        await self.next_frame()
        return touch

    async def release(self, touch: DriverTouch) -> None:
        """Lift the finger; returns when the touch-up has been dispatched (the widget's
        on_release has run) and the frame after it drawn."""
        EventLoop.post_dispatch_input("end", touch)
        await self.next_frame()

    async def tap(self, target: Widget | str, hold: float = 0.08) -> None:
        """Touch the widget (or the label with this text) at its centre, keep the finger down
        `hold` seconds (the frame showing the touch within them), and lift it."""
        widget = target if isinstance(target, Widget) else await self.wait_for(text=target)
        await self.tap_at(*self.center_of(widget), hold=hold)

    async def tap_at(self, x: float, y: float, hold: float = 0.08) -> None:
        """A tap at window coordinates (x, y): down, at least one frame and `hold` seconds,
        up; returns when the touch-up has been dispatched and the frame after it drawn. What
        the tap sets going (a flow's next screen, a backend call) is the caller's to wait for
        (`wait_screen`, `wait_for`, `until`)."""
        down_at = time.monotonic()
        touch = await self._down(x, y)
        await asyncio.sleep(max(0.0, hold - (time.monotonic() - down_at)))
        await self.release(touch)
        self.taps += 1

    # seeing ----------------------------------------------------------------------------------
    async def drawn(self, most: int = 3) -> None:
        """Until what changed is drawn and the picture holds still: frames until one passes
        without a redraw, at most `most` (a live preview or a countdown redraws every frame)."""
        if not self._counting_flips:
            self.window.fbind("on_flip", self._count_flip)
            self._counting_flips = True
        await self.next_frame()
        for _ in range(most - 1):
            flips = self.flips
            await self.next_frame()
            if self.flips == flips:
                return

    def _count_flip(self, *_args: Any) -> None:
        self.flips += 1

    async def screenshot(self, path: str | Path) -> Path:
        """Save what the window shows now as a PNG at `path` (zlib level 1: a screen of flat
        colours compresses nearly as well and encodes faster than at the default 6)."""
        from kivy.graphics.opengl import GL_RGBA, GL_UNSIGNED_BYTE, glReadPixels
        from PIL import Image

        await self.drawn()
        width, height = self.window.system_size
        pixels = glReadPixels(0, 0, width, height, GL_RGBA, GL_UNSIGNED_BYTE)
        image = Image.frombytes("RGBA", (width, height), pixels).transpose(
            Image.Transpose.FLIP_TOP_BOTTOM
        )
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        image.convert("RGB").save(path, compress_level=1)
        return path
