"""The records the backend API client returns: catalog, slots, orders, tickets, payments, members,
staff. Each parses the backend's JSON (`Record.parse(data)`) and keeps what the kiosk reads;
`raw` keeps the whole body for what it does not.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


def lang_text(value: Any, lang: str) -> str:
    """The `lang` text of a `{"zh": ..., "en": ...}` value (falling back to zh, then en), or
    the value itself as text."""
    if isinstance(value, dict):
        return str(value.get(lang) or value.get("zh") or value.get("en") or "")
    return "" if value is None else str(value)


def _id_and_names(data: dict[str, Any]) -> dict[str, str]:
    """The id and the zh/en names every catalog record (product, ticket type) starts with."""
    name = data.get("name", {})
    return {
        "id": str(data["id"]),
        "name_zh": lang_text(name, "zh"),
        "name_en": lang_text(name, "en"),
    }


@dataclass(frozen=True)
class TicketType:
    id: str
    name_zh: str
    name_en: str
    price_fen: int = 0
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def parse(cls, data: dict[str, Any]) -> TicketType:
        return cls(
            **_id_and_names(data),
            price_fen=int(data.get("price_fen", 0) or 0),
            raw=data,
        )


@dataclass(frozen=True)
class Product:
    id: str
    kind: str  # admission, addon, bundle
    name_zh: str
    name_en: str
    real_name: bool
    parent_product_id: str | None
    ticket_types: tuple[TicketType, ...]
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def parse(cls, data: dict[str, Any]) -> Product:
        return cls(
            **_id_and_names(data),
            kind=str(data.get("kind", "admission")),
            real_name=bool(data.get("real_name", False)),
            parent_product_id=data.get("parent_product_id") or None,
            ticket_types=tuple(TicketType.parse(t) for t in data.get("ticket_types", [])),
            raw=data,
        )

    def ticket_type(self, type_id: str) -> TicketType | None:
        return next((t for t in self.ticket_types if t.id == type_id), None)


@dataclass(frozen=True)
class Catalog:
    version: str
    products: tuple[Product, ...]
    etag: str = ""

    @classmethod
    def parse(cls, data: dict[str, Any], etag: str = "") -> Catalog:
        return cls(
            version=str(data.get("version", "")),
            products=tuple(Product.parse(p) for p in data.get("products", [])),
            etag=etag,
        )

    def product(self, product_id: str) -> Product | None:
        return next((p for p in self.products if p.id == product_id), None)

    def of_kind(self, kind: str) -> list[Product]:
        return [p for p in self.products if p.kind == kind]


@dataclass(frozen=True)
class Slot:
    id: str
    date: str
    start: str
    end: str
    capacity: int
    remaining: int
    prices: dict[str, int]
    status: str = "open"  # open, closed, sold_out

    @classmethod
    def parse(cls, data: dict[str, Any]) -> Slot:
        return cls(
            id=str(data["id"]),
            date=str(data.get("date", "")),
            start=str(data.get("start", "")),
            end=str(data.get("end", "")),
            capacity=int(data.get("capacity", 0) or 0),
            remaining=int(data.get("remaining", 0) or 0),
            prices={str(k): int(v) for k, v in (data.get("prices") or {}).items()},
            status=str(data.get("status") or "open"),
        )

    @property
    def label(self) -> str:
        return f"{self.start}-{self.end}" if self.start else ""


@dataclass(frozen=True)
class Ticket:
    id: str
    code: str
    status: str  # issued, printed, used, refunded
    product_id: str = ""
    ticket_type_id: str = ""
    date: str = ""
    slot: str = ""
    price_fen: int = 0
    holder_name: str = ""
    holder_doc_number: str = ""
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def parse(cls, data: dict[str, Any]) -> Ticket:
        holder = data.get("holder") or {}
        slot = data.get("slot") or ""
        if isinstance(slot, dict):
            slot = f"{slot.get('start', '')}-{slot.get('end', '')}".strip("-")
        if not slot and data.get("start"):
            slot = f"{data['start']}-{data.get('end') or ''}".strip("-")
        return cls(
            id=str(data["id"]),
            code=str(data.get("code", "")),
            status=str(data.get("status", "")),
            product_id=str(data.get("product_id", "")),
            ticket_type_id=str(data.get("ticket_type_id", "")),
            date=str(data.get("date") or data.get("visit_date") or ""),
            slot=str(slot or data.get("slot_label") or ""),
            price_fen=int(data.get("paid_fen") or data.get("price_fen") or 0),
            holder_name=str(holder.get("name") or data.get("holder_name") or ""),
            holder_doc_number=str(holder.get("doc_number") or data.get("holder_doc_number") or ""),
            raw=data,
        )


@dataclass(frozen=True)
class Order:
    id: str
    order_no: str
    status: str  # held, paid, expired, cancelled, refunded, partially_refunded
    total_fen: int
    expires_at: str
    tickets: tuple[Ticket, ...]
    points_earned: int = 0
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def parse(cls, data: dict[str, Any]) -> Order:
        return cls(
            id=str(data["id"]),
            order_no=str(data.get("order_no", "")),
            status=str(data.get("status", "")),
            total_fen=int(data.get("total_fen", 0) or 0),
            expires_at=str(data.get("expires_at") or ""),
            tickets=tuple(Ticket.parse(t) for t in data.get("tickets", [])),
            points_earned=int(data.get("points_earned", 0) or 0),
            raw=data,
        )

    def unprinted(self) -> list[Ticket]:
        return [t for t in self.tickets if t.status == "issued"]


@dataclass(frozen=True)
class Payment:
    id: str
    status: str  # success, userpaying, failed, cancelled (and pending for a fresh QR)
    code_url: str = ""
    reason_code: str = ""
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def parse(cls, data: dict[str, Any]) -> Payment:
        reason = data.get("failure") or data.get("reason") or data.get("error") or {}
        reason_code = reason.get("code", "") if isinstance(reason, dict) else str(reason)
        return cls(
            id=str(data["id"]),
            status=str(data.get("status", "")),
            code_url=str(data.get("code_url") or ""),
            reason_code=str(reason_code or data.get("reason_code") or ""),
            raw=data,
        )

    @property
    def final(self) -> bool:
        return self.status in ("success", "failed", "cancelled", "closed", "reversed")


@dataclass(frozen=True)
class Member:
    id: str
    tier: str
    points: int
    ledger: tuple[dict[str, Any], ...] = ()
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def parse(cls, data: dict[str, Any]) -> Member:
        tier = data.get("tier", "")
        if isinstance(tier, dict):
            tier = tier.get("name") or tier.get("id") or ""
            tier = lang_text(tier, "zh") if isinstance(tier, dict) else tier
        return cls(
            id=str(data.get("id") or data.get("member_id") or ""),
            tier=str(tier),
            points=int(data.get("points", 0) or 0),
            ledger=tuple(data.get("ledger", []) or []),
            raw=data,
        )


@dataclass(frozen=True)
class StaffMember:
    """Who `/staff/verify` says a staff id and PIN belong to; for a role that may allow an
    adult without a document, the short-lived `grant_token` a holder's `staff_grant` carries."""

    staff_id: str
    role: str
    name: str = ""
    grant_token: str = field(default="", repr=False)  # a credential: never logged

    @classmethod
    def parse(cls, data: dict[str, Any], staff_id: str = "") -> StaffMember:
        return cls(
            staff_id=str(data.get("staff_id", staff_id)),
            role=str(data.get("role", "")),
            name=str(data.get("name", "")),
            grant_token=str(data.get("grant_token", "") or ""),
        )
