"""Maintenance diagnostics: each device's status (paper level with the printer), sync status,
recent errors, and the staff actions (test print, restock, reprint, refresh, exit).

params: prompt, devices [{name, state, code, text_zh, text_en, details}], sync {..}, errors
[str], actions [{intent, label, label_args}].
Intents: each action's intent.
"""

from __future__ import annotations

from kivy.factory import Factory
from kivy.properties import StringProperty

from ui.i18n import tr
from ui.screens.actions import action_button
from ui.screens.base import KioskScreen
from ui.screens.params import text_of
from ui.widgets.palette import GREEN, INK, MUTED, ORANGE, RED

COLORS = {"ok": GREEN, "warning": ORANGE, "error": RED, "missing": MUTED}
DEVICE_NAMES = {
    "printer": "Ticket printer",
    "idcard": "ID card reader",
    "smartcard": "Smart card reader",
    "camera": "Camera",
}


def paper_level(details: dict[str, object]) -> str:
    """The printer's paper as its status bytes tell it (ESC/POS knows out / near end / fine)."""
    if details.get("paper_out"):
        return "Out of paper"
    if details.get("paper_near_end"):
        return "Nearly out: restock soon"
    return "Plenty"


class DiagnosticsScreen(KioskScreen):
    prompt = StringProperty("")
    sync = StringProperty("")
    errors = StringProperty("")

    def redraw(self) -> None:
        self.prompt = text_of(self.params, "prompt")
        u = self.app.u
        box = self.ids.devices
        box.clear_widgets()
        for device in self.params.get("devices", []):
            state = str(device.get("state", "missing"))
            words = tr.pick(device.get("text_zh", ""), device.get("text_en", "")) or tr._(
                state.capitalize()
            )
            name = tr._(DEVICE_NAMES.get(device["name"], device["name"]))
            box.add_widget(Factory.KLabel(
                text=f"● {name}: {words} ({device.get('code', '')})",
                color=COLORS.get(state, INK), font_size=u * 36, bold=True,
            ))  # fmt: skip
            if device["name"] == "printer" and state != "missing":
                box.add_widget(Factory.KLabel(
                    text=tr._("Paper") + ": " + tr._(paper_level(device.get("details") or {})),
                    test_id="paper_level", color=COLORS.get(state, INK), font_size=u * 32,
                ))  # fmt: skip
        sync = dict(self.params.get("sync", {}))
        self.sync = tr._("Open orders {o} · open payments {p} · tickets not reported {t}").format(
            o=sync.get("open_orders", 0),
            p=sync.get("open_payments", 0),
            t=sync.get("tickets_not_reported", 0),
        )
        errors = list(self.params.get("errors", []))
        self.errors = "\n".join(errors) if errors else tr._("No recent errors")
        actions = self.ids.actions
        actions.clear_widgets()
        for action in self.params.get("actions", []):
            button = action_button(action, self.emit, f"staff_{action['intent']}", font_scale=0.8)
            if action["intent"] == "logout":
                button.outline()
            actions.add_widget(button)
