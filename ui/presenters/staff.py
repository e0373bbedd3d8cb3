"""Maintenance: staff card, PIN on the keypad, then diagnostics (each device's status, paper,
test print, restock, reprint of failed tickets, sync status, recent errors, connect to backend,
exit). Connect to backend (kiosk/flows/provisioning.py): show the QR to the camera, confirm what
it read (the credential masked), a progress while it is checked."""

from __future__ import annotations

from typing import Any

from ui.presenters.base import FlowPresenter
from ui.presenters.texts import code_of, messages_params
from ui.seam import Scene


class StaffPresenter(FlowPresenter):
    def screen_staff_card(self, state: Any) -> Scene:
        return self.device_prompt(state, "membercard", "Staff")

    def screen_staff_pin(self, state: Any) -> Scene:
        return self.pin_entry(state, "staff.enter_pin")

    def on_submit(self, flow: Any, data: dict[str, Any]) -> None:
        flow.act("enter_pin", pin=str(data.get("value", "")))

    def screen_staff_locked(self, state: Any) -> Scene:
        return Scene(
            "message",
            {"kind": "error", **messages_params(state, "body"), "code": "staff_locked",
             "actions": [{"intent": "cancel", "label": "Back to start"}]},
        )  # fmt: skip

    def screen_staff_refused(self, state: Any) -> Scene:
        return Scene(
            "message",
            {"kind": "error", **messages_params(state, "body"), "code": code_of(state),
             "actions": [{"intent": "cancel", "label": "Back to start"}]},
        )  # fmt: skip

    def screen_staff_menu(self, state: Any) -> Scene:
        data = state.data
        devices = [
            {
                "name": name,
                "state": str(st.get("state", "")),
                "code": str(st.get("code", "")),
                "text_zh": str(st.get("message_zh", "")),
                "text_en": str(st.get("message_en", "")),
                "details": {k: v for k, v in (st.get("details") or {}).items()
                            if isinstance(v, str | int | float)},
            }
            for name, st in (data.get("devices") or {}).items()
        ]  # fmt: skip
        sync = dict(data.get("sync") or {})
        errors = [
            f"{e.get('code', '')}: {e.get('message', '')}"[:80]
            for e in list(data.get("last_errors") or [])[:5]
        ]
        actions = [
            {"intent": "test_print", "label": "Test print"},
            {"intent": "restock", "label": "Paper restocked"},
            {"intent": "reprint", "label": "Reprint failed tickets ({n})",
             "label_args": {"n": len(data.get("failed_tickets") or [])}},
            {"intent": "refresh", "label": "Refresh"},
            {"intent": "provision", "label": "Connect to backend"},
            {"intent": "logout", "label": "Exit maintenance"},
        ]  # fmt: skip
        return Scene(
            "diagnostics",
            {
                **messages_params(state, "prompt"),
                "devices": devices,
                "sync": sync,
                "errors": errors,
                "failed": len(data.get("failed_tickets") or []),
                "actions": actions,
            },
        )

    # connect to backend (kiosk/flows/provisioning.py) ------------------------------------------
    def screen_provision_scan(self, state: Any) -> Scene:
        return self.device_prompt(state, "ticket", "Connect to backend")

    def screen_provision_confirm(self, state: Any) -> Scene:
        return Scene(
            "message",
            {"kind": "info", "title": "Connect to backend", **messages_params(state, "body"),
             "actions": [{"intent": "confirm", "label": "Connect and save"},
                         {"intent": "menu", "label": "Back"}]},
        )  # fmt: skip

    def screen_provision_checking(self, state: Any) -> Scene:
        return Scene("progress", {"done": 0, "total": 1, **messages_params(state, "text")})

    def on_cancel(self, flow: Any, data: dict[str, Any]) -> None:
        """Cancel (or back) while connecting to a backend returns to the staff menu."""
        if "menu" in flow.state.actions:
            flow.act("menu")
            return
        super().on_cancel(flow, data)
