"""Reports page: for a date range, orders, tickets, gross, discounts, refunds and net by
channel, product, ticket type, payment method and kiosk; admissions per gate per hour; charts
(sales per hour today, channel split, kiosk share) drawn as inline SVG; CSV and XLSX export
(services.reports). Finance and viewers (and admins)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from backend_stub.console import export_cells
from backend_stub.console.auth import FINANCE, VIEWER, ConsoleUser, page_user
from backend_stub.console.forms import one_error
from backend_stub.console.render import render
from backend_stub.services import reports

router = APIRouter()
Reader = Annotated[ConsoleUser, Depends(page_user(FINANCE, VIEWER))]


def _span(request: Request) -> tuple[reports.DayRange | None, dict[str, str], dict[str, Any]]:
    """The asked range (default: today), the values to show back, the errors by field."""
    today = request.app.state.backend.today()
    values = {k: request.query_params.get(k, "").strip()[:10] for k in ("start", "end")}
    days: dict[str, date] = {}
    errors: dict[str, Any] = {}
    for key in ("start", "end"):
        try:
            days[key] = date.fromisoformat(values[key]) if values[key] else today
        except ValueError:
            errors |= one_error(key, "reports.date_invalid")
    if errors:
        return None, values, errors
    span = reports.DayRange(days["start"], days["end"])
    if span.end < span.start:
        return None, values, one_error("end", "reports.end_before_start")
    if span.days > reports.MAX_DAYS:
        return None, values, one_error("end", "reports.too_long")
    return span, {"start": span.start.isoformat(), "end": span.end.isoformat()}, {}


@router.get("/reports", response_class=HTMLResponse)
def reports_page(request: Request, user: Reader) -> HTMLResponse:
    """(plain def: the report's queries run in FastAPI's threadpool, off the event loop)"""
    bk = request.app.state.backend
    span, values, errors = _span(request)
    report = reports.range_report(bk.store, span) if span is not None else None
    context = {
        "report": report,
        "values": values,
        "errors": errors,
        "hourly": reports.sales_per_hour(bk.store, bk.today()),
        "dimensions": reports.DIMENSIONS,
        "measures": reports.MEASURES,
    }
    return render(request, "reports_page.html", context, user=user, status=422 if errors else 200)


@router.get("/reports/export.{kind}")
def export(request: Request, kind: str, user: Reader) -> Response:
    bk = request.app.state.backend
    span, _, _ = _span(request)
    if span is None or kind not in ("csv", "xlsx"):
        return reports_page(request, user) if span is None else Response(status_code=404)
    report = reports.range_report(bk.store, span)
    name = f"report-{span.start.isoformat()}-{span.end.isoformat()}.{kind}"
    headers = {"Content-Disposition": f'attachment; filename="{name}"',
               "Cache-Control": "no-store"}  # fmt: skip
    if kind == "csv":
        # (a BOM: Excel opens UTF-8 CSV right); a key like "=..." made inert (export_cells)
        body = "\ufeff" + reports.to_csv(_inert_keys(report))
        return Response(body.encode(), media_type="text/csv; charset=utf-8", headers=headers)
    media = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return Response(_inert_xlsx(reports.to_xlsx(report), report), media_type=media,
                    headers=headers)  # fmt: skip


def _inert_keys(report: dict[str, Any]) -> dict[str, Any]:
    """The report with each breakdown key and gate a CSV cell that no spreadsheet runs (the
    keys are ids, but a channel's or a gate's name comes from configuration)."""
    by = {dim: [row | {"key": export_cells.csv_cell(row["key"])} for row in rows]
          for dim, rows in report["by"].items()}  # fmt: skip
    adm = report["admissions"]
    gates = [row | {"gate": export_cells.csv_cell(row["gate"])} for row in adm["rows"]]
    return report | {"by": by, "admissions": adm | {"rows": gates}}


def _inert_xlsx(data: bytes, report: dict[str, Any]) -> bytes:
    keys = [row["key"] for rows in report["by"].values() for row in rows]
    if not any(
        export_cells.risky(k) for k in keys + [r["gate"] for r in report["admissions"]["rows"]]
    ):
        return data  # (the usual case: nothing to redo)
    import io

    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data))
    export_cells.xlsx_inert(book)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
