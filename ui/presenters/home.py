"""The start screen as the home flow's view: its taps go to the home flow, which also hears
the devices (ID card → pickup, order QR → pickup, admission ticket → add-ons, member card →
membership, staff card → maintenance). A journey's last screen stays up a little while the
home flow already listens, so a tourist can read "Take your tickets".

Only what the kiosk can finish is offered: a button whose tap the home flow does not offer is
greyed with the reason (no printer: "Printer fault: tickets can't be printed now"); the home
flow's `out_of_service` screen (and its not-yet-started `loading`) is the `out_of_service`
screen, with no journey on it."""

from __future__ import annotations

import time
from typing import Any

from kivy.clock import Clock

from ui.presenters.base import FlowPresenter
from ui.presenters.texts import messages_params
from ui.seam import Scene

LINGER_SECONDS = 20.0
# the start screen's journeys -> the home flow's taps
TAPS = {"purchase": "buy", "pickup": "pickup", "addons": "addons", "membership": "member",
        "seats": "seats"}  # fmt: skip
# why the home flow left taps out (its state's data["unavailable"]) -> the words on screen
REASONS = {"printer": ("Printer fault", "home.printer_fault")}
STARTING = {"title": "Please wait", "body": "Starting…"}


def start_scene(state: Any) -> Scene:
    """The home flow's state as a screen: the start screen offering only the taps on offer,
    or out of service."""
    if state is not None and state.screen == "out_of_service":
        return Scene("out_of_service", {"kind": "out", **messages_params(state, "title", "body")})
    if state is None or state.screen == "loading":  # not started: nothing on offer yet
        return Scene("out_of_service", {"kind": "starting", **STARTING})
    offered = set(state.actions)
    unavailable = [journey for journey, tap in TAPS.items() if tap not in offered]
    if not {"rebook", "refund"} & offered:
        unavailable.append("change_refund")
    params: dict[str, Any] = {"unavailable": unavailable}
    why = set((state.data or {}).get("unavailable", {}).values())
    for reason in sorted(why & set(REASONS)):
        params["reason"], params["notice"] = REASONS[reason]
    return Scene("start", params)


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
        if left > 0:  # a journey's last words (the payment unconfirmed...) before out of service
            if self._later is None and self.view is not None:
                self._later = Clock.schedule_once(lambda _dt: self.stop_lingering(), left)
            return None
        return start_scene(state)

    def stop_lingering(self) -> None:
        self.linger_until = 0.0
        if self._later is not None:
            self._later.cancel()
            self._later = None
        if self.view is not None and self.view.navigator is not None:
            scene = start_scene(self.state)
            self.view.navigator.show(scene.screen, scene.params)

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
        """A small choice before the home flow's rebook/refund taps (one the home flow does not
        offer now greyed: a rebook reprints the ticket)."""
        offered = set(getattr(self.state, "actions", ()) or ())
        rebook_off = self.state is not None and "rebook" not in offered
        refund_off = self.state is not None and "refund" not in offered
        self.show_local(
            Scene(
                "choice",
                {
                    "title": "Change or refund",
                    "prompt": "What would you like to do?",
                    "items": [
                        {"intent": "rebook", "data": {}, "label": "Change the date or time",
                         "sub": "Printer fault" if rebook_off else "改签", "test_id": "rebook",
                         "disabled": rebook_off},
                        {"intent": "refund", "data": {}, "label": "Refund tickets",
                         "sub": "退票", "test_id": "refund", "disabled": refund_off},
                    ],
                },
            )
        )  # fmt: skip
