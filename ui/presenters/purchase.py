"""Walk-up purchase: product, slot (showing what remains), ticket counts, visitors for
real-name products, then one summary screen (phone, member, the estimate) and payment.

The flow's `extras` and `review` screens are drawn as one summary: "Confirm and pay" sends
`next` and then `confirm` once the review arrives unchanged; a price change or an error on
review shows the review itself. So two adult tickets for the next slot take 6 taps from the
start screen to the payment prompt (buy, product, slot, "2", next, confirm).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any, ClassVar

from kiosk.domain.holders import id_card_holder, undocumented_holder
from kiosk.domain.ids import mask_name
from ui.presenters.base import FlowPresenter
from ui.presenters.texts import msg_params, name_of, yuan
from ui.seam import Scene

MAX_PER_TYPE = 6
DAYS_AHEAD = 3


class PurchasePresenter(FlowPresenter):
    step_of: ClassVar[dict[str, int]] = {
        "choose_product": 0,
        "choose_slot": 0,
        "choose_tickets": 0,
        "holder": 1,
    }

    def __init__(self) -> None:
        super().__init__()
        self.confirm_pending = False
        self.cart: dict[str, Any] = {}
        self.child_name = ""  # typed on the A-Z keypad, waiting for the buyer's phone
        self.children: dict[int, str] = {}  # visitor index -> masked name, children without ID
        self.holder_index = 1

    # choose --------------------------------------------------------------------------------
    def screen_choose_product(self, state: Any) -> Scene:
        items = product_items(state.data.get("products", []), "product")
        return Scene("choice", {"title": "Buy tickets", **self.prompt(state), "items": items})

    def screen_choose_slot(self, state: Any) -> Scene:
        data = state.data
        self.cart["product"] = data.get("product", {})
        self.cart["slots"] = {s["id"]: s for s in data.get("slots", [])}
        self.cart["date"] = data.get("date", "")
        first = self.remembered.setdefault("first_date", data.get("date", ""))
        return Scene("choose_slot", slot_params(state, first))

    def on_choose_slot(self, flow: Any, data: dict[str, Any]) -> None:
        self.cart["slot_id"] = data.get("slot_id")
        flow.act("choose_slot", **data)

    def screen_choose_tickets(self, state: Any) -> Scene:
        data = state.data
        self.cart["types"] = data.get("types", [])
        self.cart["counts"] = dict(data.get("counts", {}))
        self.cart["estimate_fen"] = data.get("estimate_fen", 0)
        types = [
            {
                "id": t["id"],
                **name_of(t["name"]),
                "price": yuan(t.get("price_fen", 0)),
                "count": int(data.get("counts", {}).get(t["id"], 0)),
            }
            for t in data.get("types", [])
        ]
        return Scene(
            "ticket_counter",
            {
                **self.prompt(state),
                "types": types,
                "max_count": min(MAX_PER_TYPE, int(data.get("remaining", MAX_PER_TYPE))),
                "total": yuan(data.get("estimate_fen", 0)),
            },
        )

    # visitors ------------------------------------------------------------------------------
    def screen_holder(self, state: Any) -> Scene:
        # the flow asks for visitor `index`: the ones before it were taken, the rest were not
        self.holder_index = int(state.data.get("index", 1))
        self.children = {i: n for i, n in self.children.items() if i < self.holder_index}
        return self.device_prompt(
            state,
            "idcard",
            "Visitor {index} of {total}",
            title_args=dict(state.data),
            hint="No ID card with you? Type the ID number instead.",
            alternative="Type the ID number",
            alternative2="Child without ID",
            alternative2_id="child_no_id",
        )

    def alternative(self, flow: Any, data: dict[str, Any]) -> None:
        if flow.state.screen == "holder":
            self.show_local(Scene("keypad_entry", {"kind": "id", "step": 1}))
            return
        raise NotImplementedError("alternative")

    def on_alternative2(self, flow: Any, data: dict[str, Any]) -> None:
        """A child without a document: the name in pinyin, then the buyer's phone."""
        if flow.state.screen == "holder":
            self.child_name = ""
            self.show_local(Scene("keypad_entry", {"kind": "name", "step": 1}))

    def on_submit(self, flow: Any, data: dict[str, Any]) -> None:
        kind, value = data.get("kind"), str(data.get("value", ""))
        if kind == "name":
            self.child_name = " ".join(value.split())
            self.show_local(Scene("keypad_entry", {"kind": "buyer_phone", "step": 1}))
            return
        self.back_to_flow()
        if kind == "id":
            flow.act("enter_holder", **id_card_holder(value))
        elif kind == "buyer_phone":
            name, self.child_name = self.child_name, ""
            self.children[self.holder_index] = mask_name(name)
            flow.act("enter_holder", **undocumented_holder(name, value))
        elif kind == "phone":
            flow.act("set_phone", phone=value)
        elif self.view is not None:
            self.view.render_now()

    # summary: extras + review as one screen ------------------------------------------------------
    def summary_lines(self, state: Any) -> list[dict[str, Any]]:
        cart = self.cart
        data = state.data
        product = data.get("product") or cart.get("product") or {}
        slot = data.get("slot") or cart.get("slots", {}).get(cart.get("slot_id"), {})
        lines: list[dict[str, Any]] = [
            {"label": "Ticket", "value_zh": product.get("name", {}).get("zh", ""),
             "value_en": product.get("name", {}).get("en", "")},
            {"label": "Date", "value": str(data.get("date") or cart.get("date", ""))},
        ]  # fmt: skip
        if slot:
            lines.append({"label": "Entry time", "value": str(slot.get("label", ""))})
        counts = data.get("counts") or cart.get("counts", {})
        for t in cart.get("types", []):
            n = int(counts.get(t["id"], 0))
            if n:
                lines.append({**{f"label_{k}": v for k, v in t["name"].items()}, "value": f"× {n}"})
        for _, masked in sorted(self.children.items()):
            lines.append({"label": "Child without ID", "value": masked})
        estimate = data.get("estimate_fen", cart.get("estimate_fen", 0))
        lines.append({"label": "Total", "value": f"¥{yuan(estimate)}", "strong": True})
        return lines

    def order_lines(self, state: Any) -> list[dict[str, Any]]:
        """ "Take your tickets": what was bought (the summary's lines without the estimate)."""
        if not self.cart.get("product"):
            return []
        lines = [line for line in self.summary_lines(state) if line.get("label") != "Total"]
        for line in lines:
            line["small"] = True
        return lines

    def screen_extras(self, state: Any) -> Scene:
        if self.confirm_pending:
            return self._summary(state, holding=True)
        return self._summary(state)

    def _summary(self, state: Any, holding: bool = False) -> Scene:
        data = state.data
        lines = self.summary_lines(state)
        if data.get("buyer_phone"):
            lines.append({"label": "Phone", "value": str(data["buyer_phone"])})
        if data.get("member_id"):
            lines.append({"label": "Member", "value": str(data["member_id"])})
        note = state.messages[0] if state.messages else None
        actions = [
            {"intent": "confirm_all", "label": "Confirm and pay", "test_id": "confirm"},
            {"intent": "add_phone", "label": "Add a phone number (optional)",
             "test_id": "add_phone"},
        ]  # fmt: skip
        return Scene(
            "summary",
            {
                "title": "Check your order",
                **msg_params("prompt", note),
                "hint": "Members: insert your member card or show your member QR code",
                "lines": lines,
                "actions": [] if holding else actions,
                "step": 1,
            },
        )

    def on_confirm_all(self, flow: Any, data: dict[str, Any]) -> None:
        screen = flow.state.screen
        if screen == "extras":
            self.confirm_pending = True
            flow.act("next")
        elif screen == "review":
            flow.act("confirm")

    def on_add_phone(self, flow: Any, data: dict[str, Any]) -> None:
        self.show_local(Scene("keypad_entry", {"kind": "phone", "step": 1}))

    def screen_review(self, state: Any) -> Scene:
        first = state.messages[0].key if state.messages else ""
        if self.confirm_pending and first == "review.confirm":
            self.confirm_pending = False
            if self.view is not None:
                self.view.flow.act("confirm")
            return self._summary(state, holding=True)
        self.confirm_pending = False
        return self._summary(state)


def slot_params(state: Any, first_date: str) -> dict[str, Any]:
    """The slot chooser's params: today and the next days, each open slot a big button."""
    data = state.data
    try:
        base = date.fromisoformat(first_date)
    except ValueError:
        base = date.today()
    dates = [(base + timedelta(days=i)).isoformat() for i in range(DAYS_AHEAD)]
    slots = [
        {
            "id": s["id"],
            "label": s["label"],
            "remaining": int(s.get("remaining", 0)),
            "open": s.get("status") == "open" and int(s.get("remaining", 0)) > 0,
            "closed": s.get("status") == "closed",
            "current": s["id"] == data.get("current_slot_id"),
        }
        for s in data.get("slots", [])
    ]
    prompt = msg_params("prompt", state.messages[0]) if state.messages else {}
    extra = msg_params("note", state.messages[1]) if len(state.messages) > 1 else {}
    return {"date": data.get("date", ""), "dates": dates, "slots": slots, **prompt, **extra}


def product_items(products: list[dict[str, Any]], test_prefix: str) -> list[dict[str, Any]]:
    """The choice screen's items for products (or add-ons): a tap chooses that product."""
    return [
        {
            "intent": "choose_product",
            "data": {"product_id": p["id"]},
            "test_id": f"{test_prefix}_{p['id']}",
            **name_of(p["name"]),
        }
        for p in products
    ]
