"""The "still there?" overlay over every screen while the idle countdown runs."""

from __future__ import annotations

from typing import Any

from kivy.uix.floatlayout import FloatLayout


class StillThereOverlay(FloatLayout):
    """Shown by the navigator's still_there_showing; a touch anywhere dismisses it (the root
    widget swallows that touch so it doesn't also press what is under it)."""

    def on_touch_down(self, touch: Any) -> bool:
        return self.opacity > 0 and super().on_touch_down(touch)

    def spoken_lines(self) -> list[str]:
        from ui.screens.base import visible_texts

        return visible_texts(self)
