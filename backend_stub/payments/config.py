"""Which payment providers the backend uses and the rules' numbers, from one TOML file
(`kiosk backend --payments-config FILE`; docs/payments.md).

    qr_provider = "wechat"            # who makes the native QR (default: the first configured)
    [wechat]
    base_url = "https://api.mch.weixin.qq.com"
    appid = "wx..."
    mch_id = "190000..."
    api_key_file = "/etc/kiosk/payments/wechat-api-v2.key"   # the v2 API key (32 chars)
    cert_file = "/etc/kiosk/payments/apiclient_cert.pem"      # mTLS for /secapi (reverse, refund)
    key_file = "/etc/kiosk/payments/apiclient_key.pem"
    sign_type = "HMAC-SHA256"                                 # or MD5
    [alipay]
    base_url = "https://openapi.alipay.com/gateway.do"
    app_id = "2021..."
    private_key_file = "/etc/kiosk/payments/alipay-app-private.pem"
    alipay_public_key_file = "/etc/kiosk/payments/alipay-public.pem"
    [wechat.rules]                                            # optional: the defaults below
    query_interval_seconds = 5

Secrets (API key, private keys) live in files readable only by the backend's user: a file
whose mode lets group or others read it is refused (keyfiles.check_key_file), as the ticket
signing keys are. Their contents are never logged nor put in an exception's message.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from backend_stub.keyfiles import KeyFileError, check_key_file


@dataclass(frozen=True)
class ProviderRules:
    """The provider's documented rules for a payment-code payment."""

    query_interval_seconds: float  # query a USERPAYING/unknown payment this often
    give_up_seconds: float  # after this long unpaid (from the first call): reverse it
    reverse_not_before_seconds: float  # no reverse earlier than this after the payment call
    reverse_retry_seconds: float  # a reverse that must be retried: again after this long
    reverse_retries: int  # ... this many times, then every reverse_retry_seconds * 6 (alert)
    timeout_seconds: float = 10.0  # one HTTP call
    refund_retry_seconds: float = 30.0  # a refund that got no answer: asked again after


# WeChat Pay (付款码支付 developer guide): query every 5-10 s after USERPAYING; give up at 45 s;
# "调用支付接口后请勿立即调用撤销订单API，建议支付后至少15s后再调用撤销订单接口"; a reverse
# answering recall=Y must be called again.
WECHAT_RULES = ProviderRules(
    query_interval_seconds=5.0,
    give_up_seconds=45.0,
    reverse_not_before_seconds=15.0,
    reverse_retry_seconds=10.0,
    reverse_retries=5,
)
# Alipay (当面付 条码支付): 10003 -> query every 3-5 s, about 30 s in all, then
# alipay.trade.cancel; retry_flag=Y -> cancel again.
ALIPAY_RULES = ProviderRules(
    query_interval_seconds=3.0,
    give_up_seconds=30.0,
    reverse_not_before_seconds=0.0,
    reverse_retry_seconds=5.0,
    reverse_retries=5,
)
# the demo simulator: every poll asks it; the kiosk decides when to cancel
SIMULATOR_RULES = ProviderRules(
    query_interval_seconds=0.0,
    give_up_seconds=0.0,  # 0: never by itself
    reverse_not_before_seconds=0.0,
    reverse_retry_seconds=0.0,
    reverse_retries=0,
    refund_retry_seconds=0.0,
)


class PaymentsConfigError(ValueError):
    """A payments config that cannot be used: says which setting and why (never a secret)."""


def read_secret(path: str, what: str) -> bytes:
    """A secret file's bytes; refused when missing or readable by others than its owner."""
    if not path:
        raise PaymentsConfigError(f"{what}: no file given")
    p = Path(path)
    try:
        check_key_file(p)
        return p.read_bytes()
    except FileNotFoundError as exc:
        raise PaymentsConfigError(f"{what}: {p} does not exist") from exc
    except KeyFileError as exc:
        raise PaymentsConfigError(f"{what}: {exc}") from exc


@dataclass(frozen=True)
class WechatConfig:
    base_url: str
    appid: str
    mch_id: str
    api_key_file: str
    cert_file: str = ""  # the merchant's API client certificate (mTLS on /secapi/*)
    key_file: str = ""
    sign_type: str = "HMAC-SHA256"
    rules: ProviderRules = WECHAT_RULES


@dataclass(frozen=True)
class AlipayConfig:
    base_url: str
    app_id: str
    private_key_file: str
    alipay_public_key_file: str
    rules: ProviderRules = ALIPAY_RULES


@dataclass(frozen=True)
class PaymentsConfig:
    wechat: WechatConfig | None = None
    alipay: AlipayConfig | None = None
    qr_provider: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def qr(self) -> str:
        if self.qr_provider:
            return self.qr_provider
        return "wechat" if self.wechat else "alipay"


def _rules(base: ProviderRules, table: dict[str, Any], where: str) -> ProviderRules:
    names = {f.name for f in fields(ProviderRules)}
    unknown = set(table) - names
    if unknown:
        raise PaymentsConfigError(f"[{where}.rules]: unknown {', '.join(sorted(unknown))}")
    return replace(base, **table)


def _section(cls: type, table: dict[str, Any], where: str, rules: ProviderRules) -> Any:
    table = dict(table)
    rule_table = table.pop("rules", {})
    names = {f.name for f in fields(cls)} - {"rules"}
    unknown = set(table) - names
    if unknown:
        raise PaymentsConfigError(f"[{where}]: unknown {', '.join(sorted(unknown))}")
    try:
        return cls(**table, rules=_rules(rules, rule_table, where))
    except TypeError as exc:
        raise PaymentsConfigError(f"[{where}]: {exc}") from exc


def parse_config(data: dict[str, Any]) -> PaymentsConfig:
    wechat = alipay = None
    if "wechat" in data:
        wechat = _section(WechatConfig, data["wechat"], "wechat", WECHAT_RULES)
    if "alipay" in data:
        alipay = _section(AlipayConfig, data["alipay"], "alipay", ALIPAY_RULES)
    qr = str(data.get("qr_provider", ""))
    if qr and qr not in {"wechat", "alipay"} | ({"wechat"} if wechat else set()):
        raise PaymentsConfigError(f"qr_provider: {qr!r} is not wechat or alipay")
    if qr and data.get(qr) is None:
        raise PaymentsConfigError(f"qr_provider: {qr} has no [{qr}] section")
    if wechat is None and alipay is None:
        raise PaymentsConfigError("no [wechat] nor [alipay] section")
    return PaymentsConfig(wechat=wechat, alipay=alipay, qr_provider=qr)


def load_config(path: str | Path) -> PaymentsConfig:
    try:
        data = tomllib.loads(Path(path).read_text())
    except FileNotFoundError as exc:
        raise PaymentsConfigError(f"payments config {path} does not exist") from exc
    except tomllib.TOMLDecodeError as exc:
        raise PaymentsConfigError(f"payments config {path}: {exc}") from exc
    return parse_config(data)
