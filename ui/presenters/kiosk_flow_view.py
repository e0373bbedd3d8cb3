"""A kiosk flow on screen: the flow (run by kiosk.flows.home.JourneyLoop), its presenter, and
the flow's idle logic shown with the app's "still there?" overlay.

While a KioskFlowView runs, the flow's idle timeout is the only one (the navigator's own
countdown is off); every touch on screen is forwarded to the flow as activity.
"""

from __future__ import annotations

import time
from typing import Any

from kivy.clock import Clock

from ui.seam import FlowView, Scene


def signal_activity(flow: Any) -> None:
    """Tell the flow the person is still here, without choosing anything (`Flow.touch()`:
    restarts its idle timeout, changes no screen). Called on the Kivy thread, which is the
    flow's asyncio loop thread (the app runs on asyncio)."""
    flow.touch()


FINAL_SCREENS = frozenset({"done", "error", "aftersales_done", "aftersales_refused", "home"})


class KioskFlowView(FlowView):
    """Shows one flow (run by kiosk.flows.home.JourneyLoop) through its presenter; while the flow
    waits for the person its idle timeout rules, and its `still_there` state is the overlay."""

    def __init__(self, flow: Any, presenter: Any) -> None:
        super().__init__(flow, presenter)
        self._countdown: Any = None
        self._asking_since = 0.0
        presenter.view = self

    # the navigator asks ---------------------------------------------------------------------
    @property
    def is_home(self) -> bool:
        """The home flow: what the start screen's taps go to, never detached by going home."""
        return self.flow.name == "home"

    @property
    def owns_idle(self) -> bool:
        """True while a journey waits for the person: its idle timeout rules, not the
        navigator's (the start screen and a journey's last screen are the navigator's)."""
        state = getattr(self.flow, "state", None)
        return self.flow.name != "home" and getattr(state, "screen", "") not in FINAL_SCREENS

    def touched(self) -> None:
        if not self.owns_idle:
            return
        if getattr(self.flow.state, "screen", "") == "still_there":
            self.flow.act("continue")
        else:
            signal_activity(self.flow)

    def stop(self) -> None:
        self._hide_still_there()
        super().stop()

    # showing --------------------------------------------------------------------------------
    def show(self, scene: Scene) -> None:
        """A scene the presenter shows on its own (a keypad before the flow gets the value)."""
        if self.navigator is not None:
            self.navigator.show(scene.screen, scene.params)

    def render_now(self) -> None:
        self._render()

    def render_state(self, state: Any) -> None:
        if getattr(state, "screen", "") == "still_there":
            self._show_still_there()
            return
        self._hide_still_there()
        super().render_state(state)

    def _show_still_there(self) -> None:
        navigator = self.navigator
        if navigator is None or self._countdown is not None:
            return
        self._asking_since = time.monotonic()
        total = float(navigator.still_there_seconds)

        def tick(_dt: float) -> None:
            left = total - (time.monotonic() - self._asking_since)
            navigator.still_there_left = max(1, int(left + 0.999))
            navigator.still_there_showing = True

        tick(0)
        self._countdown = Clock.schedule_interval(tick, 0.25)

    def _hide_still_there(self) -> None:
        if self._countdown is not None:
            self._countdown.cancel()
            self._countdown = None
            if self.navigator is not None:
                self.navigator.still_there_showing = False
                self.navigator.still_there_left = 0
