"""What a scanned code is: a payment code, an order QR, a signed ticket, a member QR.

The text formats the kiosk prints and reads:
- payment codes (付款码): digits only. WeChat: 18 digits starting 10-15. Alipay: 16-24 digits
  starting 25-30. UnionPay: 19 digits starting 62.
- order QR:   ``KO1:<order_no>``   (the backend and OTA orders print this on their vouchers)
- member QR:  ``KM1:<member_id>``
- signed ticket: ``KT1.<payload>.<signature>`` (see kiosk.domain.ticket_code)
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

ORDER_QR_PREFIX = "KO1:"
MEMBER_QR_PREFIX = "KM1:"
TICKET_CODE_PREFIX = "KT1."


class CodeKind(StrEnum):
    PAYMENT = "payment"
    ORDER = "order"
    TICKET = "ticket"
    MEMBER = "member"
    UNKNOWN = "unknown"


class PaymentProvider(StrEnum):
    WECHAT = "wechat"
    ALIPAY = "alipay"
    UNIONPAY = "unionpay"


@dataclass(frozen=True)
class ScannedCode:
    kind: CodeKind
    text: str
    # the order number, member id or provider, depending on kind
    value: str = ""


def payment_provider(code: str) -> PaymentProvider | None:
    """The provider a payment code belongs to, or None when it is not a valid payment code."""
    if not code.isascii() or not code.isdigit():
        return None
    head = int(code[:2]) if len(code) >= 2 else -1
    if len(code) == 18 and 10 <= head <= 15:
        return PaymentProvider.WECHAT
    if 16 <= len(code) <= 24 and 25 <= head <= 30:
        return PaymentProvider.ALIPAY
    if len(code) == 19 and head == 62:
        return PaymentProvider.UNIONPAY
    return None


def classify(text: str) -> ScannedCode:
    """Tell what a decoded code is, from its text alone."""
    text = text.strip()
    provider = payment_provider(text)
    if provider is not None:
        return ScannedCode(CodeKind.PAYMENT, text, provider.value)
    if text.startswith(ORDER_QR_PREFIX) and len(text) > len(ORDER_QR_PREFIX):
        return ScannedCode(CodeKind.ORDER, text, text[len(ORDER_QR_PREFIX) :])
    if text.startswith(MEMBER_QR_PREFIX) and len(text) > len(MEMBER_QR_PREFIX):
        return ScannedCode(CodeKind.MEMBER, text, text[len(MEMBER_QR_PREFIX) :])
    if text.startswith(TICKET_CODE_PREFIX) and text.count(".") == 2:
        return ScannedCode(CodeKind.TICKET, text)
    return ScannedCode(CodeKind.UNKNOWN, text)
