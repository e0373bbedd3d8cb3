"""The navigator: owns the ScreenManager, the history (back), the idle timer and the flow view
(a flow shown through its presenter, `ui.seam.FlowView`) that is driving the screens."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from kivy.clock import Clock
from kivy.event import EventDispatcher
from kivy.logger import Logger
from kivy.properties import BooleanProperty, NumericProperty, ObjectProperty, StringProperty
from kivy.uix.screenmanager import NoTransition, ScreenManager

from ui.screens import build_screen
from ui.screens.base import KioskScreen

START = "start"


class Navigator(EventDispatcher):
    """Shows screens by name, remembers where back goes, and clears everything when idle.

    Events: on_idle_reset() after the "still there?" countdown ran out (the flows layer clears
    its state there), on_screen(name) after every switch.
    """

    current = StringProperty("")
    idle_seconds = NumericProperty(60.0)
    still_there_seconds = NumericProperty(15.0)
    # seconds left of the "still there?" countdown while it shows, else 0
    still_there_left = NumericProperty(0)
    still_there_showing = BooleanProperty(False)
    # the flow on screen (a ui.seam.FlowView), None at rest
    flow_view = ObjectProperty(None, allownone=True)

    __events__ = ("on_idle_reset", "on_screen")

    def __init__(self, manager: ScreenManager | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.manager = manager or ScreenManager(transition=NoTransition())
        self.screens: dict[str, KioskScreen] = {}
        self.history: list[tuple[str, dict[str, Any]]] = []
        self.last_touch = time.monotonic()
        self._idle_event = Clock.schedule_interval(self._check_idle, 0.25)
        self.fallback_intents: dict[str, Callable[[dict[str, Any]], None]] = {
            "back": lambda _data: self.back(),
            "home": lambda _data: self.home(),
        }

    # screens ---------------------------------------------------------------------------------
    def screen(self, name: str) -> KioskScreen:
        if name not in self.screens:
            screen = build_screen(name)
            self.screens[name] = screen
            self.manager.add_widget(screen)
        return self.screens[name]

    @property
    def current_screen(self) -> KioskScreen | None:
        return self.screens.get(self.current)

    def show(self, name: str, params: dict[str, Any] | None = None, remember: bool = True) -> None:
        """Put screen `name` up with `params`; the same screen showing just gets the new params."""
        params = dict(params or {})
        target = self.screen(name)
        if name == self.current:
            target.update(params)
            return
        previous = self.current_screen
        if previous is not None:
            previous.on_deactivate()
            if remember and name != START:
                self.history.append((previous.name, dict(previous.params)))
        if name == START:
            self.history.clear()
        target.activate(params)
        self.manager.current = name
        self.current = name
        Logger.info(f"Navigator: screen {name}")
        self.dispatch("on_screen", name)

    def back(self) -> None:
        """Go to the previous screen; from the first screen of a journey that is the start."""
        if self.flow_view is not None and self.flow_view.wants_back():
            return
        if self.history:
            name, params = self.history.pop()
            self.show(name, params, remember=False)
        else:
            self.home()

    def home(self) -> None:
        """End any journey and show the start screen. The home flow itself stays attached (the
        start screen's taps go to it): a scene it showed on its own, e.g. the change-or-refund
        choice left idle, gives way to its start screen again."""
        view = self.flow_view
        if view is not None and getattr(view, "is_home", False):
            view.render_now()
            return
        self.detach_flow()
        self.show(START)

    # the flow on screen ----------------------------------------------------------------------
    def attach_flow(self, view: Any) -> None:
        """Let `view` (a flow and its presenter) drive the screens, detaching the one before."""
        self.detach_flow()
        self.flow_view = view
        view.start(self)

    def detach_flow(self) -> None:
        view, self.flow_view = self.flow_view, None
        if view is not None:
            view.stop()

    def intent(self, name: str, data: dict[str, Any]) -> None:
        """A tap a screen forwards: the journey gets it, else back/home are handled here."""
        self.touched()
        if self.flow_view is not None and self.flow_view.intent(name, data):
            return
        handler = self.fallback_intents.get(name)
        if handler is not None:
            handler(data)
        else:
            Logger.warning(f"Navigator: intent {name!r} on {self.current} has no handler")

    # idle ------------------------------------------------------------------------------------
    def touched(self) -> None:
        self.last_touch = time.monotonic()
        if self.still_there_showing:
            self.still_there_showing = False
            self.still_there_left = 0
        forward = getattr(self.flow_view, "touched", None)
        if forward is not None:  # a running journey owns idle: the touch is activity for it
            forward()

    def idle_for(self) -> float:
        return time.monotonic() - self.last_touch

    def _check_idle(self, _dt: float) -> None:
        screen = self.current_screen
        if getattr(self.flow_view, "owns_idle", False):
            self.last_touch = time.monotonic()  # the flow counts idle and asks "still there?"
            return
        at_rest = self.current == START and self.flow_view is None
        if screen is None or at_rest or not screen.idle_allowed:
            if screen is not None and not screen.idle_allowed:
                self.last_touch = time.monotonic()  # idle counts from when e.g. printing ends
            self.still_there_showing = False
            return
        idle = self.idle_for()
        if idle < self.idle_seconds:
            return
        left = self.idle_seconds + self.still_there_seconds - idle
        if left > 0:
            self.still_there_showing = True
            self.still_there_left = int(left + 0.999)
            return
        self.still_there_showing = False
        self.still_there_left = 0
        Logger.info("Navigator: idle, clearing and returning to start")
        self.dispatch("on_idle_reset")
        self.home()

    def on_idle_reset(self) -> None:
        pass

    def on_screen(self, name: str) -> None:
        pass

    def close(self) -> None:
        self._idle_event.cancel()
