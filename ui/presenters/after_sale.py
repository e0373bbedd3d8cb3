"""After a purchase or a pickup: the e-invoice and the receipt slip (kiosk.flows.after_sale).

Its first state is the journey's `done`: after a purchase the "Take your tickets" summary
already showing stays (with its E-invoice and receipt buttons, ui.presenters.purchase); after a
pickup it is drawn here with the buttons the flow offers (`data.offers`), and again after a
receipt printed or failed (the flow's message on it). Then: who the invoice is for (a
choice), the company's name (A-Z keypad), its tax number (A-Z/0-9 keypad, 18 characters), the
phone it goes to (digits), and what happened. Back goes one step back in the flow; a refusal
shows the keypad again with the zh/en reason.
"""

from __future__ import annotations

from typing import Any

from ui.presenters.base import FINISH, FlowPresenter
from ui.presenters.texts import msg_params
from ui.seam import Scene

STEP = 3
AFTER_SALE_BUTTONS = (
    {"intent": "invoice", "label": "E-invoice", "test_id": "invoice"},
    {"intent": "receipt", "label": "Print a receipt", "test_id": "receipt"},
)


class AfterSalePresenter(FlowPresenter):
    def __init__(self) -> None:
        super().__init__()
        self.first_done = True

    def screen_done(self, state: Any) -> Scene | None:
        first, self.first_done = self.first_done, False
        if first and state.data.get("journey") == "purchase":
            return None  # the purchase's own "Take your tickets", with these buttons: kept
        scene = super().screen_done(state)
        offers = list(state.data.get("offers") or [])
        buttons = [b for b in AFTER_SALE_BUTTONS if b["intent"] in offers]
        scene.params["actions"] = [*buttons, *scene.params.get("actions", [])]
        return scene

    def screen_receipt_printing(self, state: Any) -> Scene:
        return Scene("message", {"kind": "info", "title": "Receipt",
                                 **msg_params("body", state.messages[0]), "actions": [],
                                 "step": STEP})  # fmt: skip

    def screen_invoice_title(self, state: Any) -> Scene:
        items = [
            {"intent": "title_kind", "data": {"kind": "individual"}, "label": "Individual",
             "test_id": "invoice_individual"},
            {"intent": "title_kind", "data": {"kind": "company"}, "label": "Company",
             "test_id": "invoice_company"},
        ]  # fmt: skip
        return Scene("choice", {"title": "E-invoice", **self.prompt(state), "items": items,
                                "step": STEP})  # fmt: skip

    def _keypad(self, state: Any, kind: str, title: str, field: str, max_length: int) -> Scene:
        messages = list(state.messages)
        error = msg_params("error", messages[0]) if len(messages) > 1 else {}
        prompt = msg_params("prompt", messages[-1]) if messages else {}
        value = str((state.data.get("form") or {}).get(field, ""))
        return Scene(
            "keypad_entry",
            {"kind": kind, "title": title, **prompt, **error, "value": value,
             "max_length": max_length, "step": STEP},
        )  # fmt: skip

    def screen_invoice_company(self, state: Any) -> Scene:
        return self._keypad(state, "company_name", "Company name", "title", 60)

    def screen_invoice_tax_number(self, state: Any) -> Scene:
        return self._keypad(state, "tax_number", "Tax number", "tax_number", 18)

    def screen_invoice_contact(self, state: Any) -> Scene:
        return self._keypad(state, "phone", "Invoice to phone", "phone", 11)

    def screen_invoice_sending(self, state: Any) -> Scene:
        return Scene("message", {"kind": "info", "title": "E-invoice",
                                 **msg_params("body", state.messages[0]), "actions": [],
                                 "step": STEP})  # fmt: skip

    def screen_invoice_done(self, state: Any) -> Scene:
        msg = state.messages[0] if state.messages else None
        ok = msg is not None and msg.key.startswith("invoice.")
        return Scene("message", {"kind": "success" if ok else "error", "title": "E-invoice",
                                 **msg_params("body", msg), "actions": [FINISH],
                                 "step": STEP})  # fmt: skip

    def on_submit(self, flow: Any, data: dict[str, Any]) -> None:
        kind, value = data.get("kind"), str(data.get("value", ""))
        if kind == "company_name":
            flow.act("set_title", title=value)
        elif kind == "tax_number":
            flow.act("set_tax_number", tax_number=value)
        elif kind == "phone":
            flow.act("set_contact", contact=value)

    def on_back(self, flow: Any, data: dict[str, Any]) -> None:
        if "back" in flow.state.actions:
            flow.act("back")
            return
        super().on_back(flow, data)
