"""The daily reconciliation: each provider's bill for a day, matched line by line against our
payments and refunds through that provider. Four kinds of mismatch:

- `missing_ours`: in their bill, not in our books (a trade or refund number we never made);
- `missing_theirs`: in our books (a payment paid, a refund sent), not in their bill;
- `amount_differs`: both have it, the amounts differ;
- `state_differs`: both have it, in different states (e.g. we hold it unpaid, they paid it).

Every run is stored (reconciliation_runs) with its mismatches and listed by
`GET /api/v1/ops/reconciliation?date=`; nothing is corrected: a person decides.
`kiosk backend reconcile --date D` runs it by hand; the sweeper runs it once a day for
yesterday, after RECONCILE_HOUR (the providers publish a day's bill the next morning).
"""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from backend_stub.payments.gateways import gateways
from backend_stub.payments.provider import BillLine, ProviderUnreachable

if TYPE_CHECKING:
    from backend_stub.context import Backend

log = logging.getLogger("backend_stub.payments.reconcile")
RECONCILE_HOUR = 10  # WeChat: the bill is ready after 9:00 (10:00 to be safe); Alipay likewise


def _mismatch(
    kind: str, trade_no: str, refund_no: str, ours: Any, theirs: BillLine | None
) -> dict[str, Any]:
    return {
        "kind": kind,
        "trade_no": trade_no,
        "refund_no": refund_no,
        "ours_fen": ours["amount_fen"] if ours else None,
        "theirs_fen": theirs.amount_fen if theirs else None,
        "ours_state": _our_state(ours) if ours else "",
        "theirs_state": theirs.state if theirs else "",
    }


def _our_state(row: dict[str, Any]) -> str:
    if "provider_status" in row:  # a refund
        return str(row["provider_status"])
    return {"success": "success", "cancelled": "closed", "failed": "closed"}.get(
        row["status"], str(row["status"])
    )


def match(
    bill: list[BillLine],
    payments: list[dict[str, Any]],
    refunds: list[dict[str, Any]],
    lookup_payment: Any,
    lookup_refund: Any,
) -> list[dict[str, Any]]:
    """The mismatches between a day's bill and our payments and refunds of that day.
    `lookup_*`: find one of ours by number on any day (a trade near midnight)."""
    out: list[dict[str, Any]] = []
    ours_paid = {p["trade_no"]: p for p in payments}
    ours_refunds = {r["out_refund_no"]: r for r in refunds}
    seen_trades: set[str] = set()
    seen_refunds: set[str] = set()
    for line in bill:
        if line.kind == "payment":
            seen_trades.add(line.trade_no)
            ours = ours_paid.get(line.trade_no) or lookup_payment(line.trade_no)
            if ours is None:
                if line.state == "success":
                    out.append(_mismatch("missing_ours", line.trade_no, "", None, line))
                continue
            if _our_state(ours) != line.state:
                out.append(_mismatch("state_differs", line.trade_no, "", ours, line))
            elif ours["amount_fen"] != line.amount_fen:
                out.append(_mismatch("amount_differs", line.trade_no, "", ours, line))
        else:
            seen_refunds.add(line.refund_no)
            ours = ours_refunds.get(line.refund_no) or lookup_refund(line.refund_no)
            if ours is None:
                out.append(_mismatch("missing_ours", line.trade_no, line.refund_no, None, line))
                continue
            if ours["provider_status"] not in ("success", "processing") or line.state == "failed":
                out.append(_mismatch("state_differs", line.trade_no, line.refund_no, ours, line))
            elif ours["amount_fen"] != line.amount_fen:
                out.append(_mismatch("amount_differs", line.trade_no, line.refund_no, ours, line))
    for trade_no, p in ours_paid.items():
        if trade_no not in seen_trades:
            out.append(_mismatch("missing_theirs", trade_no, "", p, None))
    for refund_no, r in ours_refunds.items():
        if refund_no not in seen_refunds:
            out.append(_mismatch("missing_theirs", r["trade_no"], refund_no, r, None))
    return out


def reconcile(bk: Backend, day: date) -> list[dict[str, Any]]:
    """Reconcile every real provider's bill of `day`; the runs, each with its mismatches."""
    runs = []
    for provider in gateways(bk).real():
        name = provider.name
        like = day.isoformat() + "%"
        payments = bk.store.all(
            "SELECT trade_no, amount_fen, status FROM payments WHERE gateway = ?"
            " AND status = 'success' AND paid_at LIKE ?",
            (name, like),
        )
        refunds = bk.store.all(
            "SELECT trade_no, out_refund_no, amount_fen, provider_status FROM refunds"
            " WHERE gateway = ? AND provider_status IN ('success', 'processing')"
            " AND created_at LIKE ?",
            (name, like),
        )

        def lookup_payment(trade_no: str, name: str = name) -> dict[str, Any] | None:
            return bk.store.one(
                "SELECT trade_no, amount_fen, status FROM payments WHERE trade_no = ?"
                " AND gateway = ?",
                (trade_no, name),
            )

        def lookup_refund(refund_no: str, name: str = name) -> dict[str, Any] | None:
            return bk.store.one(
                "SELECT trade_no, out_refund_no, amount_fen, provider_status FROM refunds"
                " WHERE out_refund_no = ? AND gateway = ?",
                (refund_no, name),
            )

        error = ""
        mismatches: list[dict[str, Any]] = []
        bill_lines = 0
        try:
            bill = provider.bill(day)
            bill_lines = len(bill.lines)
            mismatches = match(bill.lines, payments, refunds, lookup_payment, lookup_refund)
        except ProviderUnreachable as exc:
            error = str(exc)[:200]
            log.error("reconciliation %s %s: no bill (%s)", name, day, error)
        runs.append(
            _store_run(bk, day, name, bill_lines, len(payments) + len(refunds), mismatches, error)
        )
    return runs


def _store_run(
    bk: Backend,
    day: date,
    gateway: str,
    bill_lines: int,
    our_lines: int,
    mismatches: list[dict[str, Any]],
    error: str,
) -> dict[str, Any]:
    ran_at = bk.now().isoformat()
    with bk.store.transaction(durable=True):
        bk.store.insert(
            "reconciliation_runs",
            {
                "day": day.isoformat(),
                "gateway": gateway,
                "ran_at": ran_at,
                "bill_lines": bill_lines,
                "our_lines": our_lines,
                "mismatches": len(mismatches),
                "error": error,
            },
        )
        run_id = bk.store.one(
            "SELECT id FROM reconciliation_runs WHERE day = ? AND gateway = ? AND ran_at = ?"
            " ORDER BY id DESC LIMIT 1",
            (day.isoformat(), gateway, ran_at),
        )["id"]
        for m in mismatches:
            bk.store.insert(
                "reconciliation_mismatches",
                {"run_id": run_id, "day": day.isoformat(), "gateway": gateway, **m},
            )
    if mismatches:
        log.warning("reconciliation %s %s: %d mismatches", gateway, day, len(mismatches))
    return {
        "id": run_id,
        "day": day.isoformat(),
        "gateway": gateway,
        "ran_at": ran_at,
        "bill_lines": bill_lines,
        "our_lines": our_lines,
        "error": error,
        "mismatches": mismatches,
    }


def report(bk: Backend, day: date) -> dict[str, Any]:
    """The latest run of each provider for `day`, with its mismatches."""
    runs = bk.store.all(
        "SELECT * FROM reconciliation_runs WHERE day = ? ORDER BY id DESC", (day.isoformat(),)
    )
    latest: dict[str, dict[str, Any]] = {}
    for run in runs:
        latest.setdefault(run["gateway"], run)
    out = []
    for _name, run in sorted(latest.items()):
        rows = bk.store.all(
            "SELECT kind, trade_no, refund_no, ours_fen, theirs_fen, ours_state, theirs_state"
            " FROM reconciliation_mismatches WHERE run_id = ? ORDER BY id",
            (run["id"],),
        )
        out.append(
            {k: run[k] for k in ("gateway", "ran_at", "bill_lines", "our_lines", "error")}
            | {"mismatches": rows}
        )
    return {"date": day.isoformat(), "runs": out}


def reconcile_when_due(bk: Backend, now: datetime) -> date | None:
    """Inside the sweeper's `sole` turn: yesterday's reconciliation once, after RECONCILE_HOUR;
    claims the day (meta) so one worker runs it. The day to run now, or None."""
    if now.hour < RECONCILE_HOUR or not gateways(bk).real():
        return None
    day = (now.date() - timedelta(days=1)).isoformat()
    if bk.store.meta("reconciled_day") == day:
        return None
    bk.store.set_meta("reconciled_day", day)
    return date.fromisoformat(day)
