"""Request bodies, validated by FastAPI (a bad field becomes a 422 naming it)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

Id = Field(min_length=1, max_length=64)


class Strict(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)


class Holder(Strict):
    doc_type: str = Field("id_card", max_length=32)
    doc_number: str = Field("", max_length=32)
    name: str = Field("", max_length=64)
    phone: str = Field("", max_length=20)


class OrderLine(Strict):
    product_id: str = Id
    slot_id: str = Id
    ticket_type_id: str = Id
    quantity: int = Field(ge=1, le=50)
    holders: list[Holder] = Field(default_factory=list, max_length=50)
    parent_ticket_code: str | None = Field(None, max_length=512)


class OrderRequest(Strict):
    lines: list[OrderLine] = Field(min_length=1, max_length=20)
    buyer_phone: str = Field("", max_length=20)
    buyer_name: str = Field("", max_length=64)
    coupon_code: str | None = Field(None, max_length=32)
    member_id: str | None = Field(None, max_length=32)
    points_to_redeem: int = Field(0, ge=0, le=10_000_000)


class PaymentRequest(Strict):
    method: str = Field(pattern="^(auth_code|qr)$")
    auth_code: str | None = Field(None, max_length=32)


class TicketRefs(Strict):
    ticket_ids: list[str] = Field(min_length=1, max_length=50)


class RebookRequest(TicketRefs):
    slot_id: str = Id


class VerifyRequest(Strict):
    code: str = Field(min_length=1, max_length=512)
    gate_id: str = Field("", max_length=64)


class StaffVerify(Strict):
    staff_id: str = Id
    pin: str = Field(min_length=1, max_length=16)


class Heartbeat(Strict):
    devices: dict[str, object] = Field(default_factory=dict)
    paper_level: str = Field("", max_length=32)
    version: str = Field("", max_length=64)
    catalog_version: int | None = None


class PriceChange(Strict):
    ticket_type_id: str = Id
    base_fen: int = Field(ge=0, le=100_000_000)


class PricesRequest(Strict):
    prices: list[PriceChange] = Field(min_length=1, max_length=500)
    effective_at: str | None = Field(None, description="ISO local time; omitted: now")


class SlotCapacity(Strict):
    capacity: int = Field(ge=0, le=1_000_000)


class ChannelOrder(Strict):
    channel_order_id: str = Id
    lines: list[OrderLine] = Field(min_length=1, max_length=20)
    buyer_phone: str = Field("", max_length=20)
    buyer_name: str = Field("", max_length=64)
    paid_fen: int | None = Field(None, ge=0, description="what the channel collected")


class RosterEntry(Holder):
    ticket_type_id: str | None = Field(None, max_length=64, description="omitted: the group's")


class GroupOrder(Strict):
    group_ref: str = Field(min_length=1, max_length=64, description="back office ref (idempotent)")
    product_id: str = Id
    slot_id: str = Id
    ticket_type_id: str = Id
    guide: Holder
    roster: list[RosterEntry] = Field(min_length=1, max_length=200)
    paid_fen: int | None = Field(None, ge=0, description="what the agency paid, for the record")
