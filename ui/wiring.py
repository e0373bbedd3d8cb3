"""The real kiosk behind the screen: `kiosk.flows.home.JourneyLoop` runs the home flow and
each journey it opens; this controller shows whichever flow is current through its presenter.

    controller = KioskController(app, kiosk)   # kiosk: kiosk.startup.Kiosk
    controller.attach()                        # after the app is built (on_start)

The start screen's buttons become the home flow's taps; the hidden corner (held 5 s) is the
home flow's `staff` tap, which opens maintenance (staff card, then PIN). A staff card inserted
on the start screen opens it too. `kiosk()` opens the smart card reader itself (its
`with_smartcard` default: when the config names a reader or PC/SC lists one); a reader opened
later would go to the hub through `DeviceHub.add_smartcard(reader)`. No reader code here.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from kivy.clock import Clock
from kivy.logger import Logger

from ui.presenters.base import FlowPresenter
from ui.presenters.home import LINGER_SECONDS, HomePresenter
from ui.presenters.kiosk_flow_view import KioskFlowView
from ui.presenters.registry import PRESENTERS

# a journey's last screens, left up a while after the home flow took over
LINGER = frozenset({"done", "error", "aftersales_done", "aftersales_refused", "staff_locked"})
# outcomes whose last tap asked for a purchase
BUY_AFTER = frozenset({"buy", "buy_admission"})


class KioskController:
    def __init__(self, app: Any, kiosk: Any) -> None:
        from kiosk.flows.home import JourneyLoop

        self.app = app
        self.kiosk = kiosk
        self.loop = JourneyLoop(kiosk.ports, kiosk.hub)
        self.task: asyncio.Task[Any] | None = None
        self._outcomes_seen = 0

    def attach(self) -> None:
        self.app.journey_starter = self.start_journey
        scanner = self.kiosk.devices.scanner
        if scanner is not None:  # the payment prompt's live preview (newest frame, no waiting)
            self.app.preview_source = scanner.latest_frame
        self.app.bind(on_staff_request=lambda *_: self.staff_prompt())
        self.loop.on_flow(self.flow_changed)
        self.task = asyncio.ensure_future(self.run())

    async def run(self) -> None:
        while True:
            try:
                await self.loop.run_forever()
            except asyncio.CancelledError:
                raise
            except Exception as error:  # a bug in a journey: log, start over, keep serving
                from ui import errors

                errors.log_error(error, "running the journeys")
                self.app.recover(error)
                await asyncio.sleep(0.5)

    def stop(self) -> None:
        if self.task is not None:
            self.task.cancel()

    # the flow on screen ----------------------------------------------------------------------
    def flow_changed(self, flow: Any) -> None:
        navigator = self.app.navigator
        if navigator is None:
            return
        previous = navigator.flow_view
        linger = 0.0
        if previous is not None and hasattr(previous, "render_now"):
            previous.render_now()  # its last state, e.g. "Take your tickets", before it goes
            if getattr(previous.flow.state, "screen", "") in LINGER:
                linger = time.monotonic() + LINGER_SECONDS
        if flow.name == "home":
            presenter: Any = HomePresenter(linger)
            outcomes = self.loop.outcomes
            if len(outcomes) > self._outcomes_seen:
                self._outcomes_seen = len(outcomes)
                if outcomes[-1].result in BUY_AFTER:
                    presenter.pending_tap = "buy"
        else:
            presenter = PRESENTERS.get(flow.name, FlowPresenter)()
        Logger.info(f"Kiosk: flow {flow.name} on screen")
        navigator.attach_flow(KioskFlowView(flow, presenter))

    def home_presenter(self) -> HomePresenter | None:
        view = self.app.navigator.flow_view if self.app.navigator else None
        presenter = getattr(view, "presenter", None)
        return presenter if isinstance(presenter, HomePresenter) else None

    def start_journey(self, name: str) -> None:
        """A start-screen button: the home flow's tap (change/refund asks which first)."""
        home = self.home_presenter()
        if home is None:
            Logger.info(f"Kiosk: {name} tapped while a journey runs; ignored")
            return
        if name == "change_refund":
            home.change_or_refund()
            return
        self.app.navigator.intent(name, {})

    def staff_prompt(self) -> None:
        """The hidden corner: the home flow's `staff` tap (ignored while a journey runs)."""
        home = self.home_presenter()
        if home is None:
            Logger.info("Kiosk: staff corner held while a journey runs; ignored")
            return
        self.app.navigator.intent("staff", {})


def start_watchdog(app: Any) -> None:
    """systemd: READY=1 at the first frame, WATCHDOG=1 every half period from the UI clock
    (so a frozen UI thread stops the pings and systemd restarts the kiosk)."""
    from kiosk.watchdog import notify, watchdog_interval

    Clock.schedule_once(lambda _dt: notify("READY=1"), 0)
    interval = watchdog_interval()
    if interval:
        Clock.schedule_interval(lambda _dt: notify("WATCHDOG=1"), interval)
