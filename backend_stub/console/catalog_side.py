"""The catalog side's pages (issue 13B) under /console: catalog, calendar, prices, coupons,
members, staff (app.py mounts `pages_router()` beside the console's frame)."""

from __future__ import annotations

from fastapi import APIRouter

from backend_stub.console import (
    pages_calendar,
    pages_catalog,
    pages_coupons,
    pages_members,
    pages_prices,
    pages_staff,
)


def pages_router() -> APIRouter:
    """The six pages under /console."""
    out = APIRouter(prefix="/console", include_in_schema=False)
    for module in (
        pages_catalog, pages_calendar, pages_prices, pages_coupons, pages_members, pages_staff
    ):  # fmt: skip
        out.include_router(module.router)
    return out
