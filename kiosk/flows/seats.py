"""Seated departures (座位): the shuttle bus (or boat) with seats, booked at the kiosk.

Screens in order: `choose_product` (when there are several seated rides), `choose_departure`
(a day's departures: route, times, seats left; a member card or QR here brings the member's
last party and seat class: `seats.welcome_back`), `choose_tickets` (adult, child, senior...),
`seat_map` (every seat free, held or taken, by class and price; tap a seat for the next
traveller, tap it again to free it, or `best` for the best free seats in one tap — side by
side for a party, kiosk.domain.seats), `review` (each traveller's seat and fare), then the
checkout screens (`pay`, ..., `printing`, `done`). A seat taken by another kiosk meanwhile
sends the tourist back to the map (`error.seat_taken`), the others kept.

Rebooking a seated ticket is the after-sales rebook (its departures are slots); the backend
keeps the seat class.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kiosk.api_records import Product, Slot
from kiosk.client import BackendError
from kiosk.domain.code_kinds import CodeKind, classify
from kiosk.domain.seats import FREE, SEATED, best_seats, parse_layout
from kiosk.flows import checkout
from kiosk.flows.base import SCAN, SMART_CARD, Msg, Outcome, Ports
from kiosk.flows.purchase import PurchaseFlow, product_view


@dataclass
class Traveller:
    ticket_type_id: str
    seat: str = ""


@dataclass
class SeatChoice:
    departure: dict[str, Any] = field(default_factory=dict)
    seat_map: dict[str, Any] = field(default_factory=dict)
    travellers: list[Traveller] = field(default_factory=list)
    seat_class: str = ""  # a member's last class, for `best`

    def extra_fen(self, seat: str) -> int:
        cls = next((s["seat_class"] for s in self.seat_map.get("seats", []) if s["seat"] == seat),
                   "")  # fmt: skip
        return next((c["extra_fen"] for c in self.seat_map.get("classes", [])
                     if c["code"] == cls), 0)  # fmt: skip

    def fare(self, t: Traveller) -> int:
        prices = self.departure.get("prices", {})
        return int(prices.get(t.ticket_type_id, 0)) + (self.extra_fen(t.seat) if t.seat else 0)

    def free(self) -> list[str]:
        mine = {t.seat for t in self.travellers}
        return [s["seat"] for s in self.seat_map.get("seats", [])
                if s["state"] == FREE and s["seat"] not in mine]  # fmt: skip


def departure_view(d: dict[str, Any]) -> dict[str, Any]:
    return {k: d[k] for k in ("id", "date", "departs", "arrives", "remaining", "capacity",
                              "status", "prices", "route")}  # fmt: skip


class SeatsFlow(PurchaseFlow):
    name = "seats"

    def __init__(self, ports: Ports, product_id: str = "", member_id: str = "") -> None:
        super().__init__(ports, product_id=product_id)
        self.choice = SeatChoice()
        self.member_id = member_id

    def forget(self) -> None:
        self.choice = SeatChoice()
        super().forget()

    def seated(self) -> list[Product]:
        assert self.catalog is not None
        return [p for p in self.catalog.of_kind(SEATED) if not p.parent_product_id]

    async def journey(self) -> Outcome:
        self.catalog = await self.ports.client.catalog()
        rides = self.seated()
        self.cart.product = self.catalog.product(self.product_id) if self.product_id else None
        if self.cart.product is None and len(rides) == 1:
            self.cart.product = rides[0]
        if self.cart.product is None:
            self.publish(
                "choose_product",
                Msg("seats.choose_ride"),
                data={"products": [product_view(p) for p in rides]},
                actions=("choose_product", "cancel"),
            )
            while self.cart.product is None:
                action = await self.wait("choose_product")
                self.cart.product = next(
                    (p for p in rides if p.id == action.params.get("product_id")), None
                )
        if self.member_id:
            await self.welcome_back(self.member_id)
        await self.choose_departure()
        if not self.cart.counts:
            await self.choose_tickets()
        self.choice.travellers = [
            Traveller(type_id) for type_id, n in self.cart.counts.items() for _ in range(n)
        ]
        order = await self.seats_and_review()
        return await self.finish(order)

    async def welcome_back(self, member_id: str) -> Msg:
        """A member's last ride on this product: the same party and seat class."""
        try:
            riders = await self.ports.client.riders(member_id)
        except BackendError as exc:
            return self.error_msg(exc)
        self.cart.member_id = riders["member_id"]
        assert self.cart.product is not None
        last = next((r for r in riders.get("rides", [])
                     if r["departure"]["product_id"] == self.cart.product.id), None)  # fmt: skip
        if last is None:
            return Msg("seats.member", {"member_id": self.cart.member_id})
        counts: dict[str, int] = {}
        for s in last["seats"]:
            counts[s["ticket_type_id"]] = counts.get(s["ticket_type_id"], 0) + 1
        self.cart.counts = counts
        self.choice.seat_class = last["seats"][0]["seat_class"]
        return Msg(
            "seats.welcome_back",
            {"people": sum(counts.values()), "seat_class": self.choice.seat_class},
        )

    async def choose_departure(self) -> None:
        assert self.cart.product is not None
        self.cart.date = self.cart.date or self.ports.clock.now().date().isoformat()
        message = Msg("seats.choose_departure")
        while True:
            found = await self.ports.client.departures(self.cart.product.id, self.cart.date)
            open_ones = [d for d in found if d["status"] == "open"]
            msgs = [message] + ([] if open_ones else [Msg("seats.none_left",
                                                          {"date": self.cart.date})])  # fmt: skip
            self.publish(
                "choose_departure",
                *msgs,
                data={
                    "date": self.cart.date,
                    "product": product_view(self.cart.product),
                    "departures": [departure_view(d) for d in found],
                    "member_id": self.cart.member_id,
                },
                actions=("choose_date", "choose_departure", SCAN, SMART_CARD, "cancel"),
            )
            action = await self.wait("choose_date", "choose_departure", SCAN, SMART_CARD)
            p = action.params
            if action.name == "choose_date":
                self.cart.date, message = str(p.get("date")), Msg("seats.choose_departure")
                continue
            if action.name == SCAN and classify(str(p.get("text"))).kind == CodeKind.MEMBER:
                message = await self.welcome_back(classify(str(p.get("text"))).value)
                continue
            if action.name == SMART_CARD and getattr(p.get("card"), "kind", "") == "member":
                message = await self.welcome_back(p["card"].member_id)
                continue
            chosen = next((d for d in open_ones if d["id"] == p.get("departure_id")), None)
            if chosen is None:
                message = Msg("seats.departure_unavailable")
                continue
            self.choice.departure = chosen
            self.cart.slot = Slot.parse(chosen | {"start": chosen["departs"],
                                                  "end": chosen["arrives"]})  # fmt: skip
            return

    async def load_map(self) -> None:
        self.choice.seat_map = await self.ports.client.seat_map(self.choice.departure["id"])
        taken = {s["seat"] for s in self.choice.seat_map["seats"] if s["state"] != FREE}
        for t in self.choice.travellers:
            if t.seat in taken:
                t.seat = ""

    def seat_data(self) -> dict[str, Any]:
        c = self.choice
        return {
            "departure": departure_view(c.departure),
            "map": c.seat_map,
            "travellers": [
                {"ticket_type_id": t.ticket_type_id, "seat": t.seat, "fare_fen": c.fare(t)}
                for t in c.travellers
            ],
            "names": self.type_names(),
            "estimate_fen": sum(c.fare(t) for t in c.travellers),
        }

    def type_names(self) -> dict[str, dict[str, str]]:
        assert self.cart.product is not None
        return {t.id: {"zh": t.name_zh, "en": t.name_en} for t in self.cart.product.ticket_types}

    async def pick_seats(self, message: Msg | None = None) -> None:
        """The seat map until every traveller has a seat and `next` is tapped."""
        await self.load_map()
        c = self.choice
        message = message or Msg("seats.pick", {"count": len(c.travellers)})
        while True:
            self.publish(
                "seat_map",
                message,
                data=self.seat_data(),
                actions=("pick_seat", "best", "clear", "next", "cancel"),
            )
            action = await self.wait("pick_seat", "best", "clear", "next")
            if action.name == "next":
                if all(t.seat for t in c.travellers):
                    return
                message = Msg("seats.pick_all", {"left": sum(not t.seat for t in c.travellers)})
            elif action.name == "clear":
                for t in c.travellers:
                    t.seat = ""
                message = Msg("seats.pick", {"count": len(c.travellers)})
            elif action.name == "best":
                message = self.take_best(str(action.params.get("seat_class") or c.seat_class))
            else:
                message = self.toggle(str(action.params.get("seat", "")).upper())

    def take_best(self, seat_class: str) -> Msg:
        c = self.choice
        layout = parse_layout(c.seat_map["layout"]["spec"])
        for t in c.travellers:
            t.seat = ""
        chosen = best_seats(layout, c.free(), len(c.travellers), seat_class)
        if not chosen and seat_class:  # not enough of that class: any class
            chosen = best_seats(layout, c.free(), len(c.travellers))
        if not chosen:
            return self.rule_msg("seats_not_enough")
        for t, seat in zip(c.travellers, chosen, strict=True):
            t.seat = seat
        return Msg("seats.best_taken", {"seats": " ".join(chosen)})

    def toggle(self, seat: str) -> Msg:
        c = self.choice
        mine = next((t for t in c.travellers if t.seat == seat), None)
        if mine is not None:
            mine.seat = ""
            return Msg("seats.freed", {"seat": seat})
        if seat not in c.free():
            return self.rule_msg("seat_taken")
        waiting = next((t for t in c.travellers if not t.seat), None)
        if waiting is None:
            return Msg("seats.all_seated")
        waiting.seat = seat
        return Msg("seats.picked", {"seat": seat})

    def seat_request(self) -> dict[str, Any]:
        assert self.cart.product is not None and self.cart.slot is not None
        by_type: dict[str, list[str]] = {}
        for t in self.choice.travellers:
            by_type.setdefault(t.ticket_type_id, []).append(t.seat)
        lines = [
            {"product_id": self.cart.product.id, "slot_id": self.cart.slot.id,
             "ticket_type_id": type_id, "quantity": len(seats), "seats": seats}
            for type_id, seats in by_type.items()
        ]  # fmt: skip
        body: dict[str, Any] = {"lines": lines, "buyer_phone": self.cart.buyer_phone}
        if self.cart.member_id:
            body["member_id"] = self.cart.member_id
        return body

    async def seats_and_review(self) -> Any:
        """The seat map, then the review (each seat and fare) until the order is held."""
        await self.pick_seats()
        message = Msg("review.confirm")
        while True:
            self.publish(
                "review",
                message,
                data={
                    "product": product_view(self.cart.product) if self.cart.product else {},
                    "date": self.cart.date,
                    "slot": {"label": f"{self.choice.departure['departs']}"},
                    "counts": dict(self.cart.counts),
                    "seats": self.seat_data()["travellers"],
                    "names": self.type_names(),
                    "departure": departure_view(self.choice.departure),
                    "estimate_fen": self.seat_data()["estimate_fen"],
                },
                actions=("confirm", "change_seats", "cancel"),
            )
            action = await self.wait("confirm", "change_seats")
            if action.name == "change_seats":
                await self.pick_seats()
                continue
            try:
                return await checkout.create_order(self, self.seat_request())
            except BackendError as exc:
                if exc.unreachable:
                    raise
                if exc.code in ("seat_taken", "sold_out"):
                    await self.pick_seats(self.error_msg(exc))
                    continue
                message = self.error_msg(exc)
