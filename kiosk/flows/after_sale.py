"""After payment or pickup: an e-invoice (电子发票) or a receipt slip (购物小票) for the order.

The journey loop (kiosk.flows.home) runs it after a purchase or a pickup ends `done`
(`outcome.data["after_sale"]`): its first screen is that `done` screen (the tickets to take),
offering `invoice`, `receipt` (`data.offers`) and `cancel` (finish). Nothing tapped for
`LINGER_SECONDS`: it ends, as the done screen always did.

`receipt` prints one slip per order of the journey (kiosk.flows.receipt) on the ticket printer
(`receipt_printing`), then shows `done` again with `receipt.printed`, or with
`receipt.paper_out` / `receipt.failed` (the tickets already came out and are not affected; the
slip may be asked again). `invoice` is offered for one order; an order paid on an OTA or
another channel is that channel's to invoice: `error.invoice_from_channel` on `done` at once.

Invoice screens, one step each (Back goes one step back, what was typed kept):
`invoice_title` (`title_kind`: individual or company), for a company `invoice_company` (the
name, `set_title`) and `invoice_tax_number` (`set_tax_number`: the 18-character unified social
credit code, its check character checked here before anything is sent), then
`invoice_contact` (`set_contact`: a phone or an e-mail), then `invoice_done` (issued, or
recorded to be issued, sent to the masked contact). A refusal shows the screen of the field it
names again, with the zh/en reason.
"""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from kiosk.client import BackendError
from kiosk.domain.errors import RuleError
from kiosk.domain.ids import is_valid_phone
from kiosk.domain.invoice_rules import check_invoice_request, is_valid_email, is_valid_tax_number
from kiosk.flows.base import Action, Flow, Msg, Outcome, Ports
from kiosk.flows.receipt import print_receipt
from kiosk.flows.steps import BACK, StepBack, StepHistory

LINGER_SECONDS = 20.0
FIELD_SCREENS = {"title": "invoice_company", "tax_number": "invoice_tax_number",
                 "email": "invoice_contact", "phone": "invoice_contact"}  # fmt: skip


class AfterSaleFlow(Flow):
    name = "after_sale"

    def __init__(self, ports: Ports, finished: Outcome, shown: Any = None) -> None:
        super().__init__(ports)
        self.finished = finished
        self.shown = shown  # the journey's last state (its `done` screen)
        self.history: StepHistory | None = None
        self.form: dict[str, str] = {"title_kind": "", "title": "", "tax_number": "",
                                     "email": "", "phone": ""}  # fmt: skip
        self.problem: dict[str, Msg] = {}  # field -> the refusal to show on its screen

    def forget(self) -> None:
        self.form = dict.fromkeys(self.form, "")
        super().forget()

    async def wait(self, *allowed: str, idle: bool = True) -> Action:
        if BACK in self.state.actions and BACK not in allowed:
            allowed = (*allowed, BACK)
        action = await super().wait(*allowed, idle=idle)
        if action.name == BACK:
            raise StepBack()
        return action

    def order_ids(self) -> list[str]:
        """The orders of the journey (a pickup may print several), in order."""
        ids = [str(i) for i in self.finished.data.get("order_ids") or [] if i]
        return ids or ([self.finished.order_id] if self.finished.order_id else [])

    def show_done(self, offers: list[str], *note: Msg) -> None:
        shown = self.shown
        self.publish(
            "done",
            *note,
            *(shown.messages if shown is not None else ()),
            data={**(dict(shown.data) if shown is not None else {}), "after_sale": True,
                  "offers": list(offers), "order_no": self.finished.order_no,
                  "journey": self.finished.flow},
            actions=(*offers, "cancel"),
        )  # fmt: skip

    async def journey(self) -> Outcome:
        offers = ["invoice", "receipt"] if len(self.order_ids()) == 1 else ["receipt"]
        self.show_done(offers)
        receipts: list[str] = []
        while True:
            try:
                action = await asyncio.wait_for(self.wait(*offers, idle=False), LINGER_SECONDS)
            except TimeoutError:
                return Outcome(self.name, "done", order_id=self.finished.order_id,
                               told=list(self.told), data={"receipts": receipts})  # fmt: skip
            if action.name == "receipt":
                note = await self.receipt()
                if note.key == "receipt.printed":
                    receipts.append(self.finished.order_no)
                    offers.remove("receipt")
                self.show_done(offers, note)
                continue
            refusal = await self.channel_refusal()
            if refusal is None:
                break
            offers.remove("invoice")
            self.show_done(offers, refusal)
        self.history = StepHistory(
            self, [self.title_kind, self.company, self.tax_number, self.contact, self.submit]
        )
        invoice = await self.history.run()
        return Outcome(
            self.name, "done", order_no=self.finished.order_no, order_id=self.finished.order_id,
            told=list(self.told), data={"invoice": invoice},
        )  # fmt: skip

    async def receipt(self) -> Msg:
        """A receipt slip for each order of the journey; the first problem stops it."""
        self.publish("receipt_printing", Msg("receipt.printing"),
                     data={"order_no": self.finished.order_no})  # fmt: skip
        note = Msg("receipt.printed")
        for order_id in self.order_ids():
            note = await print_receipt(self, order_id)
            if note.key != "receipt.printed":
                break
        return note

    async def channel_refusal(self) -> Msg | None:
        """`invoice_from_channel` when the order was paid on an OTA or another channel (the
        backend refuses it too), before the tourist types anything."""
        try:
            order = await self.ports.client.get_order(self.finished.order_id)
        except BackendError as exc:
            if exc.unreachable:
                raise
            return self.error_msg(exc)
        if (order.raw.get("collected_by") or "kiosk") != "kiosk":
            return self.rule_msg("invoice_from_channel")
        return None

    def _screen(self, screen: str, prompt: Msg, field: str, *actions: str) -> None:
        problem = self.problem.pop(field, None)
        self.publish(
            screen,
            *([problem, prompt] if problem else [prompt]),
            data={"form": dict(self.form), "field": field, "order_no": self.finished.order_no},
            actions=(*actions, BACK, "cancel"),
        )

    async def title_kind(self) -> None:
        self._screen("invoice_title", Msg("invoice.choose_title"), "title_kind", "title_kind")
        while True:
            action = await self.wait("title_kind")
            kind = str(action.params.get("kind", ""))
            if kind in ("individual", "company"):
                if kind != self.form["title_kind"]:
                    self.form.update(title_kind=kind, title="", tax_number="")
                return

    async def company(self) -> None:
        if self.form["title_kind"] != "company":
            return
        self._screen("invoice_company", Msg("invoice.company_name"), "title", "set_title")
        while True:
            action = await self.wait("set_title")
            title = " ".join(str(action.params.get("title", "")).split())
            if title:
                self.form["title"] = title
                return
            self.problem["title"] = self.rule_msg("invoice_title_missing")
            self._screen("invoice_company", Msg("invoice.company_name"), "title", "set_title")

    async def tax_number(self) -> None:
        if self.form["title_kind"] != "company":
            return
        self._screen(
            "invoice_tax_number", Msg("invoice.tax_number"), "tax_number", "set_tax_number"
        )
        while True:
            action = await self.wait("set_tax_number")
            number = "".join(str(action.params.get("tax_number", "")).split()).upper()
            self.form["tax_number"] = number
            if is_valid_tax_number(number):
                return
            self.problem["tax_number"] = self.rule_msg("tax_number_invalid")
            self._screen(
                "invoice_tax_number", Msg("invoice.tax_number"), "tax_number", "set_tax_number"
            )

    async def contact(self) -> None:
        self._screen("invoice_contact", Msg("invoice.contact"), "phone", "set_contact")
        while True:
            action = await self.wait("set_contact")
            text = "".join(str(action.params.get("contact", "")).split())
            if "@" in text and is_valid_email(text):
                self.form.update(email=text, phone="")
                return
            if "@" not in text and is_valid_phone(text):
                self.form.update(phone=text, email="")
                return
            code = "invalid_email" if "@" in text else "invalid_phone"
            self.problem["phone"] = self.rule_msg(code)
            self._screen("invoice_contact", Msg("invoice.contact"), "phone", "set_contact")

    async def submit(self) -> dict[str, Any]:
        """Check the form as the backend will, send it, show the answer."""
        f = self.form
        try:
            check_invoice_request(
                f["title_kind"], f["title"], f["tax_number"], f["email"], f["phone"]
            )
            self.publish("invoice_sending", Msg("invoice.sending"), data={"form": dict(f)})
            invoice = await self.ports.client.request_invoice(self.finished.order_id, dict(f))
        except RuleError as exc:
            self.problem[exc.detail or "phone"] = self.rule_msg(exc.code)
            raise StepBack() from None
        except BackendError as exc:
            if exc.unreachable:
                raise
            self.publish("invoice_done", self.error_msg(exc), data={"form": dict(f)},
                         actions=("cancel",))  # fmt: skip
            await self.wait()
            return {}
        key = "invoice.issued" if invoice.get("status") == "issued" else "invoice.recorded"
        to = invoice.get("email") or invoice.get("phone") or ""
        self.publish(
            "invoice_done",
            Msg(key, {"to": to, "amount_fen": invoice.get("amount_fen", 0)}),
            data={"invoice": invoice},
            actions=("cancel",),
        )
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.wait(idle=False), LINGER_SECONDS)
        return invoice
