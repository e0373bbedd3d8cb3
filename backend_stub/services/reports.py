"""The range report: for the days `start`..`end` (inclusive), orders, tickets, gross,
discounts, paid, refunds and net, by channel, product, ticket type, payment method and kiosk;
admissions per gate per hour; sales per hour of a day. Exported as CSV and XLSX.

- Sales count on the day an order was paid (`orders.paid_at`), refunds on the day they were
  made (`refunds.created_at`): net = paid − refunds, and it reconciles with the money: the
  successful payments of the orders paid in the range, plus what channels collected (orders
  without a payment), minus the refunds made in the range.
- gross = the list price before discounts (`subtotal_fen`), discounts = member + coupon +
  points, paid = `total_fen` (= gross − discounts).
- A handful of grouped queries (indexes of migration 11: orders(paid_at), refunds(created_at));
  every breakdown is summed in Python from the finest grouping.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from backend_stub.stores import Store

MAX_DAYS = 366
DIMENSIONS = ("channel", "product", "ticket_type", "method", "kiosk")
MEASURES = ("orders", "tickets", "gross_fen", "discounts_fen", "paid_fen", "refunds_fen",
            "net_fen")  # fmt: skip


@dataclass(frozen=True)
class DayRange:
    start: date
    end: date  # inclusive

    @property
    def bounds(self) -> tuple[str, str]:
        """[start, day after end) as ISO texts (timestamps compare as text)."""
        return self.start.isoformat(), (self.end + timedelta(days=1)).isoformat()

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


def _blank() -> dict[str, int]:
    return dict.fromkeys(MEASURES, 0)


def _method(provider: str, gateway: str, method: str) -> str:
    return provider or gateway or method or "?"


def range_report(store: Store, span: DayRange) -> dict[str, Any]:
    lo, hi = span.bounds
    by: dict[str, dict[str, dict[str, int]]] = {d: defaultdict(_blank) for d in DIMENSIONS}
    total = _blank()
    # orders (one row per channel and kiosk)
    for r in store.all(
        "SELECT channel, COALESCE(kiosk_id, '') AS kiosk, COUNT(*) AS n, "
        "SUM(subtotal_fen) AS gross, SUM(member_discount_fen + coupon_discount_fen "
        "+ points_discount_fen) AS disc, SUM(total_fen) AS paid FROM orders "
        "WHERE paid_at >= ? AND paid_at < ? GROUP BY channel, COALESCE(kiosk_id, '')",
        (lo, hi),
    ):
        values = {"orders": r["n"], "gross_fen": r["gross"] or 0, "discounts_fen": r["disc"] or 0,
                  "paid_fen": r["paid"] or 0}  # fmt: skip
        for dim, key in (("channel", r["channel"]), ("kiosk", r["kiosk"] or "-")):
            _add(by[dim][key], values)
        _add(total, values)
    # tickets (per channel, kiosk, product, type)
    for r in store.all(
        "SELECT o.channel, COALESCE(o.kiosk_id, '') AS kiosk, t.product_id, t.ticket_type_id, "
        "COUNT(*) AS n, SUM(t.unit_fen) AS gross, SUM(t.paid_fen) AS paid FROM orders o "
        "JOIN tickets t ON t.order_id = o.id WHERE o.paid_at >= ? AND o.paid_at < ? "
        "GROUP BY o.channel, COALESCE(o.kiosk_id, ''), t.product_id, t.ticket_type_id",
        (lo, hi),
    ):
        for dim, key in (("channel", r["channel"]), ("kiosk", r["kiosk"] or "-")):
            by[dim][key]["tickets"] += r["n"]
        gross, paid = r["gross"] or 0, r["paid"] or 0
        for dim, key in (("product", r["product_id"]), ("ticket_type", r["ticket_type_id"])):
            _add(by[dim][key], {"tickets": r["n"], "gross_fen": gross, "paid_fen": paid,
                                "discounts_fen": gross - paid})  # fmt: skip
        total["tickets"] += r["n"]
    # payment methods: the successful payments (one per paid order), and per channel what
    # was paid without one (collected by the channel, or nothing to pay)
    through: dict[str, dict[str, int]] = defaultdict(_blank)
    for r in store.all(
        "SELECT o.channel, p.provider, p.gateway, p.method, COUNT(*) AS n, "
        "SUM(p.amount_fen) AS paid FROM orders o JOIN payments p ON p.order_id = o.id "
        "AND p.status = 'success' WHERE o.paid_at >= ? AND o.paid_at < ? "
        "GROUP BY o.channel, p.provider, p.gateway, p.method",
        (lo, hi),
    ):
        values = {"orders": r["n"], "paid_fen": r["paid"] or 0}
        _add(by["method"][_method(r["provider"], r["gateway"], r["method"])], values)
        _add(through[r["channel"]], values)
    for channel, row in list(by["channel"].items()):
        rest = {"orders": row["orders"] - through[channel]["orders"],
                "paid_fen": row["paid_fen"] - through[channel]["paid_fen"]}  # fmt: skip
        if rest["orders"] or rest["paid_fen"]:
            key = "none" if channel == "kiosk" else f"channel:{channel}"
            _add(by["method"][key], rest)
    # refunds made in the range
    for r in store.all(
        "SELECT o.channel, COALESCE(o.kiosk_id, '') AS kiosk, t.product_id, t.ticket_type_id, "
        "p.provider, p.gateway, p.method, SUM(r.amount_fen) AS back FROM refunds r "
        "JOIN orders o ON o.id = r.order_id JOIN tickets t ON t.id = r.ticket_id "
        "LEFT JOIN payments p ON p.trade_no = r.trade_no AND r.trade_no != '' "
        "WHERE r.created_at >= ? AND r.created_at < ? GROUP BY o.channel, "
        "COALESCE(o.kiosk_id, ''), t.product_id, t.ticket_type_id, p.provider, p.gateway, "
        "p.method",
        (lo, hi),
    ):
        back = r["back"] or 0
        if r["gateway"] is not None:  # back through the payment's provider
            method = _method(r["provider"], r["gateway"], r["method"])
        else:
            method = "none" if r["channel"] == "kiosk" else f"channel:{r['channel']}"
        for dim, key in (("channel", r["channel"]), ("kiosk", r["kiosk"] or "-"),
                         ("product", r["product_id"]), ("ticket_type", r["ticket_type_id"]),
                         ("method", method)):  # fmt: skip
            by[dim][key]["refunds_fen"] += back
        total["refunds_fen"] += back
    for table in (*by.values(), {"": total}):
        for row in table.values():
            row["net_fen"] = row["paid_fen"] - row["refunds_fen"]
    return {
        "start": span.start.isoformat(),
        "end": span.end.isoformat(),
        "totals": total,
        "by": {dim: [{"key": k} | v for k, v in sorted(rows.items())] for dim, rows in by.items()},
        "admissions": admissions(store, span),
    }


def _add(row: dict[str, int], values: dict[str, int]) -> None:
    for key, value in values.items():
        row[key] += value


def admissions(store: Store, span: DayRange) -> dict[str, Any]:
    """People admitted per gate per hour of the day, over the range."""
    rows = store.all(
        "SELECT gate_id, substr(at, 12, 2) AS hour, SUM(people) AS people FROM admissions "
        "WHERE day >= ? AND day <= ? AND direction = 'in' GROUP BY gate_id, substr(at, 12, 2)",
        (span.start.isoformat(), span.end.isoformat()),
    )
    gates = sorted({r["gate_id"] for r in rows})
    hours = sorted({r["hour"] for r in rows})
    cells = {(r["gate_id"], r["hour"]): r["people"] for r in rows}
    return {
        "gates": gates,
        "hours": hours,
        "rows": [{"gate": g, "counts": [cells.get((g, h), 0) for h in hours],
                  "total": sum(cells.get((g, h), 0) for h in hours)} for g in gates],
    }  # fmt: skip


def sales_per_hour(store: Store, day: date) -> list[dict[str, Any]]:
    """Orders and money paid per hour of `day` (every hour 0..23)."""
    rows = store.all(
        "SELECT substr(paid_at, 12, 2) AS hour, COUNT(*) AS n, SUM(total_fen) AS paid "
        "FROM orders WHERE paid_at >= ? AND paid_at < ? GROUP BY substr(paid_at, 12, 2)",
        (day.isoformat(), (day + timedelta(days=1)).isoformat()),
    )
    got = {r["hour"]: r for r in rows}
    out = []
    for h in range(24):
        row = got.get(f"{h:02d}") or {}
        out.append({"hour": h, "orders": row.get("n", 0), "paid_fen": row.get("paid") or 0})
    return out


def money_check(store: Store, span: DayRange) -> int:
    """Payments − refunds for the range, from the money tables (what `net_fen` must equal)."""
    lo, hi = span.bounds
    paid = store.one(
        "SELECT COALESCE(SUM(p.amount_fen), 0) AS fen FROM payments p JOIN orders o "
        "ON o.id = p.order_id WHERE p.status = 'success' AND o.paid_at >= ? AND o.paid_at < ?",
        (lo, hi),
    )["fen"]
    collected = store.one(
        "SELECT COALESCE(SUM(total_fen), 0) AS fen FROM orders o WHERE paid_at >= ? "
        "AND paid_at < ? AND NOT EXISTS (SELECT 1 FROM payments p WHERE p.order_id = o.id "
        "AND p.status = 'success')",
        (lo, hi),
    )["fen"]
    back = store.one(
        "SELECT COALESCE(SUM(amount_fen), 0) AS fen FROM refunds WHERE created_at >= ? "
        "AND created_at < ?",
        (lo, hi),
    )["fen"]
    return int(paid) + int(collected) - int(back)


# -- export -------------------------------------------------------------------------------------
HEADER = ("section", "key", *MEASURES)


def table_rows(report: dict[str, Any]) -> list[tuple[Any, ...]]:
    """The report as rows (section, key, measures...): the totals, then each breakdown."""
    out: list[tuple[Any, ...]] = [("total", "", *(report["totals"][m] for m in MEASURES))]
    for dim in DIMENSIONS:
        for row in report["by"][dim]:
            out.append((dim, row["key"], *(row[m] for m in MEASURES)))
    return out


def to_csv(report: dict[str, Any]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow([f"# {report['start']}..{report['end']}; money in fen"])
    writer.writerow(HEADER)
    writer.writerows(table_rows(report))
    adm = report["admissions"]
    writer.writerow([])
    writer.writerow(["admissions gate", *adm["hours"], "total"])
    for row in adm["rows"]:
        writer.writerow([row["gate"], *row["counts"], row["total"]])
    return buf.getvalue()


def to_xlsx(report: dict[str, Any]) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = "summary"
    sheet.append(["from", report["start"], "to", report["end"], "money", "yuan"])
    sheet.append(list(HEADER))
    money = {i for i, m in enumerate(HEADER) if m.endswith("_fen")}
    for row in table_rows(report):
        sheet.append([v / 100 if i in money else v for i, v in enumerate(row)])
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for row in sheet.iter_rows(min_row=3):
        for i, cell in enumerate(row):
            if i in money:
                cell.number_format = "0.00"
    adm = report["admissions"]
    gates = book.create_sheet("admissions")
    gates.append(["gate", *adm["hours"], "total"])
    for row in adm["rows"]:
        gates.append([row["gate"], *row["counts"], row["total"]])
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()
