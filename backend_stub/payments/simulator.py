"""The demo's payment simulator behind the provider interface (demo mode and tests only).

Its answer is chosen by the payment code's last digit: 0-5 success at once; 6-7 `userpaying`,
success on the second query; 8 failed (insufficient balance); 9 `userpaying` that never
settles (the kiosk reverses it). A native QR settles when the demo's simulator route says the
customer scanned it (services.payments.simulate_qr_paid). It keeps its state in our own
payments row (`settle_after`, `polls`), so every worker process sees the same.
"""

from __future__ import annotations

from datetime import date

from backend_stub.payments.config import SIMULATOR_RULES
from backend_stub.payments.provider import (
    Bill,
    QrOrder,
    RefundResult,
    ReverseResult,
    TradeResult,
)
from backend_stub.stores import Store

NEVER = -1


def behaviour(auth_code: str) -> tuple[str, int, str]:
    """(first state, queries until success or NEVER, failure code) for a payment code."""
    last = int(auth_code[-1]) if auth_code[-1:].isdigit() else 0
    if last <= 5:
        return "success", 0, ""
    if last <= 7:
        return "userpaying", 2, ""
    if last == 8:
        return "failed", 0, "NOTENOUGH"
    return "userpaying", NEVER, ""


class Simulator:
    name = "simulator"
    rules = SIMULATOR_RULES

    def __init__(self, store: Store) -> None:
        self.store = store

    def pay_by_code(
        self, out_trade_no: str, auth_code: str, amount_fen: int, subject: str
    ) -> TradeResult:
        state, settle_after, failure = behaviour(auth_code)
        with self.store.transaction(touches=[f"trade:{out_trade_no}"]):  # one payment's row
            self.store.run(
                "UPDATE payments SET settle_after = ?, polls = 0 WHERE trade_no = ?",
                (settle_after, out_trade_no),
            )
        return TradeResult(state, f"SIM{out_trade_no}", amount_fen, failure)  # type: ignore[arg-type]

    def query(self, out_trade_no: str) -> TradeResult:
        with self.store.transaction(touches=[f"trade:{out_trade_no}"]):  # one payment's row
            row = self.store.one(
                "SELECT polls, settle_after, amount_fen FROM payments WHERE trade_no = ?",
                (out_trade_no,),
            )
            if row is None:
                return TradeResult("not_found")
            polls = row["polls"] + 1
            self.store.run(
                "UPDATE payments SET polls = ? WHERE trade_no = ?", (polls, out_trade_no)
            )
        paid = 0 < row["settle_after"] <= polls
        return TradeResult(
            "success" if paid else "userpaying", f"SIM{out_trade_no}", row["amount_fen"]
        )

    def reverse(self, out_trade_no: str) -> ReverseResult:
        return ReverseResult(True)

    def create_qr(self, out_trade_no: str, amount_fen: int, subject: str) -> QrOrder:
        return QrOrder(f"weixin://wxpay/bizpayurl?pr={out_trade_no}")

    def query_qr(self, out_trade_no: str) -> TradeResult:
        return TradeResult("userpaying")  # paid only through the demo's scan route

    def close(self, out_trade_no: str) -> ReverseResult:
        return ReverseResult(True)

    def refund(
        self, out_trade_no: str, out_refund_no: str, total_fen: int, refund_fen: int
    ) -> RefundResult:
        return RefundResult("success")

    def query_refund(self, out_trade_no: str, out_refund_no: str) -> RefundResult:
        return RefundResult("success")

    def bill(self, day: date) -> Bill:
        return Bill(day)  # no money moves: nothing to reconcile
