"""Pickup: place the ID card, show the order QR, or type the order number (letters and digits,
or the booking site's own order id) and the FULL phone number used to book; then "Printing 2
of 4" and "Take your tickets"."""

from __future__ import annotations

from typing import Any

from ui.presenters.base import HOME, FlowPresenter
from ui.presenters.texts import messages_params
from ui.seam import Scene

# the order number on the letters-and-digits keypad (the passport's layout: the screen picks a
# keypad by kind), then the whole phone number: the order number alone is not proof
ORDER_KEYPAD = {
    "kind": "passport",
    "title": "Order number",
    "prompt": "Type the order number from your booking message",
    "max_length": 20,
}
PHONE_KEYPAD = {
    "kind": "phone",
    "title": "Phone number",
    "prompt": "Type the full 11-digit mobile number used to book",
}


class PickupPresenter(FlowPresenter):
    def screen_pickup_identify(self, state: Any) -> Scene:
        """Only what the flow offers now: waiting out a refused lookup (or retrying one) it
        takes a cancel only, so no QR hint and no order-number button."""
        offered = set(state.actions)
        return self.device_prompt(
            state,
            "idcard",
            "Pick up tickets",
            **({"hint": "Or show the order QR code to the camera"} if "scan" in offered else {}),
            **({"alternative": "Type the order number"} if "enter_order" in offered else {}),
        )

    def alternative(self, flow: Any, data: dict[str, Any]) -> None:
        self.show_local(Scene("keypad_entry", dict(ORDER_KEYPAD)))

    def on_submit(self, flow: Any, data: dict[str, Any]) -> None:
        if data.get("kind") == ORDER_KEYPAD["kind"]:
            self.remembered["order_no"] = str(data.get("value", ""))
            self.show_local(Scene("keypad_entry", dict(PHONE_KEYPAD)))
            return
        self.back_to_flow()
        flow.act(
            "enter_order",
            order_no=self.remembered.pop("order_no", ""),
            phone=str(data.get("value", "")),
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
