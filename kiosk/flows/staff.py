"""Maintenance mode: staff card + PIN, device health, test print, paper restock, reprint of the
tickets that failed, sync status, last errors. Every staff action is audited (journal + log).

Screens: `staff_card` (insert the staff card), `staff_pin` (`enter_pin`), `staff_locked` (5
wrong PINs lock that card for 5 minutes, kept in the journal across restarts), `staff_menu`
(`test_print`, `restock`, `reprint`, `refresh`, `provision`, `logout`); `provision` (接入后台 /
connect to backend, reading the console's provisioning QR) is kiosk/flows/provisioning.py.
When the backend refuses the kiosk's own credential (revoked) the PIN cannot be checked: the
staff go straight to connecting (the new backend checks the PIN), or `staff_refused`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from kiosk.client import BackendError
from kiosk.flows.base import SMART_CARD, Flow, FlowCancelled, Msg, Outcome, Ports
from kiosk.flows.printing import print_order
from kiosk.flows.provisioning import connect_to_backend
from peripherals.status import DeviceError

log = logging.getLogger("kiosk.staff")

MAX_PIN_FAILURES = 5
MENU = ("test_print", "restock", "reprint", "refresh", "provision", "logout")
LOCK_SECONDS = 300.0


class StaffFlow(Flow):
    name = "staff"

    def __init__(self, ports: Ports, card: Any = None) -> None:
        super().__init__(ports)
        self.card = card  # SmartCardData of kind "staff"
        self.staff_id = ""
        self.first_message = Msg("staff.menu")  # what the menu says first

    def forget(self) -> None:
        self.card, self.staff_id = None, ""
        super().forget()

    def audit(self, action: str, **details: Any) -> None:
        self.ports.journal.audit(self.staff_id, action, details)
        log.info("staff %s: %s %s", self.staff_id, action, details)

    async def login(self) -> bool:
        while self.card is None or getattr(self.card, "kind", "") != "staff":
            self.publish("staff_card", Msg("staff.insert_card"), actions=(SMART_CARD, "cancel"))
            self.card = (await self.wait(SMART_CARD)).params["card"]
        self.staff_id = self.card.staff_id
        journal = self.ports.journal
        message = Msg("staff.enter_pin")
        while True:
            _, locked_until = journal.pin_lock(self.staff_id)
            if locked_until > time.time():
                self.publish(
                    "staff_locked",
                    Msg("staff.locked", {"minutes": int((locked_until - time.time()) // 60) + 1}),
                    actions=("cancel",),
                )
                self.audit("login_refused_locked")
                await self.wait()
                return False
            self.publish(
                "staff_pin",
                message,
                data={"staff_id": self.staff_id},
                actions=("enter_pin", "cancel"),
            )
            pin = str((await self.wait("enter_pin")).params.get("pin", ""))
            try:
                session = await self.ports.client.staff_verify(self.staff_id, pin)
            except BackendError as exc:
                if exc.code == "unauthorized":  # the kiosk's own credential is refused
                    return await self.reconnect(pin)
                if exc.code != "wrong_pin":
                    message = self.error_msg(exc)
                    continue
                failures = journal.pin_failed(
                    self.staff_id, MAX_PIN_FAILURES, LOCK_SECONDS, time.time()
                )
                self.audit("wrong_pin", failures=failures)
                message = Msg("staff.wrong_pin", {"left": max(0, MAX_PIN_FAILURES - failures)})
                continue
            journal.pin_ok(self.staff_id)
            self.audit("login", role=session.role)
            return True

    async def reconnect(self, pin: str) -> bool:
        """This kiosk's credential is refused (revoked), so the PIN cannot be checked: the only
        way in is connecting to a backend, which checks the staff id and PIN itself."""
        self.audit("login_kiosk_refused")
        message = await connect_to_backend(self, pin=pin)
        if message.key == "staff.menu":  # backed out
            raise FlowCancelled()
        if message.key != "staff.provisioned":
            self.publish("staff_refused", message, actions=("cancel",))
            await self.wait()
            return False
        self.audit("login", via="provisioning")
        self.first_message = message
        return True

    def menu_data(self) -> dict[str, Any]:
        journal = self.ports.journal
        statuses = self.ports.devices.statuses() if self.ports.devices else {}
        failed = journal.tickets_in("failed", "uncertain")
        return {
            "devices": {name: st.as_dict() for name, st in statuses.items()},
            "failed_tickets": [
                {
                    "ticket_id": t.ticket_id,
                    "order_id": t.order_id,
                    "state": t.state,
                    "error": t.error,
                }
                for t in failed
            ],
            "sync": {
                "open_orders": len(journal.open_orders()),
                "open_payments": len(journal.open_payments()),
                "tickets_not_reported": len(journal.tickets_unmarked()),
            },
            "last_errors": journal.last_errors(10),
            "audit": journal.audit_log(10),
        }

    async def journey(self) -> Outcome:
        if not await self.login():
            return Outcome(self.name, "locked", told=list(self.told))
        outcome = Outcome(self.name, "done", data={"actions": []})
        message = self.first_message
        while True:
            data = await asyncio.to_thread(self.menu_data)
            self.publish(
                "staff_menu",
                message,
                data=data,
                actions=MENU,
            )
            action = await self.wait(*MENU)
            outcome.data["actions"].append(action.name)
            if action.name == "logout":
                self.audit("logout")
                outcome.told = list(self.told)
                return outcome
            if action.name == "test_print":
                message = await self.test_print()
            elif action.name == "restock":
                self.audit("paper_restock")
                message = Msg("staff.restocked")
            elif action.name == "reprint":
                message = await self.reprint(data["failed_tickets"])
            elif action.name == "provision":
                message = await connect_to_backend(self)
            else:
                message = Msg("staff.menu")

    async def test_print(self) -> Msg:
        from peripherals.printer.sample import staff_test_ticket

        printer = self.ports.devices.printer if self.ports.devices else None
        if printer is None:
            return self.rule_msg("not_found")
        layout = staff_test_ticket(
            self.ports.config.area_name_zh, self.ports.clock.now().strftime("%Y-%m-%d %H:%M")
        )
        try:
            await asyncio.to_thread(printer.print_ticket, layout)
        except DeviceError as exc:
            self.audit("test_print", ok=False, code=exc.code)
            return Msg("staff.test_print_failed", {"code": exc.code})
        self.audit("test_print", ok=True)
        return Msg("staff.test_printed")

    async def reprint(self, failed: list[dict[str, Any]]) -> Msg:
        """Reprint what failed or may not have come out (staff say so: marked REPRINT)."""
        printed: list[str] = []
        missing: list[str] = []
        for order_id in dict.fromkeys(t["order_id"] for t in failed):
            ids = [t["ticket_id"] for t in failed if t["order_id"] == order_id]
            run = await print_order(
                self.ports.journal,
                self.ports.client,
                self.ports.devices.printer if self.ports.devices else None,
                order_id,
                reprint=True,
                only=ids,
            )
            printed += run.printed
            missing += run.missing
            if run.missing:
                break
        self.audit("reprint", printed=printed, missing=missing)
        return Msg("staff.reprinted", {"printed": len(printed), "missing": len(missing)})
