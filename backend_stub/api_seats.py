"""Routes for seated departures (座位): departures and their seat maps for kiosks, a member's
riders; routes, vehicle types, vehicles, departures and the manifest for ops. Thin over
services.departures and services.seats. Seats are booked with the ordinary `POST /orders`
(a line's `seats`, or `seat_class` for the best free ones), boarded with `POST /tickets/verify`
(`departure_id`), rebooked with `POST /orders/{id}/rebook` (the seat keeps its class)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import Field

from backend_stub.deps import BackendDep, KioskDep, OpsDep
from backend_stub.openapi_errors import errors
from backend_stub.schemas import NOT_BLANK, Day, IsoDate, Strict, Text
from backend_stub.services import departures, seats

router = APIRouter()


class RouteBody(Strict):
    product_id: str = Field(min_length=1, max_length=64, pattern=NOT_BLANK)
    name_zh: Text = Field(min_length=1, max_length=64)
    name_en: Text = Field(min_length=1, max_length=64)
    stops: list[Text] = Field(min_length=2, max_length=20)
    duration_minutes: int = Field(ge=1, le=1440)


class SeatClassBody(Strict):
    zh: Text = Field(max_length=16)
    en: Text = Field(max_length=32)
    extra_fen: int = Field(0, ge=0, le=1_000_000)


class LayoutBody(Strict):
    rows: int = Field(ge=1, le=40)
    pattern: str = Field(min_length=1, max_length=8, pattern=r"^[A-Z_]+$")
    back_row: str = Field("", max_length=8, pattern=r"^[A-Z]*$")
    front_rows: int = Field(0, ge=0, le=40)
    classes: dict[str, SeatClassBody] = Field(default_factory=dict, max_length=8)


class VehicleTypeBody(Strict):
    name_zh: Text = Field(min_length=1, max_length=64)
    name_en: Text = Field(min_length=1, max_length=64)
    layout: LayoutBody


class VehicleBody(Strict):
    vehicle_type_id: str = Field(min_length=1, max_length=64, pattern=NOT_BLANK)
    plate: Text = Field("", max_length=16)


class DeparturesBody(Strict):
    route_id: str = Field(min_length=1, max_length=64, pattern=NOT_BLANK)
    vehicle_id: str = Field(min_length=1, max_length=64, pattern=NOT_BLANK)
    days: list[Day] = Field(min_length=1, max_length=62)
    times: list[str] = Field(min_length=1, max_length=48)


class TravellerBody(Strict):
    doc_type: str = Field("id_card", max_length=32)
    doc_number: str = Field(min_length=1, max_length=32, pattern=NOT_BLANK)
    name: Text = Field("", max_length=64)


@router.get("/departures", tags=["seats"], responses=errors(404, 422))
def get_departures(
    bk: BackendDep, _: KioskDep, product_id: Annotated[str, Query(max_length=64)], date: IsoDate
) -> dict[str, Any]:
    """The departures of a seated product on a day: route, times, vehicle, seats left, each
    ticket type's fare before the seat class."""
    return {"departures": departures.list_departures(bk, product_id, date, bk.now())}


@router.get("/departures/{departure_id}/seats", tags=["seats"], responses=errors(404))
def get_seat_map(departure_id: str, bk: BackendDep, _: KioskDep) -> dict[str, Any]:
    """The seat map: every seat (row, column, class, free/held/taken) and each class's fare
    per ticket type."""
    return seats.seat_map(bk, departure_id, bk.now())


@router.get("/members/{member_id}/riders", tags=["seats"], responses=errors(404))
def get_riders(member_id: str, bk: BackendDep, _: KioskDep) -> dict[str, Any]:
    """A member's past rides and saved travellers (masked): the next booking's shortcuts."""
    return seats.riders(bk, member_id, bk.now())


@router.post(
    "/members/{member_id}/travellers", tags=["seats"], status_code=201, responses=errors(404, 422)
)
def post_traveller(
    member_id: str, body: TravellerBody, bk: BackendDep, _: KioskDep
) -> dict[str, Any]:
    """Save a rider (by ID document, stored sealed) for a member."""
    return seats.save_traveller(bk, member_id, body.doc_type, body.doc_number, body.name, bk.now())


@router.get("/ops/routes", tags=["ops"])
def get_routes(bk: BackendDep, _: OpsDep) -> dict[str, Any]:
    return {"routes": departures.list_routes(bk)}


@router.put("/ops/routes/{route_id}", tags=["ops"], responses=errors(404, 422))
def put_route(route_id: str, body: RouteBody, bk: BackendDep, _: OpsDep) -> dict[str, Any]:
    """Add or change a route of a seated product: its stops and duration."""
    names = (body.name_zh, body.name_en)
    return departures.set_route(
        bk, route_id, body.product_id, names, body.stops, body.duration_minutes
    )


@router.put("/ops/vehicle-types/{type_id}", tags=["ops"], responses=errors(422))
def put_vehicle_type(
    type_id: str, body: VehicleTypeBody, bk: BackendDep, _: OpsDep
) -> dict[str, Any]:
    """Add or change a vehicle type: its seat map (rows, aisle, back row) and seat classes
    (`front`, `window`, `aisle`) with their extra fares."""
    layout = body.layout.model_dump()
    return departures.set_vehicle_type(bk, type_id, (body.name_zh, body.name_en), layout)


@router.put("/ops/vehicles/{vehicle_id}", tags=["ops"], responses=errors(404))
def put_vehicle(vehicle_id: str, body: VehicleBody, bk: BackendDep, _: OpsDep) -> dict[str, Any]:
    return departures.set_vehicle(bk, vehicle_id, body.vehicle_type_id, body.plate)


@router.post("/ops/departures", tags=["ops"], status_code=201, responses=errors(404, 422))
def post_departures(body: DeparturesBody, bk: BackendDep, _: OpsDep) -> dict[str, Any]:
    """Departures of a route with a vehicle: each time (HH:MM) of each day; one that exists
    is left as it is."""
    days = departures.parse_days(body.days)
    made = departures.add_departures(bk, body.route_id, body.vehicle_id, days, body.times,
                                     bk.now())  # fmt: skip
    return {"departures": made}


@router.get("/ops/departures/{departure_id}/manifest", tags=["ops"], responses=errors(404))
def get_manifest(departure_id: str, bk: BackendDep, _: OpsDep) -> dict[str, Any]:
    """Who sits where (names and documents masked), boarded or not."""
    return departures.manifest(bk, departure_id, bk.now())
