"""The one interface an e-invoice platform implements, and its HTTP client.

`issue` sends one invoice; `request_id` (our invoice id) makes it idempotent: asking again
after a lost answer returns the same invoice, never a second one. A call without a usable
answer raises `InvoicingUnreachable`: the invoice stays `requested` and is issued on a later
try (`services.invoices.issue_pending`).

The HTTP platform: `POST {url}/v1/invoices` with a JSON body, signed: header
`X-App-Id: <app id>` and `X-Signature: hex(HMAC-SHA256(secret, timestamp + "\n" + body))` with
`X-Timestamp`; it answers `{"status": "issued", "invoice_no": ..., "pdf_url": ...}` or
`{"status": "refused", "code": ...}`. The credentials come from a key file
(`--invoice-key-file`, one line `app_id:secret`), never from the database or the command line.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Literal, Protocol

IssueState = Literal["issued", "refused"]


class InvoicingUnreachable(Exception):
    """No usable answer from the platform: timeout, connection lost, a bad reply."""


@dataclass(frozen=True)
class InvoiceItem:
    name: str  # what was sold, e.g. 大门票·成人票
    amount_fen: int


@dataclass(frozen=True)
class IssueRequest:
    request_id: str  # our invoice id: the idempotency key at the platform
    order_no: str
    title_kind: str  # individual | company
    title: str
    tax_number: str
    amount_fen: int
    items: tuple[InvoiceItem, ...] = field(default_factory=tuple)
    email: str = ""
    phone: str = ""


@dataclass(frozen=True)
class IssueResult:
    state: IssueState
    invoice_no: str = ""
    pdf_url: str = ""
    code: str = ""  # the platform's refusal code


class InvoiceProvider(Protocol):
    def issue(self, request: IssueRequest) -> IssueResult: ...


def sign(secret: str, timestamp: str, body: bytes) -> str:
    return hmac.new(secret.encode(), timestamp.encode() + b"\n" + body, hashlib.sha256).hexdigest()


class HttpInvoiceProvider:
    """The platform over HTTP(S), signed with the app's secret."""

    def __init__(self, url: str, app_id: str, secret: str, timeout: float = 5.0) -> None:
        self.url = url.rstrip("/")
        self.app_id = app_id
        self.secret = secret
        self.timeout = timeout

    @classmethod
    def from_key_file(cls, url: str, key_file: str | Path) -> HttpInvoiceProvider:
        app_id, _, secret = Path(key_file).read_text(encoding="utf-8").strip().partition(":")
        if not app_id or not secret:
            raise ValueError(f"{key_file}: expected one line app_id:secret")
        return cls(url, app_id, secret)

    def issue(self, request: IssueRequest) -> IssueResult:
        body = json.dumps(asdict(request), ensure_ascii=False).encode()
        stamp = str(int(time.time()))
        headers = {
            "Content-Type": "application/json",
            "X-App-Id": self.app_id,
            "X-Timestamp": stamp,
            "X-Signature": sign(self.secret, stamp, body),
        }
        import httpx  # here, not at start: a backend with no platform configured never loads it

        try:
            resp = httpx.post(
                f"{self.url}/v1/invoices", content=body, headers=headers, timeout=self.timeout
            )
            answer = resp.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise InvoicingUnreachable(type(exc).__name__) from exc
        if resp.status_code >= 500 or not isinstance(answer, dict):
            raise InvoicingUnreachable(f"HTTP {resp.status_code}")
        if answer.get("status") == "issued":
            return IssueResult(
                "issued", str(answer.get("invoice_no", "")), str(answer.get("pdf_url", ""))
            )
        return IssueResult("refused", code=str(answer.get("code") or f"http_{resp.status_code}"))
