"""Add-ons (父子票): show the admission ticket, place the ID card or type the phone; without an
admission the add-ons are greyed with 请先购买景区大门票 / Please buy an admission ticket first
and admission + add-on is offered; with one, the purchase screens follow for that date."""

from __future__ import annotations

from typing import Any

from ui.presenters.base import HOME
from ui.presenters.purchase import PurchasePresenter, product_items
from ui.presenters.texts import msg_params, name_of
from ui.seam import Scene


class AddonPresenter(PurchasePresenter):
    def screen_addon_identify(self, state: Any) -> Scene:
        """Only what the flow offers now (waiting out a refused lookup: a cancel only)."""
        offered = set(state.actions)
        return self.device_prompt(
            state,
            "ticket",
            "Add-ons",
            **(
                {"hint": "Or place the ID card the admission was bought with"}
                if "id_card" in offered
                else {}
            ),
            **(
                {"alternative": "Type the phone number used to buy"}
                if "enter_phone" in offered
                else {}
            ),
        )

    def alternative(self, flow: Any, data: dict[str, Any]) -> None:
        if flow.state.screen == "addon_identify":
            self.show_local(Scene("keypad_entry", {"kind": "phone"}))
            return
        super().alternative(flow, data)

    def on_submit(self, flow: Any, data: dict[str, Any]) -> None:
        if flow.state.screen == "addon_identify":
            self.back_to_flow()
            flow.act("enter_phone", phone=str(data.get("value", "")))
            return
        super().on_submit(flow, data)

    def screen_addon_refused(self, state: Any) -> Scene:
        why = state.messages[0] if state.messages else None
        items = [
            {
                "intent": "none",
                "data": {},
                "disabled": True,
                "test_id": f"addon_{p['id']}",
                **name_of(p["name"]),
                **{k.replace("text", "sub", 1): v for k, v in msg_params("text", why).items()},
            }
            for p in state.data.get("addons", [])
        ]
        return Scene(
            "choice",
            {
                "title": "Add-ons",
                **msg_params("prompt", why),
                **(msg_params("note", state.messages[1]) if len(state.messages) > 1 else {}),
                "items": items,
                "actions": [
                    {"intent": "buy_admission", "label": "Buy admission + add-on",
                     "test_id": "buy_admission"},
                    HOME,
                ],
            },
        )  # fmt: skip

    def screen_addon_choose(self, state: Any) -> Scene:
        items = product_items(state.data.get("addons", []), "addon")
        return Scene("choice", {"title": "Add-ons", **self.prompt(state), "items": items})
