"""Add-ons (父子票): cable car, show, shuttle; sold only to holders of the day's admission.

Screens: `addon_identify` (show the admission ticket, place the ID card, or type the phone),
`addon_refused` (no admission held: says why — 请先购买景区大门票 — and offers admission + add-on
together), `addon_choose` (the add-ons that admission allows), then the purchase screens from
`choose_slot` on (for the same date) and checkout.
"""

from __future__ import annotations

from kiosk.client import BackendError, Ticket
from kiosk.domain.codes import CodeKind, classify
from kiosk.domain.ticket_code import TicketCodeError, read_claims
from kiosk.flows.base import ID_CARD, SCAN, Msg, Outcome, Ports
from kiosk.flows.purchase import PurchaseFlow, product_view


class AddonFlow(PurchaseFlow):
    name = "addons"

    def __init__(self, ports: Ports, ticket_code: str = "", id_number: str = "") -> None:
        super().__init__(ports)
        self.ticket_code = ticket_code
        self.id_number = id_number

    def forget(self) -> None:
        self.ticket_code = self.id_number = ""
        super().forget()

    async def find_parents(self) -> tuple[list[Ticket], str]:
        """The admission tickets the person holds today, and the ticket code shown (if any)."""
        today = self.ports.clock.now().date().isoformat()
        message = Msg("addon.identify")
        while True:
            query: dict[str, str] = {}
            day = today
            if self.ticket_code:
                query, self.ticket_code = {"ticket_code": self.ticket_code}, ""
            elif self.id_number:
                query, self.id_number = {"id_number": self.id_number}, ""
            else:
                self.publish(
                    "addon_identify", message, actions=(SCAN, ID_CARD, "enter_phone", "cancel")
                )
                action = await self.wait(SCAN, ID_CARD, "enter_phone")
                p = action.params
                if action.name == SCAN:
                    if classify(str(p.get("text", ""))).kind != CodeKind.TICKET:
                        message = Msg("addon.not_a_ticket")
                        continue
                    query = {"ticket_code": str(p["text"]).strip()}
                elif action.name == ID_CARD:
                    query = {"id_number": p["card"].id_number}
                else:
                    query = {"phone": str(p.get("phone", ""))}
            if "ticket_code" in query:
                try:  # the ticket's own date (verified by the backend, read here)
                    day = read_claims(query["ticket_code"]).date.isoformat()
                except TicketCodeError:
                    message = Msg("addon.not_a_ticket")
                    continue
            try:
                found = await self.ports.client.parents(day, **query)
            except BackendError as exc:
                if exc.unreachable:
                    raise
                message = self.error_msg(exc)
                continue
            if query.get("phone"):  # the backend finds the parent by the buyer's phone
                self.cart.buyer_phone = query["phone"]
            if query.get("id_number"):
                self.cart.parent_holder = {"doc_type": "id_card",
                                           "doc_number": query["id_number"]}  # fmt: skip
            return found, query.get("ticket_code", "")

    async def journey(self) -> Outcome:
        self.catalog = await self.ports.client.catalog()
        parents, code = await self.find_parents()
        if not parents:
            # the domain's words: 请先购买景区大门票 / Please buy an admission ticket first
            self.publish(
                "addon_refused",
                self.rule_msg("parent_ticket_required"),
                Msg("addon.offer_admission_with_addon"),
                data={"addons": [product_view(p) for p in self.catalog.of_kind("addon")]},
                actions=("buy_admission", "cancel"),
            )
            outcome = Outcome(self.name, "refused", data={"reason": "parent_ticket_required"})
            try:
                await self.wait("buy_admission")
                outcome.result = "buy_admission"
            except Exception:
                pass
            outcome.told = list(self.told)
            return outcome
        parent = parents[0]
        # every add-on line names that parent ticket, however the holder was recognised
        self.cart.parent_ticket_code = code or parent.code
        self.cart.date = parent.date
        addons = [
            p
            for p in self.catalog.of_kind("addon")
            if p.parent_product_id in (parent.product_id, None)
        ]
        self.publish(
            "addon_choose",
            Msg("addon.choose", {"date": parent.date}),
            data={
                "addons": [product_view(p) for p in addons],
                "parent": {"ticket_id": parent.id, "date": parent.date},
            },
            actions=("choose_product", "cancel"),
        )
        while self.cart.product is None:
            action = await self.wait("choose_product")
            self.cart.product = next(
                (p for p in addons if p.id == action.params.get("product_id")), None
            )
        await self.choose_slot()
        await self.choose_tickets()
        if self.cart.product.real_name:
            await self.enter_holders()
        await self.extras()
        order = await self.review_and_hold()
        return await self.finish(order)
