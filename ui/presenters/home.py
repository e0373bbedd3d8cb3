"""The start screen as the home flow's view: its taps go to the home flow, which also hears
the devices (ID card → pickup, order QR → pickup, admission ticket → add-ons, member card →
membership, staff card → maintenance). A journey's last screen stays up a little while the
home flow already listens, so a tourist can read "Take your tickets"."""

from __future__ import annotations

import time
from typing import Any

from kivy.clock import Clock

from ui.presenters.base import FlowPresenter
from ui.seam import Scene

LINGER_SECONDS = 20.0
# the start screen's journeys -> the home flow's taps
TAPS = {"purchase": "buy", "pickup": "pickup", "addons": "addons", "membership": "member"}


class HomePresenter(FlowPresenter):
    def __init__(self, linger_until: float = 0.0) -> None:
        super().__init__()
        self.linger_until = linger_until
        self._later: Any = None
        self.pending_tap = ""  # the last journey ended asking to buy: open the purchase

    def scene(self, state: Any) -> Scene | None:
        self.state = state
        if self.pending_tap and self.pending_tap in state.actions:
            tap, self.pending_tap = self.pending_tap, ""
            if self.view is not None:
                self.view.flow.act(tap)
            return None
        left = self.linger_until - time.monotonic()
        if left > 0:
            if self._later is None and self.view is not None:
                self._later = Clock.schedule_once(lambda _dt: self.stop_lingering(), left)
            return None
        return Scene("start", {})

    def stop_lingering(self) -> None:
        self.linger_until = 0.0
        if self._later is not None:
            self._later.cancel()
            self._later = None
        if self.view is not None and self.view.navigator is not None:
            self.view.navigator.show("start", {})

    def forward(self, flow: Any, intent: str, data: dict[str, Any]) -> Any:
        if intent in ("home", "cancel", "back"):
            self.stop_lingering()
            return None
        name = TAPS.get(intent, intent)
        if name in flow.state.actions:
            self.stop_lingering()
            flow.act(name, **data)
            return None
        raise NotImplementedError(intent)

    def change_or_refund(self) -> None:
        """A small choice before the home flow's rebook/refund taps."""
        self.show_local(
            Scene(
                "choice",
                {
                    "title": "Change or refund",
                    "prompt": "What would you like to do?",
                    "items": [
                        {"intent": "rebook", "data": {}, "label": "Change the date or time",
                         "sub": "改签", "test_id": "rebook"},
                        {"intent": "refund", "data": {}, "label": "Refund tickets",
                         "sub": "退票", "test_id": "refund"},
                    ],
                },
            )
        )  # fmt: skip
