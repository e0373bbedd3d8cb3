"""The seam between a flow (kiosk.flows, no Kivy) and the screens.

A flow publishes its state; a presenter (one per flow, in ui/presenters/) turns a state into a
Scene (which screen, with what params) and turns a tap (an intent) into a call on the flow.

    flow.subscribe(listener) -> unsubscribe      listener(state) may be called from any thread
    presenter.scene(state) -> Scene | None       None: keep the screen as it is
    presenter.forward(flow, intent, data) -> None | Awaitable   (a coroutine runs on the loop)

A FlowView binds a flow to the screens through its presenter: it marshals every state to the
Kivy thread, renders only the latest one (a trigger, so a burst of states redraws once), and
runs forwarded coroutines as asyncio tasks whose errors go to the app's error handling, never
to the screen.
"""

from __future__ import annotations

import asyncio
import inspect
import threading
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from kivy.clock import Clock
from kivy.logger import Logger


@dataclass(frozen=True)
class Scene:
    """What to show: a registered screen name and the plain params it renders."""

    screen: str
    params: dict[str, Any] = field(default_factory=dict)
    # "home": the journey is over; the start screen shows (params may carry a banner message)
    done: bool = False


class PublishesState(Protocol):
    def subscribe(self, listener: Callable[[Any], None]) -> Callable[[], None]: ...


class Presenter(Protocol):
    def scene(self, state: Any) -> Scene | None: ...

    def forward(self, flow: Any, intent: str, data: dict[str, Any]) -> Awaitable[Any] | None: ...


class FlowView:
    """A flow on screen: the flow, its presenter, and the tasks its forwarded taps started."""

    def __init__(
        self,
        flow: PublishesState,
        presenter: Presenter,
        on_error: Callable[[BaseException], None] | None = None,
    ) -> None:
        self.flow = flow
        self.presenter = presenter
        self.on_error = on_error
        self.navigator: Any = None
        self._latest: Any = None
        self._has_state = False
        self._lock = threading.Lock()
        self._unsubscribe: Callable[[], None] | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._render_trigger = Clock.create_trigger(lambda _dt: self._render(), 0)

    def start(self, navigator: Any) -> None:
        self.navigator = navigator
        self._unsubscribe = self.flow.subscribe(self.publish)
        initial = getattr(self.flow, "state", None)
        if initial is not None and not self._has_state:
            self.publish(initial)

    def stop(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        for task in self._tasks:
            task.cancel()
        self._tasks.clear()
        self.navigator = None

    def publish(self, state: Any) -> None:
        """The flow's listener: safe from any thread; only the latest state is rendered."""
        with self._lock:
            self._latest = state
            self._has_state = True
        self._render_trigger()

    def _render(self) -> None:
        if self.navigator is None:
            return
        with self._lock:
            state = self._latest
        self.render_state(state)

    def render_state(self, state: Any) -> None:
        """Show `state` through the presenter (Kivy thread; the view is on the navigator)."""
        scene = self.presenter.scene(state)
        if scene is None:
            return
        navigator = self.navigator
        if scene.done:
            navigator.detach_flow()
            navigator.show("start", scene.params)
        else:
            navigator.show(scene.screen, scene.params)

    def intent(self, name: str, data: dict[str, Any]) -> bool:
        """Forward a tap; False when the presenter does not handle it (navigator falls back)."""
        try:
            result = self.presenter.forward(self.flow, name, data)
        except NotImplementedError:
            return False
        if inspect.isawaitable(result):
            task = asyncio.ensure_future(result)
            self._tasks.add(task)
            task.add_done_callback(self._task_done)
        return True

    def wants_back(self) -> bool:
        """True when the journey handles back itself (the presenter forwards "back")."""
        return self.intent("back", {})

    def _task_done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if task.cancelled():
            return
        error = task.exception()
        if error is not None:
            Logger.error(f"FlowView: {type(error).__name__} in a forwarded intent")
            if self.on_error is not None:
                self.on_error(error)
