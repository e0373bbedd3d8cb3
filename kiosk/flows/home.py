"""The start screen and the loop that runs one journey after another.

`home` listens to the devices so the commonest journeys need no tap: an ID card goes straight
to pickup (and a purchase is offered when nothing waits), an order QR to pickup, a printed
admission ticket to add-ons, a member card or QR to membership, a staff card to maintenance.
Taps: `buy`, `pickup`, `addons`, `member`, `rebook`, `refund`, and `staff` (the UI's hidden
5-second corner press) which opens maintenance asking for the staff card, then the PIN.

It offers only what the kiosk can finish (kiosk.upkeep.ServiceMonitor): with no printer that can
print (missing, paper out, cover open) no `buy`, `pickup`, `addons` or `rebook` (message
`home.printer_fault`; membership and refund stay); with the backend away the `out_of_service`
screen (`service.out_of_service`, `service.use_window`; only staff). It changes by itself when
the printer or the backend comes back.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from contextlib import suppress
from typing import Any

from kiosk.domain.code_kinds import CodeKind, classify
from kiosk.flows.addons import AddonFlow
from kiosk.flows.after_sale import AfterSaleFlow
from kiosk.flows.aftersales import AfterSalesFlow
from kiosk.flows.base import ID_CARD, SCAN, SMART_CARD, Action, Flow, Msg, Outcome, Ports
from kiosk.flows.membership import MembershipFlow
from kiosk.flows.pickup import PickupFlow
from kiosk.flows.purchase import PurchaseFlow
from kiosk.flows.recovery import replay, work_left
from kiosk.flows.seats import SeatsFlow
from kiosk.flows.staff import StaffFlow
from kiosk.upkeep import (
    ServiceMonitor,
    ServiceView,
    catalog_loop,
    device_loop,
    heartbeat_loop,
    send_heartbeat,
)

log = logging.getLogger("kiosk.home")

TAPS = ("buy", "pickup", "addons", "seats", "member", "rebook", "refund", "staff")
# what a device event on the start screen opens (its tap must be on offer)
SCAN_OPENS = {CodeKind.ORDER: "pickup", CodeKind.TICKET: "addons", CodeKind.MEMBER: "member"}


class HomeFlow(Flow):
    name = "home"

    def __init__(self, ports: Ports, service: ServiceMonitor | None = None) -> None:
        super().__init__(ports)
        self.service = service

    async def journey(self) -> Outcome:
        while True:
            view = self.service.view() if self.service is not None else ServiceView()
            taps = self.show(view)
            action = await self._action_or_change(taps, view.version)
            if action is None:  # the backend or the printer changed: show what is on offer now
                if self._work_to_finish():
                    return Outcome(self.name, "finish_work")
                continue
            if self._opens_on_offer(action, taps):
                return Outcome(self.name, "start", data={"action": action})

    def _work_to_finish(self) -> bool:
        """The backend answers again and a journey the network cut left work open."""
        service = self.service
        return service is not None and service.backend == "up" and work_left(self.ports.journal)

    def show(self, view: ServiceView) -> tuple[str, ...]:
        """Publish the start screen (or out of service) for `view`; the actions on offer."""
        data = view.as_data()
        if not view.in_service:
            refused = view.backend == "refused"  # the credential was revoked: staff reconnect
            self.publish(
                "out_of_service",
                Msg("service.out_of_service"),
                Msg("service.credential_refused" if refused else "service.use_window"),
                data=data,
                actions=("staff", SMART_CARD),
            )
            return ("staff",)
        taps = view.offers(TAPS)
        messages = [Msg("home.welcome")]
        if not view.can_print:
            messages.append(Msg("home.printer_fault"))
        data["unavailable"] = {tap: "printer" for tap in TAPS if tap not in taps}
        self.publish("home", *messages, data=data, actions=(*taps, SCAN, ID_CARD, SMART_CARD))
        return taps

    def _opens_on_offer(self, action: Action, taps: tuple[str, ...]) -> bool:
        """Whether the journey `action` opens can be finished now (a staff card always can)."""
        if action.name == ID_CARD:
            return "pickup" in taps
        if action.name == SMART_CARD:
            return action.params["card"].kind == "staff" or "member" in taps
        if action.name == SCAN:
            opens = SCAN_OPENS.get(classify(str(action.params.get("text"))).kind)
            return opens is not None and opens in taps
        return action.name in taps

    async def _action_or_change(self, taps: tuple[str, ...], version: int) -> Action | None:
        """The next tap or device event, or None when the service view changed first."""
        allowed = (*taps, SCAN, ID_CARD, SMART_CARD)
        if self.service is None:
            return await self.wait(*allowed, idle=False)
        waiting = asyncio.ensure_future(self.wait(*allowed, idle=False))
        changed = asyncio.ensure_future(self.service.changed(version))
        try:
            await asyncio.wait({waiting, changed}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            changed.cancel()
            if not waiting.done():
                waiting.cancel()
            with suppress(asyncio.CancelledError):
                await waiting
        if waiting.cancelled():
            return None
        return waiting.result()


def next_flow(ports: Ports, action: Action) -> Flow:
    """The journey an action on the start screen opens."""
    p = action.params
    if action.name == ID_CARD:
        return PickupFlow(ports, id_number=p["card"].id_number)
    if action.name == SMART_CARD:
        card = p["card"]
        if card.kind == "staff":
            return StaffFlow(ports, card)
        return MembershipFlow(ports, member_id=card.member_id)
    if action.name == SCAN:
        code = classify(str(p.get("text")))
        if code.kind == CodeKind.ORDER:
            return PickupFlow(ports, code=code.text)
        if code.kind == CodeKind.TICKET:
            return AddonFlow(ports, ticket_code=code.text)
        return MembershipFlow(ports, member_id=code.value)
    return {
        "buy": lambda: PurchaseFlow(ports),
        "pickup": lambda: PickupFlow(ports),
        "addons": lambda: AddonFlow(ports),
        "seats": lambda: SeatsFlow(ports),
        "member": lambda: MembershipFlow(ports),
        "rebook": lambda: AfterSalesFlow(ports, "rebook"),
        "refund": lambda: AfterSalesFlow(ports, "refund"),
        "staff": lambda: StaffFlow(ports),
    }[action.name]()


class JourneyLoop:
    """Runs home → journey → home forever. The UI calls `on_flow(listener)` to learn which flow
    is on screen (then subscribes to it); the device hub's target follows the current flow.

    Between journeys it finishes what a failing network left open (the journal's replay: a
    payment to settle or reverse, tickets to print, printed tickets to report) as soon as the
    backend answers again; `service` (kiosk.upkeep.ServiceMonitor) is what the start screen
    offers from."""

    def __init__(self, ports: Ports, hub: Any = None) -> None:
        self.ports = ports
        self.hub = hub
        self.service = ServiceMonitor(ports)
        self.current: Flow = HomeFlow(ports, self.service)
        self._listeners: list[Callable[[Flow], None]] = []
        self.outcomes: list[Outcome] = []

    def on_flow(self, listener: Callable[[Flow], None]) -> None:
        self._listeners.append(listener)
        listener(self.current)

    def _show(self, flow: Flow) -> None:
        self.current = flow
        self.service.journey_running = flow.name != "home"
        if self.hub is not None:
            self.hub.target = flow
        for listener in list(self._listeners):
            listener(flow)

    async def run_forever(self, background: bool = True) -> None:
        tasks = []
        if background:
            # the first screen knows whether the backend is there
            sent = await send_heartbeat(self.ports, self.service)
            tasks = [asyncio.create_task(heartbeat_loop(self.ports, self.service, sent)),
                     asyncio.create_task(catalog_loop(self.ports)),
                     asyncio.create_task(device_loop(self.ports, self.service))]  # fmt: skip
        try:
            while True:
                await self.run_once()
        finally:
            for task in tasks:
                task.cancel()

    async def run_once(self) -> Outcome:
        """The start screen, then the one journey it opens (and a purchase a pickup offers)."""
        while True:
            self.service.journey_running = False  # the last journey is over: read the devices
            await self.finish_open_work()
            await self.service.read_devices()
            home = HomeFlow(self.ports, self.service)
            self._show(home)
            start = await home.run()
            if start.result == "start":
                break
        action: Action = start.data["action"]
        flow = next_flow(self.ports, action)
        self._show(flow)
        outcome = await flow.run()
        if outcome.result == "buy" and action.name == ID_CARD and self.service.view().can_print:
            flow = PurchaseFlow(self.ports, id_card=action.params["card"])
            self._show(flow)
            outcome = await flow.run()
        if outcome.result == "done" and outcome.data.get("after_sale"):  # invoice (issue 16)
            after = AfterSaleFlow(self.ports, outcome, flow.state)
            self._show(after)
            await after.run()
        self.outcomes.append(outcome)
        return outcome

    async def finish_open_work(self) -> None:
        """Replay the journal when a journey left work open and the backend answers."""
        if self.service.backend != "up" or not work_left(self.ports.journal):
            return
        self.service.journey_running = True  # the replay may print: the devices are its own
        try:
            devices = self.ports.devices
            await replay(  # logs what it finished
                self.ports.journal,
                self.ports.client,
                devices.printer if devices else None,
                self.ports.config,
                self.ports.clock,
            )
        finally:
            self.service.journey_running = False
