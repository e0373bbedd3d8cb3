"""The start screen and the loop that runs one journey after another.

`home` listens to the devices so the commonest journeys need no tap: an ID card goes straight
to pickup (and a purchase is offered when nothing waits), an order QR to pickup, a printed
admission ticket to add-ons, a member card or QR to membership, a staff card to maintenance.
Taps: `buy`, `pickup`, `addons`, `member`, `rebook`, `refund`, and `staff` (the UI's hidden
5-second corner press) which opens maintenance asking for the staff card, then the PIN.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from kiosk.domain.code_kinds import CodeKind, classify
from kiosk.flows.addons import AddonFlow
from kiosk.flows.aftersales import AfterSalesFlow
from kiosk.flows.base import ID_CARD, SCAN, SMART_CARD, Action, Flow, Msg, Outcome, Ports
from kiosk.flows.membership import MembershipFlow
from kiosk.flows.pickup import PickupFlow
from kiosk.flows.purchase import PurchaseFlow
from kiosk.flows.staff import StaffFlow
from kiosk.upkeep import catalog_loop, heartbeat_loop

log = logging.getLogger("kiosk.home")

TAPS = ("buy", "pickup", "addons", "member", "rebook", "refund", "staff")


class HomeFlow(Flow):
    name = "home"

    async def journey(self) -> Outcome:
        while True:
            self.publish("home", Msg("home.welcome"), actions=(*TAPS, SCAN, ID_CARD, SMART_CARD))
            action = await self.wait(*TAPS, SCAN, ID_CARD, SMART_CARD, idle=False)
            if action.name != SCAN or classify(str(action.params.get("text"))).kind in (
                CodeKind.ORDER, CodeKind.TICKET, CodeKind.MEMBER
            ):  # fmt: skip
                return Outcome(self.name, "start", data={"action": action})


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
        "member": lambda: MembershipFlow(ports),
        "rebook": lambda: AfterSalesFlow(ports, "rebook"),
        "refund": lambda: AfterSalesFlow(ports, "refund"),
        "staff": lambda: StaffFlow(ports),
    }[action.name]()


class JourneyLoop:
    """Runs home → journey → home forever. The UI calls `on_flow(listener)` to learn which flow
    is on screen (then subscribes to it); the device hub's target follows the current flow."""

    def __init__(self, ports: Ports, hub: Any = None) -> None:
        self.ports = ports
        self.hub = hub
        self.current: Flow = HomeFlow(ports)
        self._listeners: list[Callable[[Flow], None]] = []
        self.outcomes: list[Outcome] = []

    def on_flow(self, listener: Callable[[Flow], None]) -> None:
        self._listeners.append(listener)
        listener(self.current)

    def _show(self, flow: Flow) -> None:
        self.current = flow
        if self.hub is not None:
            self.hub.target = flow
        for listener in list(self._listeners):
            listener(flow)

    async def run_forever(self, background: bool = True) -> None:
        tasks = []
        if background:
            tasks = [asyncio.create_task(heartbeat_loop(self.ports)),
                     asyncio.create_task(catalog_loop(self.ports))]  # fmt: skip
        try:
            while True:
                await self.run_once()
        finally:
            for task in tasks:
                task.cancel()

    async def run_once(self) -> Outcome:
        """The start screen, then the one journey it opens (and a purchase a pickup offers)."""
        home = HomeFlow(self.ports)
        self._show(home)
        start = await home.run()
        action: Action = start.data["action"]
        flow = next_flow(self.ports, action)
        self._show(flow)
        outcome = await flow.run()
        if outcome.result == "buy" and action.name == ID_CARD:
            flow = PurchaseFlow(self.ports, id_card=action.params["card"])
            self._show(flow)
            outcome = await flow.run()
        self.outcomes.append(outcome)
        return outcome
