"""Walk-up purchase: product, slot (showing what remains), ticket counts, visitors for
real-name products, then one summary screen (phone, member, the estimate) and payment.

Visitors (the flow's `holder` screens): the ID card on the reader; "Other documents" opens a
choice of the document to type (resident ID number, passport, HK/Macao permit, Taiwan permit,
foreign permanent residence card: each on its own keypad, then the name on the A-Z keypad) or
"No document: staff allow" (the flow's staff card and PIN screens); "Child without ID" asks a
name and the buyer's phone. A number the flow refuses opens its keypad again with what was
typed and the refusal, naming the document. The summary names each visitor's document with
the number and name masked.

The flow's `extras` and `review` screens are drawn as one summary: "Confirm and pay" sends
`next` and then `confirm` once the review arrives unchanged; a price change or an error on
review shows the review itself. So two adult tickets for the next slot take 6 taps from the
start screen to the payment prompt (buy, product, slot, "2", next, confirm).
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any, ClassVar

from kiosk.domain.errors import ERRORS
from kiosk.domain.holders import document_holder, id_card_holder, undocumented_holder
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
        "holder_staff_card": 1,
    }

    def __init__(self) -> None:
        super().__init__()
        self.confirm_pending = False
        self.cart: dict[str, Any] = {}
        self.child_name = ""  # typed on the A-Z keypad, waiting for the buyer's phone
        self.retrying: dict[str, str] = {}  # a document being typed: doc_type, number, name
        self.typed: dict[str, str] = {}  # the document last sent, until the flow answers
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
        params = slot_params(state, first)
        kept = sum(int(n) for n in (data.get("counts") or {}).values())
        if kept and ("reason_zh" in params or "reason" in params):
            # chosen again after a refusal: the tickets chosen are still in the cart
            note = "Your {count} tickets are kept" if kept > 1 else "Your ticket is kept"
            params.update(note=note, note_args={"count": kept})
        return Scene("choose_slot", params)

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
        retry = self._retry_typed(state)
        if retry is not None:
            return retry
        kept = state.data.get("entered") or {}
        if kept and "keep_holder" in state.actions:
            return kept_holder_scene(state.data, kept)
        return self.device_prompt(
            state,
            "idcard",
            "Visitor {index} of {total}",
            title_args=dict(state.data),
            hint="No ID card? Tap Other documents: passport, permits, or no document.",
            alternative="Other documents",
            alternative2="Child without ID",
            alternative2_id="child_no_id",
        )

    def _retry_typed(self, state: Any) -> Scene | None:
        """The flow refused the document just typed (`data.problem` names the document and
        the field): its keypad again, with what was typed and why it was refused."""
        typed, self.typed = self.typed, {}
        problem = state.data.get("problem") or {}
        if not typed or problem.get("doc_type") != typed.get("doc_type") or not state.messages:
            return None
        field = problem.get("field")
        if field not in ("doc_number", "name"):
            return None
        self.retrying = typed
        self.remembered["local"] = True  # back returns to the holder screen
        error = msg_params("error", state.messages[0])
        if field == "name":
            return Scene("keypad_entry", {"kind": "holder_name", "step": 1, **error})
        return Scene(
            "keypad_entry",
            {"kind": keypad_kind(typed["doc_type"]), "value": typed["doc_number"], "step": 1}
            | error,
        )

    def alternative(self, flow: Any, data: dict[str, Any]) -> None:
        """Other documents: which one to type, or no document (a child, or staff allow)."""
        if flow.state.screen == "holder":
            self.show_local(Scene("choice", document_choice(flow.state.data)))
            return
        raise NotImplementedError("alternative")

    def on_pick_document(self, flow: Any, data: dict[str, Any]) -> None:
        """A document chosen: its number on a keypad fit for it (then the name)."""
        doc_type = str(data.get("doc_type", ""))
        self.retrying = {"doc_type": doc_type}
        self.show_local(Scene("keypad_entry", {"kind": keypad_kind(doc_type), "step": 1}))

    def on_staff_allows(self, flow: Any, data: dict[str, Any]) -> None:
        """An adult without a document: staff card and PIN (the flow's own screens)."""
        self.back_to_flow()
        if not flow.act("staff_allows") and self.view is not None:
            self.view.render_now()

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
        if kind in DOCUMENT_KEYPADS.values() and kind != "id":
            doc_type = next(d for d, k in DOCUMENT_KEYPADS.items() if k == kind)
            self.retrying = {**self.retrying, "doc_type": doc_type, "doc_number": value}
            if not self.retrying.get("name"):
                self.show_local(Scene("keypad_entry", {"kind": "holder_name", "step": 1}))
                return
            self._send_typed(flow)
            return
        if kind == "holder_name":
            self.retrying = {**self.retrying, "name": " ".join(value.split())}
            self._send_typed(flow)
            return
        if kind == "pin" and flow.state.screen == "holder_staff_pin":
            flow.act("enter_pin", pin=value)
            return
        self.back_to_flow()
        if kind == "id":
            self.typed = {"doc_type": "id_card", "doc_number": value}
            flow.act("enter_holder", **id_card_holder(value))
        elif kind == "buyer_phone":
            name, self.child_name = self.child_name, ""
            flow.act("enter_holder", **undocumented_holder(name, value))
        elif kind == "phone":
            flow.act("set_phone", phone=value)
        elif kind == "coupon":
            flow.act("set_coupon", code=value)
        elif self.view is not None:
            self.view.render_now()

    def _send_typed(self, flow: Any) -> None:
        """The document typed and the holder's name, to the flow (which checks them)."""
        typed, self.retrying = self.retrying, {}
        self.typed = typed
        self.back_to_flow()
        flow.act(
            "enter_holder",
            **document_holder(typed["doc_type"], typed["doc_number"], typed.get("name", "")),
        )

    # an adult without a document: staff card and PIN ----------------------------------------
    def screen_holder_staff_card(self, state: Any) -> Scene:
        return self.device_prompt(
            state,
            "membercard",
            "No document: staff allow",
            hint="Only a supervisor may allow a visitor without a document",
        )

    def screen_holder_staff_pin(self, state: Any) -> Scene:
        return self.pin_entry(state, "holder.staff_pin", step=1)

    def on_cancel(self, flow: Any, data: dict[str, Any]) -> None:
        """On the staff screens Cancel (or Back) gives up the allowance, not the purchase."""
        if flow.state.screen in STAFF_SCREENS and not self.remembered.get("local"):
            flow.act("back")
            return
        super().on_cancel(flow, data)

    def on_back(self, flow: Any, data: dict[str, Any]) -> None:
        """Back: off a keypad of the presenter's own, to the flow's screen; else one step back
        in the journey (the flow keeps what was chosen)."""
        if flow.state.screen in STAFF_SCREENS and not self.remembered.get("local"):
            flow.act("back")
            return
        if not self.remembered.get("local") and "back" in flow.state.actions:
            self.confirm_pending = False
            flow.act("back")
            return
        super().on_back(flow, data)

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
        counts = {} if data.get("quote") else data.get("counts") or cart.get("counts", {})
        for t in cart.get("types", []):
            n = int(counts.get(t["id"], 0))
            if n:
                lines.append({**{f"label_{k}": v for k, v in t["name"].items()}, "value": f"× {n}"})
        lines += holder_lines(data.get("holder_views") or cart.get("holder_views") or [])
        quote = data.get("quote") or {}
        if quote:
            lines += quote_lines(quote)
            return lines
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
        """The summary of `extras` (coupon, points, phone and member offered) or of `review`
        (which takes only the confirm: Back goes to the extras)."""
        data = state.data
        review = state.screen == "review"
        if data.get("holder_views"):
            self.cart["holder_views"] = list(data["holder_views"])
        lines = self.summary_lines(state)
        if data.get("buyer_phone"):
            lines.append({"label": "Phone", "value": str(data["buyer_phone"])})
        if data.get("member_id"):
            lines.append({"label": "Member", "value": str(data["member_id"])})
        note = state.messages[0] if state.messages else None
        actions = [
            {"intent": "confirm_all", "label": "Confirm and pay", "test_id": "confirm"},
            {"intent": "coupon", "label": "Coupon code", "test_id": "coupon"},
            {"intent": "add_phone", "label": "Add a phone number (optional)",
             "test_id": "add_phone"},
        ]  # fmt: skip
        self.cart["points_options"] = list(data.get("points_options") or [])
        if self.cart["points_options"]:
            actions.insert(2, {"intent": "points", "label": "Use points", "test_id": "points"})
        hint: dict[str, Any] = {
            "hint": "Members: insert your member card or show your member QR code"
        }
        if len(state.messages) > 1:  # a refusal, then what to do next
            hint = msg_params("hint", state.messages[1])
        elif review:
            hint = {}
        if review:  # the flow's review takes no coupon, points, phone or member card
            actions = actions[:1]
        return Scene(
            "summary",
            {
                "title": "Check your order",
                **msg_params("prompt", note),
                **hint,
                "lines": lines,
                "actions": [] if holding else actions,
                "step": 1,
            },
        )

    def on_coupon(self, flow: Any, data: dict[str, Any]) -> None:
        """The coupon code on the A-Z/0-9 keypad (or its QR shown to the camera meanwhile)."""
        self.show_local(Scene("keypad_entry", {
            "kind": "coupon", "title": "Coupon code", "max_length": 20, "step": 1,
            "prompt": "Type the coupon code, or show the coupon's QR code to the camera",
        }))  # fmt: skip

    def on_points(self, flow: Any, data: dict[str, Any]) -> None:
        """The points a member may spend: none, or steps of 100 up to half the order."""
        items = [
            {
                "intent": "pick_points",
                "data": {"points": n},
                "label": "{points} points: ¥{yuan} off" if n else "No points",
                "label_args": {"points": n, "yuan": yuan(n)},
                "test_id": f"points_{n}",
            }
            for n in self.cart.get("points_options", [])
        ]
        self.show_local(Scene("choice", {"title": "Points to use", "items": items, "step": 1}))

    def on_pick_points(self, flow: Any, data: dict[str, Any]) -> None:
        self.back_to_flow()
        flow.act("set_points", points=int(data.get("points", 0)))

    def screen_done(self, state: Any) -> Scene:
        """Take your tickets, and (after a purchase) an e-invoice (kiosk.flows.after_sale)."""
        scene = super().screen_done(state)
        if state.data.get("after_sale"):
            invoice = {"intent": "invoice", "label": "E-invoice", "test_id": "invoice"}
            receipt = {"intent": "receipt", "label": "Print a receipt", "test_id": "receipt"}
            scene.params["actions"] = [invoice, receipt, *scene.params.get("actions", [])]
        return scene

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


# a document the tourist types -> the keypad fit for it (ui.screens.keypad_entry)
DOCUMENT_KEYPADS = {
    "id_card": "id",
    "passport": "passport",
    "hk_macau_permit": "hk_macau_permit",
    "taiwan_permit": "taiwan_permit",
    "foreign_permanent": "foreign_permanent",
}
DOCUMENT_LABELS = {
    "id_card": "Resident ID card number",
    "passport": "Passport",
    "hk_macau_permit": "Mainland Travel Permit for Hong Kong and Macao Residents",
    "taiwan_permit": "Mainland Travel Permit for Taiwan Residents",
    "foreign_permanent": "Foreign Permanent Resident ID Card",
}
STAFF_SCREENS = ("holder_staff_card", "holder_staff_pin")
# the documents' English names (kiosk.domain.ids.DOC_TYPE_NAMES, holders.STAFF_ALLOWED) that
# are msgids in the catalogues, their zh as the domain names them
DOC_NAME_MSGIDS = (
    "Resident ID card",
    "Passport",
    "Mainland Travel Permit (HK/Macao)",
    "Mainland Travel Permit (Taiwan)",
    "Foreign Permanent Resident ID Card",
    "Residence Permit (HK/Macao/Taiwan)",
    "No document, allowed by staff",
)


def keypad_kind(doc_type: str) -> str:
    return DOCUMENT_KEYPADS.get(doc_type, "digits")


def document_choice(data: dict[str, Any]) -> dict[str, Any]:
    """The choice of a document to type (those the flow offers), or no document: staff allow."""
    items: list[dict[str, Any]] = [
        {
            "intent": "pick_document",
            "data": {"doc_type": doc},
            "label": DOCUMENT_LABELS.get(doc, doc),
            "test_id": f"doc_{doc}",
        }
        for doc in data.get("documents", list(DOCUMENT_KEYPADS))
        if doc in DOCUMENT_KEYPADS
    ]
    items.append(
        {
            "intent": "staff_allows",
            "label": "No document: staff allow",
            "sub": "An adult: a supervisor's card and PIN",
            "test_id": "staff_allows",
        }
    )
    return {
        "title": "Other documents",
        "prompt": "Which document does visitor {index} have?",
        "prompt_args": {"index": int(data.get("index", 1))},
        "items": items,
        "step": 1,
    }


def holder_lines(views: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The summary's line for each visitor: the document named and its number masked, a child
    without ID with the masked name, or no document allowed by staff."""
    lines: list[dict[str, Any]] = []
    for view in views:
        if view.get("child"):
            lines.append({"label": "Child without ID", "value": str(view.get("name", ""))})
        elif view.get("allowed_by_staff"):
            doc = view.get("doc_name") or {}  # 无证件·工作人员放行 / No document, allowed by staff
            lines.append({"label": "Visitor", **doc_text("value", doc)})
        else:
            doc = view.get("doc_name") or {}
            number = str(view.get("doc_number", ""))
            name = str(view.get("name", ""))
            value = " · ".join(v for v in (name, number) if v)
            lines.append({**doc_text("label", doc), "value": value})
    return lines


def doc_text(key: str, name: dict[str, str]) -> dict[str, str]:
    """A document's name (kiosk.domain.ids.DOC_TYPE_NAMES, zh/en) as a line's text: its English
    as the msgid, so a third language's catalogue names it too; the zh/en pair without one."""
    en = name.get("en", "")
    if en in DOC_NAME_MSGIDS:
        return {f"{key}_msgid" if key == "value" else key: en}
    return {f"{key}_zh": name.get("zh", ""), f"{key}_en": en}


def kept_holder_scene(data: dict[str, Any], kept: dict[str, Any]) -> Scene:
    """Back at a visitor entered before (kiosk.flows.holder_entry): what was entered for them,
    masked, with Keep to go on as it was; another ID card on the reader, Other documents or
    Child without ID change it."""
    return Scene(
        "summary",
        {
            "title": "Visitor {index} of {total}",
            "title_args": {"index": data.get("index", 1), "total": data.get("total", 1)},
            "prompt": "Entered before for this visitor",
            "lines": holder_lines([kept]),
            "hint": "Keep it, or place another ID card on the reader to change it.",
            "actions": [
                {"intent": "keep_holder", "label": "Keep this visitor", "test_id": "keep_holder"},
                {"intent": "alternative", "label": "Other documents", "test_id": "alternative"},
                {"intent": "alternative2", "label": "Child without ID", "test_id": "child_no_id"},
            ],
            "step": 1,
        },
    )


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
            "prices": dict(s.get("prices") or {}),  # fen per ticket type (weekend, slot %)
        }
        for s in data.get("slots", [])
    ]
    messages = list(state.messages)
    reason: dict[str, Any] = {}
    if len(messages) > 1 and messages[0].key.startswith("error."):
        # the order was refused (the entry time closed or sold out meanwhile): why, then what
        # to do next as the prompt
        reason = gone_reason(messages.pop(0), data)
    prompt = msg_params("prompt", messages[0]) if messages else {}
    extra = msg_params("note", messages[1]) if len(messages) > 1 else {}
    return {"date": data.get("date", ""), "dates": dates, "slots": slots, **reason, **prompt,
            **extra}  # fmt: skip


def gone_reason(why: Any, data: dict[str, Any]) -> dict[str, Any]:
    """`reason` params for a refusal on the entry times: the rule's words in the screen's
    language (the catalogs' `error.<code>`, kiosk.domain.errors' words; the backend's message
    names the slot by its internal id), with `reason_time` the entry time the tourist had
    chosen, as the buttons name it ("10:00-11:00")."""
    params = dict(getattr(why, "params", {}) or {})
    code = str(params.get("code") or why.key.split(".", 1)[1])
    said = {"reason": f"error.{code}"} if code in ERRORS else msg_params("reason", why)
    chosen = data.get("chosen_slot_id") or data.get("current_slot_id")
    label = next((str(s.get("label", "")) for s in data.get("slots", []) if s["id"] == chosen), "")
    return {**said, "reason_time": label} if label else said


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


DISCOUNTS = (
    ("member_discount_fen", "Member discount"),
    ("coupon_discount_fen", "Coupon"),
    ("points_discount_fen", "Points"),
)


def quote_lines(quote: dict[str, Any]) -> list[dict[str, Any]]:
    """The server's quote on the summary: each line (unit price × count) with, when the order
    has several lines, each one's discounts; then the member, coupon and points discounts and
    the total to pay."""
    lines: list[dict[str, Any]] = []
    several = len(quote.get("lines", [])) > 1
    for q in quote.get("lines", []):
        name = q.get("ticket_type_name") or {}
        unit = yuan(q.get("unit_fen", 0))
        lines.append({"label_zh": f"{name.get('zh', '')} ¥{unit} × {q.get('quantity', 0)}",
                      "label_en": f"{name.get('en', '')} ¥{unit} × {q.get('quantity', 0)}",
                      "value": f"¥{yuan(q.get('amount_fen', 0))}"})  # fmt: skip
        for key, what in DISCOUNTS if several else ():
            if q.get(key):
                lines.append({"label": what, "value": f"−¥{yuan(q[key])}", "small": True})
    if quote.get("member_discount_fen"):
        lines.append({"label": "Member discount",
                      "value": f"−¥{yuan(quote['member_discount_fen'])}"})  # fmt: skip
    coupon = quote.get("coupon") or {}
    if coupon:
        lines.append({"label": "Coupon", "value": f"{coupon.get('code')}  −¥"
                      f"{yuan(quote.get('coupon_discount_fen', 0))}"})  # fmt: skip
    if quote.get("points_used"):
        lines.append({"label": "Points", "value": f"{quote['points_used']}  −¥"
                      f"{yuan(quote.get('points_discount_fen', 0))}"})  # fmt: skip
    lines.append({"label": "Total", "value": f"¥{yuan(quote.get('total_fen', 0))}", "strong": True})
    return lines
