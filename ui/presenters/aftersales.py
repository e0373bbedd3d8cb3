"""Change or refund: show a ticket or place the holder's ID card, choose tickets, (rebook:
another slot), see the fee and what comes back, confirm; rebooked tickets print again."""

from __future__ import annotations

from typing import Any, ClassVar

from ui.presenters.base import HOME, FlowPresenter
from ui.presenters.purchase import slot_params
from ui.presenters.texts import messages_params, msg_args, yuan
from ui.seam import Scene


class AfterSalesPresenter(FlowPresenter):
    step_of: ClassVar[dict[str, int]] = {"aftersales_choose": 0, "rebook_slot": 0}

    def screen_aftersales_identify(self, state: Any) -> Scene:
        return self.device_prompt(
            state,
            "ticket",
            "Change or refund",
            hint="Hold the ticket's QR code under the camera, "
            "or place the holder's ID card on the reader",
        )

    def screen_aftersales_choose(self, state: Any) -> Scene:
        chosen = set(state.data.get("chosen", []))
        items = [
            {
                "intent": "toggle",
                "data": {"ticket_id": t["id"]},
                "test_id": f"ticket_{t['id']}",
                "label": "Ticket {n}: {date} {slot}",
                "label_args": {"n": n, "date": t.get("date", ""), "slot": t.get("slot", "")},
                "sub": "¥{price}",
                "sub_args": {"price": yuan(t.get("price_fen", 0))},
                "selected": t["id"] in chosen,
                "disabled": t.get("status") not in ("issued", "printed"),
            }
            for n, t in enumerate(state.data.get("tickets", []), start=1)
        ]
        return Scene(
            "choice",
            {
                "title": "Change or refund",
                **messages_params(state, "prompt"),
                "items": items,
                "actions": [{"intent": "next", "label": "Next", "test_id": "next"}],
            },
        )

    def screen_rebook_slot(self, state: Any) -> Scene:
        first = self.remembered.setdefault("first_date", state.data.get("date", ""))
        return Scene("choose_slot", slot_params(state, first))

    def screen_aftersales_confirm(self, state: Any) -> Scene:
        data = state.data
        lines = [{"label": "Fee", "value": f"¥{yuan(data.get('fee_fen', 0))}"}]
        if "back_fen" in data:
            lines.append({"label": "Money back", "value": f"¥{yuan(data['back_fen'])}",
                          "strong": True})  # fmt: skip
        if "balance_fen" in data:
            lines += [
                {"label": "New date", "value": f"{data.get('date', '')} {data.get('slot', '')}"},
                {"label": "To pay", "value": f"¥{yuan(data['balance_fen'])}", "strong": True},
            ]
        msg = state.messages[0] if state.messages else None
        return Scene(
            "summary",
            {
                "title": "Change or refund",
                "prompt": getattr(msg, "key", ""),
                "prompt_args": msg_args(getattr(msg, "params", {}) or {}),
                "lines": lines,
                "actions": [{"intent": "confirm", "label": "Confirm", "test_id": "confirm"}, HOME],
            },
        )

    def screen_aftersales_done(self, state: Any) -> Scene:
        return Scene(
            "summary",
            {
                "kind": "success",
                "title": "Done",
                **messages_params(state, "prompt"),
                "lines": [],
                "actions": [{"intent": "home", "label": "Finish", "test_id": "finish"}],
            },
        )

    def screen_aftersales_refused(self, state: Any) -> Scene:
        return self.screen_error(state)
