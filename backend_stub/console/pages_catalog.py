"""Catalog page: products (admission, add-on bound to its parent admission with how many per
parent, bundle with its parts), their ticket types (eligibility, proof, child), zh/en names
and descriptions, sale rules, sort order, on/off sale. Operations change; others read.
A form with mistakes comes back with a message next to each field (services.catalog_admin)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from backend_stub.console.admin_pages import (
    Operator,
    Reader,
    backend,
    done,
    errors_of,
    localized,
)
from backend_stub.console.csrf import csrf_checked
from backend_stub.console.errors import Refused
from backend_stub.console.forms import Posted
from backend_stub.console.render import render
from backend_stub.console.users import ConsoleUser
from backend_stub.services import catalog_admin
from backend_stub.services.admin_forms import fen_text
from kiosk.domain.errors import RuleError

router = APIRouter(dependencies=[Depends(csrf_checked)])
NEW_PRODUCT = {
    "kind": "admission",
    "on_sale": 1,
    "max_per_order": "20",
    "sort": "10",
    "addons_per_parent": "1",
    "weekend_percent": "0",
    "peak_percent": "0",
}


def _choices(request: Request) -> dict[str, Any]:
    bk = backend(request)
    products = catalog_admin.list_products(bk)
    return {
        "kinds": catalog_admin.KINDS,
        "proofs": catalog_admin.PROOFS,
        "parents": [p for p in products if p["kind"] == "admission"],
        "parts": catalog_admin.components(bk),
        "fen_text": fen_text,
    }


@router.get("/catalog", response_class=HTMLResponse)
def catalog_page(request: Request, user: Reader) -> HTMLResponse:
    products = catalog_admin.list_products(backend(request))
    names = {p["id"]: p for p in products}
    context = {"products": products, "names": names, "fen_text": fen_text}
    return render(request, "catalog_list.html", context, user=user)


def _product_form(
    request: Request,
    user: ConsoleUser,
    values: dict[str, Any],
    product: dict[str, Any] | None,
    **ctx: Any,
) -> HTMLResponse:
    status = ctx.pop("status", 200)
    context = _choices(request) | {"values": values, "product": product} | ctx
    return render(request, "catalog_product.html", context, user=user, status=status)


@router.get("/catalog/new", response_class=HTMLResponse)
def new_product_page(request: Request, user: Operator, kind: str = "admission") -> Response:
    values = NEW_PRODUCT | {"kind": kind if kind in catalog_admin.KINDS else "admission"}
    return _product_form(request, user, values, None)


@router.post("/catalog/new")
def create_product(request: Request, user: Operator, form: Posted) -> Response:
    bk = backend(request)
    try:
        saved = catalog_admin.save_product(bk, user, form, bk.now())
    except RuleError as exc:
        return _product_form(request, user, form, None, errors=errors_of(exc), status=422)
    return done(f"/console/catalog/{saved['id']}", "ok.product_saved")


def _product(request: Request, product_id: str) -> dict[str, Any]:
    for p in catalog_admin.list_products(backend(request)):
        if p["id"] == product_id:
            return p
    raise Refused("not_found")


def _values_of(product: dict[str, Any]) -> dict[str, Any]:
    values = {k: "" if v is None else v for k, v in product.items() if k != "ticket_types"}
    values["includes"] = [x for x in (product.get("includes") or "").split(",") if x]
    return values


@router.get("/catalog/{product_id}", response_class=HTMLResponse)
def product_page(request: Request, product_id: str, user: Reader) -> HTMLResponse:
    product = _product(request, product_id)
    type_values = {"sort": str(len(product["ticket_types"]) + 1)}
    return _product_form(request, user, _values_of(product), product, type_values=type_values)


@router.post("/catalog/{product_id}")
def update_product(request: Request, product_id: str, user: Operator, form: Posted) -> Response:
    bk = backend(request)
    product = _product(request, product_id)
    try:
        catalog_admin.save_product(bk, user, form, bk.now(), product_id)
    except RuleError as exc:
        return _product_form(request, user, form, product, errors=errors_of(exc), status=422)
    return done(f"/console/catalog/{product_id}", "ok.product_saved")


@router.post("/catalog/{product_id}/sale")
def toggle_sale(request: Request, product_id: str, user: Operator, form: Posted) -> Response:
    bk = backend(request)
    product = _product(request, product_id)
    on = str(form.get("on_sale", "")) == "1"
    catalog_admin.set_on_sale(bk, user, product["id"], on, bk.now())
    return done("/console/catalog", "ok.product_saved")


@router.post("/catalog/{product_id}/types")
def add_type(request: Request, product_id: str, user: Operator, form: Posted) -> Response:
    bk = backend(request)
    product = _product(request, product_id)
    try:
        catalog_admin.save_ticket_type(bk, user, product_id, form, bk.now())
    except RuleError as exc:
        return _product_form(
            request,
            user,
            _values_of(product),
            product,
            type_values=form,
            type_errors=localized(request, errors_of(exc)),
            status=422,
        )
    return done(f"/console/catalog/{product_id}", "ok.type_saved")


@router.get("/catalog/{product_id}/types/{type_id}", response_class=HTMLResponse)
def type_page(request: Request, product_id: str, type_id: str, user: Reader) -> Response:
    product = _product(request, product_id)
    found = [t for t in product["ticket_types"] if t["id"] == type_id]
    if not found:
        raise Refused("not_found")
    values = {k: "" if v is None else v for k, v in found[0].items()}
    context = {
        "product": product,
        "tt": found[0],
        "values": values,
        "proofs": catalog_admin.PROOFS,
        "fen_text": fen_text,
    }
    return render(request, "catalog_type.html", context, user=user)


@router.post("/catalog/{product_id}/types/{type_id}")
def update_type(
    request: Request, product_id: str, type_id: str, user: Operator, form: Posted
) -> Response:
    bk = backend(request)
    product = _product(request, product_id)
    found = [t for t in product["ticket_types"] if t["id"] == type_id]
    if not found:
        raise Refused("not_found")
    try:
        catalog_admin.save_ticket_type(bk, user, product_id, form, bk.now(), type_id)
    except RuleError as exc:
        context = {
            "product": product,
            "tt": found[0],
            "values": form,
            "proofs": catalog_admin.PROOFS,
            "fen_text": fen_text,
            "errors": errors_of(exc),
        }
        return render(request, "catalog_type.html", context, user=user, status=422)
    return done(f"/console/catalog/{product_id}", "ok.type_saved")
