"""A sandbox e-invoice platform: a real HTTP server on 127.0.0.1 speaking the protocol of
`provider.HttpInvoiceProvider` (signed requests, idempotent by `request_id`). Tests and the
demo start it; only appliance and tests import it (pyproject `[tool.kiosk.layers]`).

It checks what a real platform checks: the signature and its time, the company's tax number
(its GB 32100-2015 check character), a positive amount. It refuses a title containing
"REFUSE" (`title_rejected`), for tests of a refusal. `issued` holds every invoice it made.
"""

from __future__ import annotations

import hmac
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from backend_stub.invoicing.provider import sign
from kiosk.domain.invoice_rules import is_valid_tax_number

MAX_SKEW_SECONDS = 300


@dataclass
class InvoiceSandbox:
    app_id: str = "sandbox-app"
    secret: str = field(default_factory=lambda: secrets.token_hex(16))
    issued: dict[str, dict[str, Any]] = field(default_factory=dict)  # request_id -> invoice
    requests: int = 0
    _server: ThreadingHTTPServer | None = None
    _thread: threading.Thread | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self, port: int = 0) -> InvoiceSandbox:
        sandbox = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                status, answer = sandbox.handle(self.path, dict(self.headers), body)
                data = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:
                pass  # quiet: the tests read `issued`

        self._server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def write_key_file(self, path: Path) -> Path:
        path.write_text(f"{self.app_id}:{self.secret}\n", encoding="utf-8")
        path.chmod(0o600)
        return path

    def handle(self, path: str, headers: dict[str, str], body: bytes) -> tuple[int, dict]:
        if path != "/v1/invoices":
            return 404, {"status": "refused", "code": "not_found"}
        stamp = headers.get("X-Timestamp", "")
        expected = sign(self.secret, stamp, body)
        if headers.get("X-App-Id") != self.app_id or not hmac.compare_digest(
            headers.get("X-Signature", ""), expected
        ):
            return 401, {"status": "refused", "code": "bad_signature"}
        if not stamp.isdigit() or abs(time.time() - int(stamp)) > MAX_SKEW_SECONDS:
            return 401, {"status": "refused", "code": "stale_request"}
        try:
            req = json.loads(body)
        except ValueError:
            return 400, {"status": "refused", "code": "malformed"}
        with self._lock:
            self.requests += 1
            prior = self.issued.get(str(req.get("request_id")))
            if prior is not None:  # the same request again: the same invoice
                return 200, prior
            refusal = self._refusal(req)
            if refusal:
                return 200, {"status": "refused", "code": refusal}
            number = f"{len(self.issued) + 1:020d}"
            invoice = {
                "status": "issued",
                "invoice_no": number,
                "pdf_url": f"{self.url}/v1/invoices/{number}.pdf",
                "request": req,
            }
            self.issued[str(req["request_id"])] = invoice
            return 200, invoice

    @staticmethod
    def _refusal(req: dict[str, Any]) -> str:
        if int(req.get("amount_fen") or 0) <= 0:
            return "amount_invalid"
        if req.get("title_kind") == "company" and not is_valid_tax_number(
            str(req.get("tax_number", ""))
        ):
            return "tax_number_invalid"
        if "REFUSE" in str(req.get("title", "")).upper():
            return "title_rejected"
        return ""
