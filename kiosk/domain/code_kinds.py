"""What a scanned code is: a payment code, an order QR, a signed ticket, a member QR.

The text formats the kiosk prints and reads:
- payment codes (付款码): digits only. WeChat: 18 digits starting 10-15. Alipay: 16-24 digits
  starting 25-30. UnionPay: 19 digits starting 62.
- order QR:   ``KO1:<order_no>``   (the backend and OTA orders print this on their vouchers)
- member QR:  ``KM1:<member_id>``
- coupon QR:  ``KC1:<coupon code>`` (A-Z and 0-9, as typed on the keypad)
- signed ticket: ``KT1.<payload>.<signature>`` (see kiosk.domain.ticket_code)
- provisioning QR: ``kiosk-provision:?backend=<url>&kiosk=<id>&token=<credential>`` (the
  console's kiosks page, backend_stub/console/fleet.py); read by staff mode only
  (kiosk/flows/provisioning.py): `parse_provisioning`
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import parse_qs, urlsplit

ORDER_QR_PREFIX = "KO1:"
MEMBER_QR_PREFIX = "KM1:"
COUPON_QR_PREFIX = "KC1:"
TICKET_CODE_PREFIX = "KT1."
PROVISION_PREFIX = "kiosk-provision:?"
PROVISION_KIOSK_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{1,31}$")  # as the console allows
PROVISION_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,200}$")  # credentials.issue: urlsafe base64


class CodeKind(StrEnum):
    PAYMENT = "payment"
    ORDER = "order"
    TICKET = "ticket"
    MEMBER = "member"
    COUPON = "coupon"
    PROVISION = "provision"
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
    if text.startswith(COUPON_QR_PREFIX) and text[len(COUPON_QR_PREFIX) :].isalnum():
        return ScannedCode(CodeKind.COUPON, text, text[len(COUPON_QR_PREFIX) :].upper())
    if text.startswith(TICKET_CODE_PREFIX) and text.count(".") == 2:
        return ScannedCode(CodeKind.TICKET, text)
    if parse_provisioning(text) is not None:
        return ScannedCode(CodeKind.PROVISION, text)
    return ScannedCode(CodeKind.UNKNOWN, text)


@dataclass(frozen=True)
class Provisioning:
    """What a provisioning QR holds: the backend to use, this kiosk's id and its credential."""

    backend_url: str
    kiosk_id: str
    token: str = ""

    @property
    def token_masked(self) -> str:
        """The credential as a screen may show it: its first and last 4 characters."""
        return f"{self.token[:4]}…{self.token[-4:]}" if len(self.token) > 8 else "…"

    def __repr__(self) -> str:  # never the credential, in a log or a traceback
        return f"Provisioning({self.backend_url!r}, {self.kiosk_id!r}, {self.token_masked!r})"


def parse_provisioning(text: str) -> Provisioning | None:
    """The provisioning QR's backend URL (http or https, a host, no query or credentials in
    it), kiosk id and credential; None for anything else (a foreign or altered code)."""
    text = text.strip()
    if not text.startswith(PROVISION_PREFIX) or not text.isascii():
        return None
    try:
        query = parse_qs(text[len(PROVISION_PREFIX) :], strict_parsing=True)
    except ValueError:
        return None
    if set(query) != {"backend", "kiosk", "token"} or any(len(v) != 1 for v in query.values()):
        return None
    backend, kiosk_id, token = query["backend"][0], query["kiosk"][0], query["token"][0]
    try:
        url = urlsplit(backend)
        url.port  # noqa: B018  (raises on a port that is not a number)
    except ValueError:
        return None
    if url.scheme not in ("http", "https") or not url.hostname or url.username or url.password:
        return None
    if url.query or url.fragment or any(c.isspace() for c in backend):
        return None
    if not PROVISION_KIOSK_ID.match(kiosk_id) or not PROVISION_TOKEN.match(token):
        return None
    return Provisioning(backend.rstrip("/"), kiosk_id, token)
