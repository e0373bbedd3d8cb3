"""E-invoice requests (发票): recorded for an order a kiosk sold or printed, issued through the
tax platform (backend_stub.invoicing) when one is configured, listed for finance.

An invoice covers what the kiosk took for the order (its total less what was refunded); an
order paid to an OTA or an agency is invoiced by that channel (`invoice_from_channel`). One
invoice per order (`invoice_exists`). Personal data (an individual's name, the e-mail and
phone the invoice goes to) is stored as keyed hash + ciphertext + masked form and answered
masked only; a company's name and tax number are not personal data.

Issuing: right after the request is recorded (outside the write transaction); the platform's
answer moves it to `issued` (number, PDF link) or `refused` (its code). No answer leaves it
`requested`: `issue_pending` (ops: `POST /ops/invoices/issue-pending`) tries again with the same
request id, which the platform answers with the same invoice.
"""

from __future__ import annotations

import csv
import io
import logging
import secrets
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Any

from backend_stub.context import Backend
from backend_stub.invoicing.provider import (
    HttpInvoiceProvider,
    InvoiceItem,
    InvoiceProvider,
    InvoicingUnreachable,
    IssueRequest,
)
from backend_stub.services.order_state import collected_by, load_order
from backend_stub.services.personal_data import PHONE, normalize_phone
from backend_stub.services.possession import may_print
from kiosk.domain.errors import RuleError
from kiosk.domain.ids import mask_name, mask_phone
from kiosk.domain.invoice_rules import check_invoice_request, mask_email
from kiosk.domain.refund_rules import KIOSK

log = logging.getLogger("backend.invoices")

EMAIL, TITLE = "email", "invoice_title"  # what a sealed value is (its AAD)
INVOICEABLE = ("paid", "partially_refunded")
CSV_COLUMNS = ("created_at", "order_no", "title_kind", "title", "tax_number", "amount_yuan",
               "status", "invoice_no", "email", "phone", "kiosk_id", "issued_at")  # fmt: skip


@lru_cache(maxsize=4)
def _http_provider(url: str, key_file: str) -> HttpInvoiceProvider:
    return HttpInvoiceProvider.from_key_file(url, key_file)


def provider_of(bk: Backend) -> InvoiceProvider | None:
    """The configured platform (`--invoice-url` + `--invoice-key-file`), or None: invoices are
    then recorded `requested` for finance to issue."""
    url = getattr(bk.settings, "invoice_url", "")
    key_file = getattr(bk.settings, "invoice_key_file", "")
    return _http_provider(url, key_file) if url and key_file else None


def request_invoice(
    bk: Backend, order_id: str, body: dict[str, str], kiosk_id: str, now: datetime
) -> dict[str, Any]:
    """Record (and issue) the e-invoice of an order this kiosk sold or printed."""
    order = load_order(bk, order_id, now)
    if not may_print(bk, order, kiosk_id):
        raise RuleError("order_not_found")
    if order["status"] not in INVOICEABLE:
        raise RuleError("order_not_paid")
    if collected_by(order) != KIOSK:  # the row's column, or its channel's default
        raise RuleError("invoice_from_channel")
    checked = check_invoice_request(
        body.get("title_kind", ""), body.get("title", ""), body.get("tax_number", ""),
        body.get("email", ""), body.get("phone", ""),
    )  # fmt: skip
    amount = _amount(bk, order)
    if amount <= 0:
        raise RuleError("invoice_nothing_to_invoice")
    keys = bk.personal_keys
    phone = normalize_phone(checked.phone)
    individual = checked.title_kind == "individual"
    row = {
        "id": "inv" + secrets.token_hex(8),
        "order_id": order_id,
        "order_no": order["order_no"],
        "kiosk_id": kiosk_id,
        "title_kind": checked.title_kind,
        "title_shown": mask_name(checked.title) if individual else checked.title,
        "title_sealed": keys.seal(TITLE, checked.title) if individual else "",
        "tax_number": checked.tax_number,
        "email_hash": keys.digest(EMAIL, checked.email.lower()),
        "email_sealed": keys.seal(EMAIL, checked.email),
        "email_masked": mask_email(checked.email) if checked.email else "",
        "phone_hash": keys.digest(PHONE, phone),
        "phone_sealed": keys.seal(PHONE, phone),
        "phone_masked": mask_phone(phone) if phone else "",
        "amount_fen": amount,
        "status": "requested",
        "created_at": now.isoformat(),
    }
    with bk.store.transaction(durable=True):
        if bk.store.one("SELECT 1 FROM invoices WHERE order_id = ?", (order_id,)) is not None:
            raise RuleError("invoice_exists")
        bk.store.insert("invoices", row)
    _issue(bk, row["id"], checked.title, checked.email, phone, now)
    return invoice_view(_load(bk, row["id"]))


def _amount(bk: Backend, order: dict[str, Any]) -> int:
    refunded = bk.store.one(
        "SELECT COALESCE(SUM(refunded_fen), 0) AS n FROM tickets WHERE order_id = ?",
        (order["id"],),
    )["n"]
    return int(order["total_fen"] or 0) - int(refunded or 0)


def _items(bk: Backend, order_id: str) -> tuple[InvoiceItem, ...]:
    rows = bk.store.all(
        "SELECT t.product_id, t.ticket_type_id, SUM(t.paid_fen - COALESCE(t.refunded_fen, 0)) "
        "AS amount FROM tickets t WHERE t.order_id = ? GROUP BY t.product_id, t.ticket_type_id "
        "ORDER BY t.product_id, t.ticket_type_id",
        (order_id,),
    )
    catalog = bk.catalog()
    items = []
    for r in rows:
        product = catalog.products.get(r["product_id"])
        kind = product.ticket_types.get(r["ticket_type_id"]) if product else None
        name = "·".join(x for x in (product and product.name_zh, kind and kind.name_zh) if x)
        items.append(InvoiceItem(name or r["product_id"], int(r["amount"] or 0)))
    return tuple(items)


def _issue(bk: Backend, invoice_id: str, title: str, email: str, phone: str, now: datetime) -> None:
    """Ask the platform to issue a recorded invoice; its answer recorded. No platform, or no
    answer: it stays `requested`."""
    provider = provider_of(bk)
    if provider is None:
        return
    row = _load(bk, invoice_id)
    request = IssueRequest(
        request_id=row["id"], order_no=row["order_no"], title_kind=row["title_kind"],
        title=title, tax_number=row["tax_number"], amount_fen=int(row["amount_fen"]),
        items=_items(bk, row["order_id"]), email=email, phone=phone,
    )  # fmt: skip
    try:
        result = provider.issue(request)
    except InvoicingUnreachable as exc:
        log.warning("invoice %s: the platform did not answer (%s); left requested", invoice_id, exc)
        return
    with bk.store.transaction():
        if result.state == "issued":
            bk.store.run(
                "UPDATE invoices SET status = 'issued', invoice_no = ?, pdf_url = ?, "
                "issued_at = ?, failure_code = '' WHERE id = ?",
                (result.invoice_no, result.pdf_url, now.isoformat(), invoice_id),
            )
        else:
            bk.store.run(
                "UPDATE invoices SET status = 'refused', failure_code = ? WHERE id = ?",
                (result.code, invoice_id),
            )


def issue_pending(bk: Backend, now: datetime) -> dict[str, int]:
    """Try again every invoice still `requested` (the platform was away): counts by status."""
    keys = bk.personal_keys
    for row in bk.store.all(  # not one whose contact the retention cleared: nowhere to send it
        "SELECT * FROM invoices WHERE status = 'requested' "
        "AND (email_sealed != '' OR phone_sealed != '') ORDER BY id"
    ):
        title = keys.open(TITLE, row["title_sealed"]) if row["title_sealed"] else row["title_shown"]
        _issue(bk, row["id"], title, keys.open(EMAIL, row["email_sealed"]),
               keys.open(PHONE, row["phone_sealed"]), now)  # fmt: skip
    rows = bk.store.all("SELECT status, COUNT(*) AS n FROM invoices GROUP BY status")
    return {r["status"]: int(r["n"]) for r in rows}


def _load(bk: Backend, invoice_id: str) -> dict[str, Any]:
    row = bk.store.one("SELECT * FROM invoices WHERE id = ?", (invoice_id,))
    if row is None:
        raise RuleError("not_found")
    return row


def invoice_view(row: dict[str, Any]) -> dict[str, Any]:
    """An invoice as answered: personal data masked, never the ciphertexts or hashes."""
    return {
        "id": row["id"],
        "order_id": row["order_id"],
        "order_no": row["order_no"],
        "kiosk_id": row["kiosk_id"],
        "title_kind": row["title_kind"],
        "title": row["title_shown"],
        "tax_number": row["tax_number"],
        "email": row["email_masked"],
        "phone": row["phone_masked"],
        "amount_fen": int(row["amount_fen"]),
        "status": row["status"],
        "invoice_no": row["invoice_no"],
        "pdf_url": row["pdf_url"],
        "failure_code": row["failure_code"],
        "created_at": row["created_at"],
        "issued_at": row["issued_at"],
    }


def list_invoices(bk: Backend, day_from: date, day_to: date) -> list[dict[str, Any]]:
    """Invoices requested from `day_from` to `day_to` (both included, local days), oldest first."""
    if day_to < day_from:
        raise RuleError("invalid_range", "to is before from")
    start = datetime.combine(day_from, time(0)).isoformat()
    end = datetime.combine(day_to + timedelta(days=1), time(0)).isoformat()
    rows = bk.store.all(
        "SELECT * FROM invoices WHERE created_at >= ? AND created_at < ? ORDER BY created_at, id",
        (start, end),
    )
    return [invoice_view(r) for r in rows]


def invoices_csv(invoices: list[dict[str, Any]]) -> str:
    """The finance export: one row per invoice, amounts in yuan, personal data masked."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for inv in invoices:
        fen = inv["amount_fen"]
        writer.writerow(
            [
                inv["created_at"],
                inv["order_no"],
                inv["title_kind"],
                inv["title"],
                inv["tax_number"],
                f"{fen // 100}.{fen % 100:02d}",
                inv["status"],
                inv["invoice_no"],
                inv["email"],
                inv["phone"],
                inv["kiosk_id"],
                inv["issued_at"] or "",
            ]
        )
    return out.getvalue()
