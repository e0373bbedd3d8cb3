"""Pickup: place the ID card, show the order QR, or type the order number and the last 4
phone digits; then "Printing 2 of 4" and "Take your tickets"."""

from __future__ import annotations

from typing import Any

from ui.presenters.base import HOME, FlowPresenter
from ui.presenters.texts import messages_params
from ui.seam import Scene


class PickupPresenter(FlowPresenter):
    def screen_pickup_identify(self, state: Any) -> Scene:
        return self.device_prompt(
            state,
            "idcard",
            "Pick up tickets",
            hint="Or show the order QR code to the camera",
            alternative="Type the order number",
        )

    def alternative(self, flow: Any, data: dict[str, Any]) -> None:
        self.show_local(Scene("keypad_entry", {"kind": "order"}))

    def on_submit(self, flow: Any, data: dict[str, Any]) -> None:
        if data.get("kind") == "order":
            self.remembered["order_no"] = str(data.get("value", ""))
            self.show_local(Scene("keypad_entry", {"kind": "phone_last4"}))
            return
        self.back_to_flow()
        flow.act(
            "enter_order",
            order_no=self.remembered.pop("order_no", ""),
            phone_last4=str(data.get("value", "")),
        )

    def screen_pickup_none(self, state: Any) -> Scene:
        return Scene(
            "message",
            {
                "kind": "info",
                **messages_params(state, "title", "body"),
                "actions": [
                    {"intent": "buy", "label": "Buy tickets", "test_id": "buy"},
                    HOME,
                ],
            },
        )

    def screen_pickup_found(self, state: Any) -> Scene:
        total = sum(int(o.get("tickets", 0)) for o in state.data.get("orders", []))
        return Scene("progress", {"total": max(1, total), "done": 0, "step": 3})
