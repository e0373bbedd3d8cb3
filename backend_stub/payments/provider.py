"""The one interface every payment provider implements (WeChat Pay, Alipay, the demo
simulator) and the results it answers with.

Amounts are integer fen. `out_trade_no` is our trade number (payments.trade_no): the same one
on every retry of a payment, so a provider never charges twice for it. A call that gets no
answer (a timeout, a lost connection, a garbled or unsigned reply) raises `ProviderUnreachable`;
the caller treats the outcome as unknown and asks again with a query, never by paying again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Literal, Protocol

from backend_stub.payments.config import ProviderRules

# what a payment is at the provider, in our words
TradeState = Literal[
    "success",  # paid (also: paid and later refunded in part or whole)
    "userpaying",  # waiting for the customer (PIN on the phone, or the QR not yet paid)
    "failed",  # refused for good (insufficient balance, expired code...)
    "closed",  # closed or reversed: no money taken (or given back)
    "not_found",  # the provider has no such trade
    "unknown",  # the provider could not say (SYSTEMERROR, BANKERROR, 20000)
]
RefundState = Literal["success", "processing", "failed", "unknown"]


class ProviderUnreachable(Exception):
    """No usable answer: timeout, connection lost, not a well-formed signed reply."""


@dataclass(frozen=True)
class TradeResult:
    state: TradeState
    provider_trade_no: str = ""  # WeChat transaction_id / Alipay trade_no
    amount_fen: int = 0
    error_code: str = ""  # the provider's own code (USERPAYING, ACQ.TRADE_NOT_EXIST...)


@dataclass(frozen=True)
class ReverseResult:
    done: bool  # the trade is closed or its money given back
    retry: bool = False  # not done yet: ask again later (recall=Y, retry_flag=Y, SYSTEMERROR)
    error_code: str = ""


@dataclass(frozen=True)
class QrOrder:
    code_url: str  # what the screen shows as a QR


@dataclass(frozen=True)
class RefundResult:
    state: RefundState
    provider_refund_no: str = ""
    error_code: str = ""


@dataclass(frozen=True)
class BillLine:
    """One line of a provider's daily bill: a payment or a refund."""

    kind: Literal["payment", "refund"]
    trade_no: str  # our out_trade_no
    refund_no: str  # our out_refund_no ("" for a payment)
    amount_fen: int  # positive
    state: str  # payment: success, closed; refund: success, processing, failed
    at: str = ""


@dataclass(frozen=True)
class Bill:
    day: date
    lines: list[BillLine] = field(default_factory=list)


class PaymentProvider(Protocol):
    name: str  # "wechat", "alipay", "simulator"
    rules: ProviderRules

    def pay_by_code(
        self, out_trade_no: str, auth_code: str, amount_fen: int, subject: str
    ) -> TradeResult: ...

    def query(self, out_trade_no: str) -> TradeResult: ...

    def reverse(self, out_trade_no: str) -> ReverseResult: ...

    def create_qr(self, out_trade_no: str, amount_fen: int, subject: str) -> QrOrder: ...

    def query_qr(self, out_trade_no: str) -> TradeResult: ...

    def close(self, out_trade_no: str) -> ReverseResult: ...

    def refund(
        self, out_trade_no: str, out_refund_no: str, total_fen: int, refund_fen: int
    ) -> RefundResult: ...

    def query_refund(self, out_trade_no: str, out_refund_no: str) -> RefundResult: ...

    def bill(self, day: date) -> Bill: ...
