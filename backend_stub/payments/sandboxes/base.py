"""What both provider sandboxes share: a real HTTP server on 127.0.0.1 in a thread, a ledger
of trades and refunds, the faults scripted through a control endpoint, and the bill.

Control (JSON, under `/_sandbox/`):
- `POST /_sandbox/script` `{"fault": ..., ...}`: how the *next* code payment goes (a queue):
  `userpaying_then_success` (`queries`: the query that finds it paid, default 2),
  `userpaying_forever`, `systemerror_paid` (SYSTEMERROR / 20000, yet the money moved),
  `timeout` (`delay` seconds before answering; `paid`: whether the money moved),
  `lost_answer` (the money moved, the connection closes without an answer),
  `refused` (`code`: the provider's refusal); `reverse_fails` (N): its first N reverses fail
  (retry asked) before one succeeds.
- `POST /_sandbox/scan` `{"out_trade_no": ...}`: the customer pays a native QR order.
- `POST /_sandbox/bill` `{"extra_payment": {"trade_no", "amount_fen"}, "drop_refund": NO,
  "amount": {TRADE_NO: FEN}}`: the bill disagrees with us (tweaks kept until reset).
- `GET /_sandbox/ledger`: every trade with its state, pay calls, reverses and refunds.
- `POST /_sandbox/reset`: script, tweaks and ledger emptied.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Refund:
    out_refund_no: str
    amount_fen: int
    state: str = "SUCCESS"
    at: str = ""


@dataclass
class Trade:
    out_trade_no: str
    amount_fen: int
    state: str  # NOTPAY, USERPAYING, SUCCESS, CLOSED, REVOKED (WeChat words; Alipay maps)
    method: str = "code"  # code, qr
    auth_code: str = ""
    provider_trade_no: str = ""
    fault: dict[str, Any] = field(default_factory=dict)
    pay_calls: int = 0
    queries: int = 0
    reverse_calls: int = 0
    paid_at: str = ""
    refunds: dict[str, Refund] = field(default_factory=dict)
    calls: list[tuple[str, float]] = field(default_factory=list)  # (call, epoch seconds)

    def pay(self) -> None:
        if self.state != "SUCCESS":
            self.state = "SUCCESS"
            self.paid_at = datetime.now().isoformat(timespec="seconds")


class Ledger:
    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.trades: dict[str, Trade] = {}
        self.script: list[dict[str, Any]] = []
        self.tweaks: dict[str, Any] = {"extra": [], "drop_refunds": [], "amounts": {}}

    def next_fault(self) -> dict[str, Any]:
        with self.lock:
            return self.script.pop(0) if self.script else {}

    def view(self) -> dict[str, Any]:
        with self.lock:
            return {"trades": [asdict(t) for t in self.trades.values()]}

    def bill_lines(self, day: str) -> list[dict[str, Any]]:
        """The day's trades and refunds, with the scripted disagreements applied."""
        lines: list[dict[str, Any]] = []
        with self.lock:
            for t in self.trades.values():
                if t.paid_at[:10] == day and t.state in ("SUCCESS", "REVOKED"):
                    amount = self.tweaks["amounts"].get(t.out_trade_no, t.amount_fen)
                    lines.append(
                        {"kind": "payment", "trade": t, "amount_fen": amount, "at": t.paid_at}
                    )
                for r in t.refunds.values():
                    if r.at[:10] == day and r.out_refund_no not in self.tweaks["drop_refunds"]:
                        lines.append(
                            {
                                "kind": "refund",
                                "trade": t,
                                "refund": r,
                                "amount_fen": r.amount_fen,
                                "at": r.at,
                            }
                        )
            for extra in self.tweaks["extra"]:
                fake = Trade(
                    extra["trade_no"],
                    int(extra["amount_fen"]),
                    "SUCCESS",
                    provider_trade_no="X" + secrets.token_hex(8),
                )
                fake.paid_at = f"{day}T12:00:00"
                lines.append(
                    {
                        "kind": "payment",
                        "trade": fake,
                        "amount_fen": fake.amount_fen,
                        "at": fake.paid_at,
                    }
                )
        return lines

    def control(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        with self.lock:
            if path == "/_sandbox/script":
                self.script.append(body)
            elif path == "/_sandbox/scan":
                trade = self.trades.get(body.get("out_trade_no", ""))
                if trade is None:
                    return {"error": "no such trade"}
                trade.pay()
            elif path == "/_sandbox/bill":
                if "extra_payment" in body:
                    self.tweaks["extra"].append(body["extra_payment"])
                if "drop_refund" in body:
                    self.tweaks["drop_refunds"].append(body["drop_refund"])
                self.tweaks["amounts"].update(body.get("amount", {}))
            elif path == "/_sandbox/reset":
                self.__init__()  # type: ignore[misc]
            else:
                return {"error": "unknown control"}
            return {"ok": True}


class LostAnswer(Exception):
    """The handler closes the connection without answering (the money moved)."""


class SandboxServer:
    """A ThreadingHTTPServer on 127.0.0.1:`port` (0: any free one) in a daemon thread."""

    name = "sandbox"

    def __init__(self, port: int = 0) -> None:
        self.ledger = Ledger()
        sandbox = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:  # quiet
                pass

            def _body(self) -> bytes:
                length = int(self.headers.get("Content-Length") or 0)
                return self.rfile.read(length) if length else b""

            def _send(self, status: int, body: bytes, ctype: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                if self.path == "/_sandbox/ledger":
                    body = json.dumps(sandbox.ledger.view(), ensure_ascii=False).encode()
                    self._send(200, body, "application/json")
                    return
                self._handle(b"")

            def do_POST(self) -> None:
                raw = self._body()
                if self.path.startswith("/_sandbox/"):
                    answer = sandbox.ledger.control(self.path, json.loads(raw or b"{}"))
                    self._send(200, json.dumps(answer).encode(), "application/json")
                    return
                self._handle(raw)

            def _handle(self, raw: bytes) -> None:
                try:
                    status, body, ctype = sandbox.handle(self.command, self.path, raw)
                except LostAnswer:
                    self.close_connection = True
                    self.connection.close()
                    return
                self._send(status, body, ctype)

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        # a short poll: stop() returns in ~0.05 s instead of serve_forever's default 0.5 s
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)

    def handle(self, method: str, path: str, raw: bytes) -> tuple[int, bytes, str]:
        raise NotImplementedError

    def start(self) -> SandboxServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    # --- the faults of a code payment, shared by both wire formats ---------------------------
    def pay_code(self, out_trade_no: str, auth_code: str, amount_fen: int) -> tuple[Trade, str]:
        """(the trade, what the pay call answers: success, userpaying, unknown, refused:CODE);
        LostAnswer when the answer is to be lost. A repeated out_trade_no is never charged
        again: it answers the trade as it is."""
        with self.ledger.lock:
            trade = self.ledger.trades.get(out_trade_no)
            if trade is not None:
                trade.pay_calls += 1
                trade.calls.append(("pay", time.time()))
                return trade, "success" if trade.state == "SUCCESS" else "userpaying"
            fault = self.ledger.next_fault()
            trade = Trade(
                out_trade_no,
                amount_fen,
                "USERPAYING",
                auth_code=auth_code,
                provider_trade_no=secrets.token_hex(14),
                fault=fault,
                pay_calls=1,
            )
            self.ledger.trades[out_trade_no] = trade
            trade.calls.append(("pay", time.time()))
            kind = fault.get("fault", "")
            if kind in ("", "success"):
                trade.pay()
                return trade, "success"
            if kind in ("userpaying_then_success", "userpaying_forever"):
                return trade, "userpaying"
            if kind == "systemerror_paid":
                trade.pay()
                return trade, "unknown"
            if kind == "refused":
                trade.state = "PAYERROR"
                return trade, "refused:" + str(fault.get("code", "NOTENOUGH"))
            if kind == "lost_answer":
                trade.pay()
        if kind == "lost_answer":
            raise LostAnswer
        if kind == "timeout":
            time.sleep(float(fault.get("delay", 2.0)))
            with self.ledger.lock:
                if fault.get("paid", True):
                    trade.pay()
                return trade, "success" if trade.state == "SUCCESS" else "userpaying"
        return trade, "unknown"

    def query_trade(self, out_trade_no: str) -> Trade | None:
        with self.ledger.lock:
            trade = self.ledger.trades.get(out_trade_no)
            if trade is None:
                return None
            trade.queries += 1
            trade.calls.append(("query", time.time()))
            fault = trade.fault
            if (
                trade.state == "USERPAYING"
                and fault.get("fault") == "userpaying_then_success"
                and trade.queries >= int(fault.get("queries", 2))
            ):
                trade.pay()
            return trade

    def reverse_trade(self, out_trade_no: str) -> tuple[Trade | None, bool]:
        """(the trade, done): a scripted number of reverses fail first. A paid trade's money
        goes back (state REVOKED)."""
        with self.ledger.lock:
            trade = self.ledger.trades.get(out_trade_no)
            if trade is None:
                return None, True
            trade.reverse_calls += 1
            trade.calls.append(("reverse", time.time()))
            if trade.reverse_calls <= int(trade.fault.get("reverse_fails", 0)):
                return trade, False
            trade.state = "REVOKED"
            return trade, True

    def refund_trade(self, out_trade_no: str, out_refund_no: str, amount_fen: int) -> str:
        """'' when done (a repeated out_refund_no refunds nothing more), else an error."""
        with self.ledger.lock:
            trade = self.ledger.trades.get(out_trade_no)
            if trade is None or trade.state != "SUCCESS":
                return "TRADE_NOT_PAID"
            if out_refund_no in trade.refunds:
                return ""
            done = sum(r.amount_fen for r in trade.refunds.values())
            if done + amount_fen > trade.amount_fen:
                return "REFUND_FEE_INVALID"
            trade.refunds[out_refund_no] = Refund(
                out_refund_no, amount_fen, "SUCCESS", datetime.now().isoformat(timespec="seconds")
            )
            return ""
