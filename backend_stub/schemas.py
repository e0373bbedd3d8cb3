"""Request bodies, validated by FastAPI (a bad field becomes a 422 naming it).

Strict (issue 11, finding 8): a number is a JSON number of the field's type (quantity `"3"`,
`2.0` or `true` is refused), text refuses control and bidi characters (`Text`, 422
`invalid_characters`), a day is `YYYY-MM-DD` (`Day`, `IsoDate`), money is 0..MAX_FEN (`Fen`);
the rules are kiosk/domain/input_rules.py and the OpenAPI document says them."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field
from pydantic_core import PydanticCustomError

from kiosk.domain.input_rules import DAY_PATTERN, MAX_FEN, TEXT_PATTERN, forbidden_char, parse_day

# spaces are stripped before the length counts (str_strip_whitespace): at least one other char
NOT_BLANK = r"\S"
Id = Field(min_length=1, max_length=64, pattern=NOT_BLANK)


def _refuse_forbidden_chars(value: object) -> object:
    if isinstance(value, str) and (char := forbidden_char(value)):
        raise PydanticCustomError("invalid_characters", "contains {char}", {"char": char})
    return value


def _iso_day(value: object) -> object:
    if isinstance(value, str):
        try:
            return parse_day(value)
        except ValueError:
            raise PydanticCustomError("date_format", "a day is written YYYY-MM-DD") from None
    return value


def _check_day_text(value: object) -> object:
    if isinstance(value, str):
        _iso_day(value)
    return value


# text a person typed or a card gave: no control characters, no bidi overrides
Text = Annotated[
    str,
    BeforeValidator(_refuse_forbidden_chars),
    Field(json_schema_extra={"pattern": TEXT_PATTERN}),
]
# a day in a body, kept as its text: YYYY-MM-DD and a real date
Day = Annotated[
    str,
    BeforeValidator(_check_day_text),
    Field(json_schema_extra={"format": "date", "pattern": DAY_PATTERN}),
]
# a day a service checks itself (its own error code): the schema says the format
DayText = Annotated[str, Field(json_schema_extra={"format": "date", "pattern": DAY_PATTERN})]
# a day in a query: YYYY-MM-DD only (pydantic alone reads `0` as 1970-01-01)
IsoDate = Annotated[date, BeforeValidator(_iso_day)]
# money in whole fen, bounded
Fen = Annotated[int, Field(ge=0, le=MAX_FEN)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True, strict=True)


class Holder(Strict):
    doc_type: str = Field("id_card", max_length=32)
    doc_number: str = Field("", max_length=32)
    name: Text = Field("", max_length=64)
    phone: str = Field("", max_length=20)
    nationality: str = Field("", max_length=3, description="a passport's, ISO 3166 alpha-3")
    staff_grant: str = Field(
        "", max_length=128, description="doc_type none for an adult: a supervisor's grant_token"
    )


class OrderLine(Strict):
    product_id: str = Id
    slot_id: str = Id
    ticket_type_id: str = Id
    quantity: int = Field(ge=1, le=50)
    holders: list[Holder] = Field(default_factory=list, max_length=50)
    parent_ticket_code: str | None = Field(None, max_length=512)
    seats: list[str] = Field(
        default_factory=list, max_length=50, description="seated: one seat per ticket (3C)"
    )
    seat_class: str = Field("", max_length=16, description="seated, no seats: best of a class")


class OrderRequest(Strict):
    lines: list[OrderLine] = Field(min_length=1, max_length=20)
    buyer_phone: str = Field("", max_length=20)
    buyer_name: Text = Field("", max_length=64)
    coupon_code: str | None = Field(None, max_length=32)
    member_id: str | None = Field(None, max_length=32)
    points_to_redeem: int = Field(0, ge=0, le=10_000_000)


class PaymentRequest(Strict):
    method: str = Field(pattern="^(auth_code|qr)$")
    auth_code: str | None = Field(None, max_length=32)


class TicketRefs(Strict):
    """Tickets of one order to refund or rebook, and the proof that the caller holds them:
    the code of one of the order's tickets (scanned at the kiosk), or the ID number of one of
    its holders (read from the card at the kiosk). Without either: 403 `proof_required`."""

    ticket_ids: list[str] = Field(min_length=1, max_length=50)
    ticket_code: str = Field("", max_length=512, description="a ticket of the order, scanned")
    id_number: str = Field(
        "", max_length=32, description="or a holder's ID document number, read from the card"
    )


class RebookRequest(TicketRefs):
    slot_id: str = Id


class VerifyRequest(Strict):
    code: str = Field("", max_length=512, description="the ticket's code; or id_number")
    id_number: str = Field(
        "", max_length=32, description="a real-name holder's ID document number, instead of code"
    )
    gate_id: str = Field(
        "", max_length=64, description="the gate checking; omitted: the day only (before gates)"
    )
    departure_id: str = Field(
        "", max_length=64, description="at a vehicle's door: the departure boarding"
    )


class GateExit(Strict):
    people: int = Field(1, ge=1, le=1000)


class GateSetup(Strict):
    component: str = Id
    name_zh: Text = Field("", max_length=64)
    name_en: Text = Field("", max_length=64)


class ChannelRefund(Strict):
    ticket_ids: list[str] = Field(
        default_factory=list, max_length=200, description="omitted: every ticket of the order"
    )
    reason: Text = Field("", max_length=200)


class StaffVerify(Strict):
    staff_id: str = Id
    pin: str = Field(min_length=1, max_length=16, pattern=NOT_BLANK)


class Heartbeat(Strict):
    devices: dict[str, object] = Field(default_factory=dict)
    paper_level: str = Field("", max_length=32)
    version: str = Field("", max_length=64)
    catalog_version: int | None = Field(None, ge=0, le=2**31)
    out_of_service: bool | None = None  # what the kiosk shows (the console's switch)


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
    buyer_name: Text = Field("", max_length=64)
    paid_fen: Fen | None = Field(None, description="what the channel collected")
    collected_by: str = Field(
        "", pattern="^(|channel|agency)$", description="who took the money; omitted: the channel"
    )


class RosterEntry(Holder):
    ticket_type_id: str | None = Field(None, max_length=64, description="omitted: the group's")
    row: int | None = Field(
        None, ge=1, le=100_000, description="its spreadsheet row; omitted: position + 1"
    )


class GroupRoster(Strict):
    """A roster as a PUT /ops/groups/{order_id} amends it: the whole new list."""

    roster: list[RosterEntry] = Field(min_length=1, max_length=200)
    seats: int | None = Field(None, ge=1, le=200, description="omitted: one per roster entry")
    confirm_missing_documents: bool = Field(
        False, description="book members without a document as non-real-name seats"
    )


class GroupOrder(GroupRoster):
    group_ref: str = Field(
        min_length=1, max_length=64, pattern=NOT_BLANK, description="back office ref (idempotent)"
    )
    product_id: str = Id
    slot_id: str = Id
    ticket_type_id: str = Id
    guide: Holder
    paid_fen: Fen | None = Field(None, description="what the agency paid, for the record")


class SlotTime(Strict):
    start: str = Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    end: str = Field(pattern=r"^([01]\d|2[0-4]):[0-5]\d$")
    percent: int | None = Field(None, ge=-100, le=1000, description="omitted: the template's")


class SlotTemplateBody(Strict):
    product_id: str = Id
    name: Text = Field("", max_length=64)
    weekdays: list[Annotated[int, Field(json_schema_extra={"minimum": 1, "maximum": 7})]] = Field(
        default_factory=lambda: [1, 2, 3, 4, 5, 6, 7],
        min_length=1,
        max_length=7,
        description="ISO weekdays, 1 = Monday",
    )
    times: list[SlotTime] = Field(min_length=1, max_length=48)
    capacity: int = Field(ge=0, le=1_000_000)
    price_percent: int = Field(0, ge=-100, le=1000, description="added to each slot's price")
    prices_fen: dict[str, Fen] = Field(
        default_factory=dict, description="ticket_type_id -> fen, replaces the computed price"
    )
    valid_from: DayText | None = Field(None, description="YYYY-MM-DD; omitted: from today")
    valid_until: DayText | None = Field(None, description="YYYY-MM-DD; omitted: no end")
    active: bool = True


class CloseDay(Strict):
    date: Day
    product_ids: list[str] = Field(
        default_factory=list, max_length=50, description="omitted: every product"
    )
    reason_zh: Text = Field("", max_length=200)
    reason_en: Text = Field("", max_length=200)
