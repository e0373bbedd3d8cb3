"""What every journey shares: the published state, actions in, the idle timeout, the ports.

A flow is a coroutine (`await flow.run()`). It publishes a `FlowState` to its listeners each
time the screen should change, and waits for `Action`s: taps from the UI (`flow.act(...)`) and
device events (a code shown to the camera, an ID card placed, a smart card inserted) that the
`DeviceHub` delivers through the same door. See docs/journeys.md for every screen.

Observers (benchmarks, tests, logs) watch flows without touching them: append a callable to
`Ports.observers` and every flow built on those ports (the home loop starts each journey on the
same ports) calls it with a `FlowEvent(kind, flow, detail, at)`:

- `run_start` (detail: the flow's name) and `run_end` (the outcome's result) around `run()`;
- `publish` (the screen) each time a state is published, before the screen's listeners;
- `wait_start` (the awaited action names, comma-separated) and `wait_end` (the action got) around
  `wait()`; no `wait_end` when the wait ends by cancel or idle timeout;
- `act` (the action name) for each action `act()` accepted, on the caller's thread.

`at` is `time.perf_counter()` at the moment. An observer that raises is logged and ignored; with
no observers the hook costs one list test per call.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from kiosk.client import BackendClient, BackendError
from kiosk.clock import Clock, SystemClock
from kiosk.config import KioskConfig
from kiosk.domain.errors import ERRORS
from kiosk.journal import Journal

log = logging.getLogger("kiosk.flows")

# Device events are actions too; a flow waits for them like taps.
SCAN = "scan"  # params: text (what the camera decoded)
ID_CARD = "id_card"  # params: card (peripherals.idcard.protocol.IdCardData)
# Offered beside ID_CARD by a screen that takes the ID card still lying on the reader again (a
# card is read once per placement): the device hub then delivers it as ID_CARD at once
ID_CARD_AGAIN = "id_card_again"
SMART_CARD = "smart_card"  # params: card (peripherals.smartcard.protocol.SmartCardData)
# A touch anywhere on screen: no screen offers it, so `wait()` discards it after restarting
# its idle timeout. Sent by `Flow.touch()`.
ACTIVITY = "touch"
DEVICE_EVENTS = frozenset({SCAN, ID_CARD, SMART_CARD})


@dataclass(frozen=True)
class Msg:
    """A text to show, as a message key plus its parameters; the UI translates it."""

    key: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"key": self.key, "params": dict(self.params)}


@dataclass(frozen=True)
class FlowState:
    """One screen's worth of what to show and what may be tapped."""

    flow: str  # "purchase", "pickup", ...
    screen: str  # "choose_slot", "pay", "printing", ... (docs/journeys.md lists them)
    messages: tuple[Msg, ...] = ()
    data: Mapping[str, Any] = field(default_factory=dict)  # JSON-able view data
    actions: tuple[str, ...] = ()  # names `act()` accepts now
    seq: int = 0  # grows with every publish

    def as_dict(self) -> dict[str, Any]:
        return {
            "flow": self.flow,
            "screen": self.screen,
            "messages": [m.as_dict() for m in self.messages],
            "data": dict(self.data),
            "actions": list(self.actions),
        }


@dataclass(frozen=True)
class Action:
    name: str
    params: Mapping[str, Any] = field(default_factory=dict)


class FlowCancelled(Exception):
    """The person left (cancel tapped, or the idle timeout ran out)."""


class IdleTimeout(FlowCancelled):
    pass


@dataclass(frozen=True)
class FlowEvent:
    """One thing a flow did, for observers (see the module docstring for the kinds)."""

    kind: str  # run_start, run_end, publish, wait_start, wait_end, act
    flow: str  # the flow's name: "purchase", "pickup", ...
    detail: str = ""
    at: float = field(default_factory=time.perf_counter)


Observer = Callable[[FlowEvent], None]


@dataclass
class Ports:
    """What a flow may touch."""

    client: BackendClient
    journal: Journal
    config: KioskConfig
    devices: Any  # kiosk.devices.Devices (printer, idcard, smartcard, scanner; any may be None)
    clock: Clock = field(default_factory=SystemClock)
    # the crash test's hook: called with a step name right after the journal recorded it
    crash_hook: Callable[[str], None] | None = None
    # called with every FlowEvent of every flow on these ports (benchmarks, tests)
    observers: list[Observer] = field(default_factory=list)


@dataclass
class Outcome:
    """What a journey ended with, for scripts, tests and the start screen."""

    flow: str
    result: str  # "done", "refused", "cancelled", "idle", "failed", "paper_out", ...
    order_no: str = ""
    order_id: str = ""
    printed: list[str] = field(default_factory=list)  # ticket ids
    missing: list[str] = field(default_factory=list)  # ticket ids that did not print
    told: list[Msg] = field(default_factory=list)  # every message shown, in order
    data: dict[str, Any] = field(default_factory=dict)


Listener = Callable[[FlowState], None]


class Flow:
    name = "flow"

    def __init__(self, ports: Ports) -> None:
        self.ports = ports
        self.state = FlowState(self.name, "loading")  # until the first publish
        self._listeners: list[Listener] = []
        self._queue: asyncio.Queue[Action] = asyncio.Queue()
        self._seq = 0
        self.told: list[Msg] = []

    # --- for the UI ------------------------------------------------------------------------

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call `listener(state)` on every change (on the flow's loop); returns unsubscribe."""
        self._listeners.append(listener)
        listener(self.state)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    def act(self, name: str, /, **params: Any) -> bool:
        """A tap. Ignored (returns False) when the current screen does not offer it."""
        if name not in self.state.actions and name not in DEVICE_EVENTS:
            log.info("%s: action %s not offered on %s", self.name, name, self.state.screen)
            return False
        self._queue.put_nowait(Action(name, MappingProxyType(dict(params))))
        self._emit("act", name)
        return True

    def touch(self) -> None:
        """The person touched the screen: restarts the idle timeout and changes nothing else.
        Call it on the flow's loop (from another thread: `loop.call_soon_threadsafe`)."""
        self._queue.put_nowait(Action(ACTIVITY))

    # --- for subclasses --------------------------------------------------------------------

    def publish(
        self,
        screen: str,
        *messages: Msg,
        data: Mapping[str, Any] | None = None,
        actions: tuple[str, ...] = (),
    ) -> FlowState:
        self._seq += 1
        self.state = FlowState(
            self.name,
            screen,
            tuple(messages),
            MappingProxyType(dict(data or {})),
            actions,
            self._seq,
        )
        self._emit("publish", screen)
        self.told.extend(messages)
        for listener in list(self._listeners):
            try:
                listener(self.state)
            except Exception:  # a broken screen must not stop the journey
                log.exception("%s: listener failed", self.name)
        return self.state

    async def wait(self, *allowed: str, idle: bool = True) -> Action:
        """The next action among `allowed` (taps or device events). With `idle`, 60 s of
        nothing asks "still there?" and then raises IdleTimeout. `cancel` raises FlowCancelled."""
        if self.ports.observers:
            self._emit("wait_start", ",".join(allowed))
        action = await self._next_action(allowed, idle)
        self._emit("wait_end", action.name)
        return action

    async def _next_action(self, allowed: tuple[str, ...], idle: bool) -> Action:
        timeouts = self.ports.config.timeouts
        while True:
            try:
                if idle:
                    action = await asyncio.wait_for(self._queue.get(), timeouts.idle_seconds)
                else:
                    action = await self._queue.get()
            except TimeoutError:
                await self._still_there()
                continue
            if action.name == "cancel":
                raise FlowCancelled()
            if action.name in allowed:
                return action

    async def poll_action(self, *allowed: str) -> Action | None:
        """An already-queued action among `allowed`, without waiting (e.g. cancel while polling)."""
        while not self._queue.empty():
            action = self._queue.get_nowait()
            if action.name == "cancel":
                raise FlowCancelled()
            if action.name in allowed:
                return action
        return None

    async def _still_there(self) -> None:
        previous = self.state
        self.publish(
            "still_there", Msg("still_there"), actions=("continue", "cancel"), data=previous.data
        )
        try:
            while True:
                action = await asyncio.wait_for(
                    self._queue.get(), self.ports.config.timeouts.still_there_seconds
                )
                if action.name == "cancel":
                    raise FlowCancelled()
                if action.name == "continue":
                    break
        except TimeoutError:
            raise IdleTimeout() from None
        self.publish(
            previous.screen, *previous.messages, data=previous.data, actions=previous.actions
        )

    @staticmethod
    def rule_msg(code: str) -> Msg:
        """`error.<code>` with the zh/en text of kiosk.domain.errors' one table."""
        info = ERRORS.get(code)
        return Msg(f"error.{code}", {"code": code, "zh": info.zh, "en": info.en} if info else
                   {"code": code})  # fmt: skip

    def error_msg(self, exc: BackendError) -> Msg:
        return Msg(
            f"error.{exc.code}", {"zh": exc.message_zh, "en": exc.message_en, "code": exc.code}
        )

    async def run(self) -> Outcome:
        """Run the journey; on cancel or idle timeout clear everything and say so."""
        self._emit("run_start", self.name)
        outcome = await self._outcome()
        self._emit("run_end", outcome.result)
        return outcome

    async def _outcome(self) -> Outcome:
        try:
            return await self.journey()
        except IdleTimeout:
            self.forget()
            return Outcome(self.name, "idle", told=list(self.told))
        except FlowCancelled:
            self.forget()
            return Outcome(self.name, "cancelled", told=list(self.told))
        except BackendError as exc:
            self.publish("error", self.error_msg(exc), actions=("cancel",))
            log.warning("%s: stopped by backend error %s", self.name, exc.code)
            return Outcome(self.name, "failed", told=list(self.told), data={"error": exc.code})

    async def journey(self) -> Outcome:
        raise NotImplementedError

    def _emit(self, kind: str, detail: str) -> None:
        """Tell every observer on the ports; one that raises is logged and the journey goes on."""
        observers = self.ports.observers
        if not observers:
            return
        event = FlowEvent(kind, self.name, detail)
        for observer in list(observers):
            try:
                observer(event)
            except Exception:  # an observer's fault must not stop the journey
                log.exception("%s: observer failed on %s", self.name, kind)

    def forget(self) -> None:
        """Drop everything the person entered (overridden to clear each flow's fields)."""
        while not self._queue.empty():
            self._queue.get_nowait()
        self.publish("home")
