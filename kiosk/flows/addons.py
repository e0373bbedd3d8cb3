"""Add-ons (父子票): cable car, show, shuttle; sold only to holders of the day's admission.

Screens: `addon_identify` (show the admission ticket, place the ID card, or type the phone),
`addon_refused` (no admission held: says why — 请先购买景区大门票 — and offers admission + add-on
together), `addon_choose` (the add-ons that admission allows), then the purchase screens from
`choose_slot` on (for the same date) and checkout.
"""

from __future__ import annotations

from functools import partial

from kiosk.api_records import Product, Slot, Ticket
from kiosk.client import BackendError
from kiosk.domain.code_kinds import CodeKind, classify
from kiosk.domain.holders import id_card_holder
from kiosk.domain.ticket_code import TicketCodeError, read_claims
from kiosk.flows.base import ID_CARD, ID_CARD_AGAIN, SCAN, FlowCancelled, Msg, Outcome, Ports
from kiosk.flows.lookup_retry import LookupRetry, RefusalCodes
from kiosk.flows.purchase import PurchaseFlow, product_view, slot_view

# how a refused lookup is told (the waits and retries: kiosk.flows.lookup_retry)
REFUSALS = RefusalCodes(
    network_down="addon_network_down", failed="addon_lookup_failed", later="addon_lookup_later"
)


class AddonFlow(PurchaseFlow):
    name = "addons"

    def __init__(self, ports: Ports, ticket_code: str = "", id_number: str = "") -> None:
        super().__init__(ports)
        self.ticket_code = ticket_code
        self.id_number = id_number
        self.refusals = LookupRetry(self, "addon_identify", REFUSALS)

    def forget(self) -> None:
        self.ticket_code = self.id_number = ""
        super().forget()

    async def find_parents(self) -> tuple[list[Ticket], str]:
        """The admission tickets the person holds today, and the ticket code shown (if any).
        A refused lookup says what to do next and the screen takes the next ticket, card or
        phone; one refused for a few seconds (429 `Retry-After`) is waited out and asked again
        (kiosk.flows.lookup_retry): with the ID card still lying on the reader (the hub hands
        it over again, `ID_CARD_AGAIN`), or the same ticket or phone."""
        today = self.ports.clock.now().date().isoformat()
        message = Msg("addon.identify")
        again = False  # after a wait: the card still lying on the reader is taken again
        retry: dict[str, str] = {}  # after a wait: the ticket code or phone asked again
        while True:
            query: dict[str, str] = {}
            day = today
            if self.ticket_code:
                query, self.ticket_code = {"ticket_code": self.ticket_code}, ""
            elif self.id_number:
                query, self.id_number = {"id_number": self.id_number}, ""
            elif retry:
                query, retry = retry, {}
            else:
                actions = (SCAN, ID_CARD, "enter_phone", "cancel")
                if again:
                    actions += (ID_CARD_AGAIN,)
                self.publish("addon_identify", message, actions=actions)
                again = False
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
                found = await self.refusals.ask(partial(self.ports.client.parents, day, **query))
            except BackendError as exc:
                told = await self.refusals.refused(exc, by_card="id_number" in query)
                if told is not None:
                    message = told
                    continue
                message = Msg("addon.identify")
                if "id_number" in query:
                    again = True  # only while the card lies there: its owner may have left
                else:
                    retry = query
                continue
            if query.get("phone"):  # the backend finds the parent by the buyer's phone
                self.cart.buyer_phone = query["phone"]
            if query.get("id_number"):
                self.cart.parent_holder = id_card_holder(query["id_number"])
            return found, query.get("ticket_code", "")

    async def journey(self) -> Outcome:
        self.catalog = await self.ports.client.catalog()
        parents, code = await self.find_parents()
        if not parents:
            # the domain's words: 请先购买景区大门票 / Please buy an admission ticket first
            addons = self.catalog.of_kind("addon")
            self.publish(
                "addon_refused",
                self.rule_msg("parent_ticket_required"),
                Msg("addon.offer_admission_with_addon"),
                data={"addons": [product_view(p) for p in addons]},
                actions=("buy_admission", "cancel"),
            )
            try:
                action = await self.wait("buy_admission")
            except FlowCancelled:
                return Outcome(self.name, "refused", told=list(self.told),
                               data={"reason": "parent_ticket_required"})  # fmt: skip
            wanted = action.params.get("product_id")
            addon = next((p for p in addons if p.id == wanted), addons[0] if addons else None)
            if addon is None:
                raise FlowCancelled()
            return await self.admission_with_addon(addon)
        parent = parents[0]
        # a scanned ticket names its parent by its code; found by ID card or phone (the lookup
        # carries no codes), the backend binds the add-on to what that ID or phone holds
        self.cart.parent_ticket_code = code
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

    async def admission_with_addon(self, addon: Product) -> Outcome:
        """Admission and the add-on in one order, paid once: the admission's date, slot and
        counts, then the add-on's slot that day; one add-on ticket per admission ticket (same
        kind: adult, child...). The backend accepts the parent in the same order."""
        assert self.catalog is not None
        admission = self.catalog.product(addon.parent_product_id or "") or next(
            iter(self.catalog.of_kind("admission")), None
        )
        if admission is None:
            raise FlowCancelled()
        self.cart.product = admission
        self.cart.parent_holder, self.cart.parent_ticket_code = None, ""  # the parent is bought
        await self.choose_slot(Msg("addon.choose_admission_slot", {"addon": addon.id}))
        await self.choose_tickets()
        if admission.real_name:
            await self.enter_holders()
        count = sum(self.cart.counts.values())
        slot = await self.choose_addon_slot(addon, count)
        codes = {t.id: str(t.raw.get("code", "")) for t in admission.ticket_types}
        lines: dict[str, int] = {}
        for type_id, n in self.cart.counts.items():
            same = [t for t in addon.ticket_types if str(t.raw.get("code", "")) == codes[type_id]]
            addon_type = (same or list(addon.ticket_types))[0].id
            lines[addon_type] = lines.get(addon_type, 0) + n
        self.cart.addon_lines = [
            {"product_id": addon.id, "slot_id": slot.id, "ticket_type_id": type_id,
             "quantity": n, "holders": []}
            for type_id, n in lines.items() if n > 0
        ]  # fmt: skip
        self.cart.addon_fen = sum(slot.prices.get(t, 0) * n for t, n in lines.items())
        await self.extras()
        order = await self.review_and_hold()
        return await self.finish(order)

    async def choose_addon_slot(self, addon: Product, count: int) -> Slot:
        """`choose_slot` for the add-on on the admission's date (no other date offered)."""
        message = Msg("addon.choose_addon_slot", {"date": self.cart.date})
        while True:
            slots = await self.ports.client.slots(addon.id, self.cart.date)
            usable = [s for s in slots if s.status == "open" and s.remaining >= count]
            msgs = [message] + ([] if usable else [Msg("purchase.no_slots",
                                                       {"date": self.cart.date})])  # fmt: skip
            self.publish(
                "choose_slot",
                *msgs,
                data={
                    "date": self.cart.date,
                    "product": product_view(addon),
                    "slots": [slot_view(s) for s in slots],
                    "with_admission": True,
                },
                actions=("choose_slot", "cancel"),
            )
            action = await self.wait("choose_slot")
            chosen = next((s for s in usable if s.id == action.params.get("slot_id")), None)
            if chosen is not None:
                return chosen
            message = Msg("purchase.slot_unavailable")
