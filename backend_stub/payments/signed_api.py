"""What the WeChat Pay and Alipay adapters share: the request/sign/verify skeleton of a call
(sign our request, POST it, read the answer, check its signature), the one place a call that
gets no usable answer becomes `ProviderUnreachable`, and the text both sign schemes start from.

Each adapter (wechat.py, alipay.py) keeps what differs: its fields, its signing scheme, its wire
format (XML to a path / a form to one gateway URL) and how its answer carries the signature.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from backend_stub.payments.config import ProviderRules
from backend_stub.payments.provider import ProviderUnreachable

if TYPE_CHECKING:  # httpx is imported where a call is made: a backend with no provider
    import httpx  # configured never loads it


def sign_text(params: dict[str, str]) -> str:
    """`k1=v1&k2=v2...`: the non-empty parameters but `sign`, sorted by name (both providers
    sign this text, each in its own way)."""
    return "&".join(f"{k}={params[k]}" for k in sorted(params) if k != "sign" and params[k] != "")


def fen_to_yuan(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"


def yuan_to_fen(text: str | None) -> int:
    """A provider's amount in yuan ("12.30"; a bill's "`12.30"; a refund's "-12.30") as fen;
    0 when empty or not a number."""
    try:
        return int((Decimal((text or "").strip().lstrip("`-") or "0") * 100).to_integral_value())
    except InvalidOperation:
        return 0


class SignedApi(ABC):
    """A provider's signed API: `_call` signs, sends, reads and verifies; the subclass says how
    (`_signed`, `_send`, `_read`)."""

    name: str
    answer_format: str  # what a well-formed answer is: "XML", "JSON"

    def __init__(self, rules: ProviderRules, base_url: str = "") -> None:
        import httpx

        self.rules = rules
        self._http = httpx.Client(base_url=base_url, timeout=httpx.Timeout(rules.timeout_seconds))

    @abstractmethod
    def _signed(self, call: str, params: dict[str, Any]) -> dict[str, str]:
        """The request's parameters: `params` with the provider's own fields and `sign`."""

    @abstractmethod
    def _send(self, call: str, request: dict[str, str], *, secure: bool) -> httpx.Response:
        """POST the signed request (`secure`: with the merchant's client certificate)."""

    @abstractmethod
    def _read(self, call: str, content: bytes) -> tuple[dict[str, Any], bool]:
        """The answer's business fields and whether its signature verifies; ValueError or
        SyntaxError when it is not well formed, ProviderUnreachable when it is no answer."""

    def _call(self, call: str, params: dict[str, Any], *, secure: bool = False) -> dict[str, Any]:
        """The answer's business fields, its signature checked."""
        content = self._fetch(call, params, secure=secure)
        try:
            answer, verified = self._read(call, content)
        except (ValueError, IndexError, SyntaxError) as exc:
            raise self.unreachable(call, f"not {self.answer_format} ({exc})") from exc
        if not verified:
            raise self.unreachable(call, "answer signature does not verify")
        return answer

    def _fetch(self, call: str, params: dict[str, Any], *, secure: bool = False) -> bytes:
        """The body of the answer to the signed request (not read: a bill is no signed answer)."""
        request = self._signed(call, params)
        return self._exchange(call, lambda: self._send(call, request, secure=secure))

    def _exchange(self, call: str, send: Callable[[], httpx.Response]) -> bytes:
        """The body of a 200 answer to `send()`; ProviderUnreachable when there is none."""
        import httpx

        try:
            resp = send()
        except httpx.HTTPError as exc:
            raise self.unreachable(call, type(exc).__name__) from exc
        if resp.status_code != 200:
            raise self.unreachable(call, f"HTTP {resp.status_code}")
        return resp.content

    def unreachable(self, call: str, why: str) -> ProviderUnreachable:
        return ProviderUnreachable(f"{self.name} {call}: {why}")
