"""WeChat Pay adapter: the merchant API v2 (XML over HTTPS), where payment-code pay
(付款码支付, /pay/micropay) and its reverse (/secapi/pay/reverse) live; native QR pay through
/pay/unifiedorder (trade_type NATIVE), order query and close, refund and refund query, and the
daily bill (/pay/downloadbill).

Every request is signed: `sign` over the non-empty parameters sorted by name,
`k1=v1&k2=v2...&key=<API key>`, HMAC-SHA256 (or MD5), upper-case hex; every answer with
return_code SUCCESS carries a `sign` checked the same way (an answer that fails the check is
no answer: ProviderUnreachable). /secapi/* calls (reverse, refund) present the merchant's API
client certificate (mTLS) when `cert_file`/`key_file` are configured (production needs them).

Why not the `wechatpayv3` SDK: it speaks API v3 only (JSON, RSA), which has no payment-code
pay nor reverse; one small signer for the v2 path the kiosk needs keeps one protocol.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import xml.etree.ElementTree as ET
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

import httpx

from backend_stub.payments.config import WechatConfig, read_secret
from backend_stub.payments.provider import (
    Bill,
    BillLine,
    ProviderUnreachable,
    QrOrder,
    RefundResult,
    ReverseResult,
    TradeResult,
)

log = logging.getLogger("backend_stub.payments.wechat")

# micropay err_code: the outcome is not known yet -> query (never pay again)
UNKNOWN_CODES = {"SYSTEMERROR", "BANKERROR", "USERPAYING"}
# orderquery trade_state -> ours
TRADE_STATES = {
    "SUCCESS": "success",
    "REFUND": "success",  # paid, then (partly) refunded
    "NOTPAY": "userpaying",
    "USERPAYING": "userpaying",
    "CLOSED": "closed",
    "REVOKED": "closed",
    "PAYERROR": "failed",
}
REFUND_STATES = {
    "SUCCESS": "success",
    "PROCESSING": "processing",
    "CHANGE": "failed",
    "REFUNDCLOSE": "failed",
}


def sign(params: dict[str, str], key: str, sign_type: str = "HMAC-SHA256") -> str:
    text = "&".join(f"{k}={params[k]}" for k in sorted(params) if k != "sign" and params[k] != "")
    text += f"&key={key}"
    if sign_type == "MD5":
        return hashlib.md5(text.encode()).hexdigest().upper()
    return hmac.new(key.encode(), text.encode(), hashlib.sha256).hexdigest().upper()


def to_xml(params: dict[str, str]) -> bytes:
    root = ET.Element("xml")
    for k, v in params.items():
        ET.SubElement(root, k).text = v
    return ET.tostring(root, encoding="utf-8")


def from_xml(body: bytes) -> dict[str, str]:
    root = ET.fromstring(body)
    return {child.tag: (child.text or "") for child in root}


def yuan_to_fen(text: str) -> int:
    try:
        return int((Decimal(text.strip().lstrip("`") or "0") * 100).to_integral_value())
    except InvalidOperation:
        return 0


class WechatPay:
    name = "wechat"

    def __init__(self, config: WechatConfig) -> None:
        self.config = config
        self.rules = config.rules
        self._key = read_secret(config.api_key_file, "wechat api_key_file").decode().strip()
        cert: tuple[str, str] | None = None
        if config.cert_file:
            read_secret(config.key_file, "wechat key_file")  # its mode checked
            cert = (config.cert_file, config.key_file)
        timeout = httpx.Timeout(config.rules.timeout_seconds)
        self._http = httpx.Client(base_url=config.base_url, timeout=timeout)
        self._secure = httpx.Client(base_url=config.base_url, timeout=timeout, cert=cert)

    # --- the wire ----------------------------------------------------------------------------
    def _post(self, path: str, params: dict[str, Any], *, secure: bool = False) -> dict[str, str]:
        body = self._signed(params)
        client = self._secure if secure else self._http
        try:
            resp = client.post(path, content=to_xml(body), headers={"Content-Type": "text/xml"})
        except httpx.HTTPError as exc:
            raise ProviderUnreachable(f"wechat {path}: {type(exc).__name__}") from exc
        if resp.status_code != 200:
            raise ProviderUnreachable(f"wechat {path}: HTTP {resp.status_code}")
        try:
            answer = from_xml(resp.content)
        except ET.ParseError as exc:
            raise ProviderUnreachable(f"wechat {path}: not XML") from exc
        if answer.get("return_code") != "SUCCESS":
            # a communication-level failure (bad signature, bad parameters): no business answer
            raise ProviderUnreachable(f"wechat {path}: {answer.get('return_msg', '')[:80]}")
        self._check(answer, path)
        return answer

    def _signed(self, params: dict[str, Any]) -> dict[str, str]:
        body = {k: str(v) for k, v in params.items() if v is not None}
        body |= {
            "appid": self.config.appid,
            "mch_id": self.config.mch_id,
            "nonce_str": secrets.token_hex(16),
            "sign_type": self.config.sign_type,
        }
        body["sign"] = sign(body, self._key, self.config.sign_type)
        return body

    def _check(self, answer: dict[str, str], path: str) -> None:
        sign_type = answer.get("sign_type") or self.config.sign_type
        expected = sign(answer, self._key, sign_type)
        if not hmac.compare_digest(expected, answer.get("sign", "")):
            raise ProviderUnreachable(f"wechat {path}: answer signature does not verify")

    # --- payment code ------------------------------------------------------------------------
    def pay_by_code(
        self, out_trade_no: str, auth_code: str, amount_fen: int, subject: str
    ) -> TradeResult:
        a = self._post(
            "/pay/micropay",
            {
                "body": subject[:120],
                "out_trade_no": out_trade_no,
                "total_fee": amount_fen,
                "spbill_create_ip": "127.0.0.1",
                "auth_code": auth_code,
            },
        )
        if a.get("result_code") == "SUCCESS":
            return TradeResult("success", a.get("transaction_id", ""), int(a.get("total_fee", 0)))
        code = a.get("err_code", "")
        if code == "USERPAYING":
            return TradeResult("userpaying", error_code=code)
        if code in UNKNOWN_CODES or code == "ORDERPAID":
            return TradeResult("unknown", error_code=code)
        return TradeResult("failed", error_code=code or "PAYERROR")

    def query(self, out_trade_no: str) -> TradeResult:
        a = self._post("/pay/orderquery", {"out_trade_no": out_trade_no})
        if a.get("result_code") != "SUCCESS":
            code = a.get("err_code", "")
            return TradeResult(
                "not_found" if code == "ORDERNOTEXIST" else "unknown", error_code=code
            )
        state = TRADE_STATES.get(a.get("trade_state", ""), "unknown")
        return TradeResult(
            state,  # type: ignore[arg-type]
            a.get("transaction_id", ""),
            int(a.get("total_fee") or 0),
            a.get("trade_state", ""),
        )

    def reverse(self, out_trade_no: str) -> ReverseResult:
        a = self._post("/secapi/pay/reverse", {"out_trade_no": out_trade_no}, secure=True)
        if a.get("result_code") == "SUCCESS" and a.get("recall", "N") == "N":
            return ReverseResult(True)
        code = a.get("err_code", "")
        if code == "ORDERNOTEXIST":  # it never reached them: nothing to give back
            return ReverseResult(True, error_code=code)
        return ReverseResult(
            False, retry=a.get("recall") == "Y" or code in UNKNOWN_CODES, error_code=code
        )

    # --- native QR ---------------------------------------------------------------------------
    def create_qr(self, out_trade_no: str, amount_fen: int, subject: str) -> QrOrder:
        a = self._post(
            "/pay/unifiedorder",
            {
                "body": subject[:120],
                "out_trade_no": out_trade_no,
                "total_fee": amount_fen,
                "spbill_create_ip": "127.0.0.1",
                "notify_url": "https://localhost/no-notify",  # the kiosk polls; no callback
                "trade_type": "NATIVE",
                "product_id": out_trade_no,
            },
        )
        if a.get("result_code") != "SUCCESS" or not a.get("code_url"):
            raise ProviderUnreachable(f"wechat unifiedorder: {a.get('err_code', 'no code_url')}")
        return QrOrder(a["code_url"])

    def query_qr(self, out_trade_no: str) -> TradeResult:
        return self.query(out_trade_no)

    def close(self, out_trade_no: str) -> ReverseResult:
        a = self._post("/pay/closeorder", {"out_trade_no": out_trade_no})
        if a.get("result_code") == "SUCCESS":
            return ReverseResult(True)
        code = a.get("err_code", "")
        if code in ("ORDERCLOSED", "ORDERNOTEXIST"):
            return ReverseResult(True, error_code=code)
        return ReverseResult(False, retry=code == "SYSTEMERROR", error_code=code)

    # --- refunds -----------------------------------------------------------------------------
    def refund(
        self, out_trade_no: str, out_refund_no: str, total_fen: int, refund_fen: int
    ) -> RefundResult:
        a = self._post(
            "/secapi/pay/refund",
            {
                "out_trade_no": out_trade_no,
                "out_refund_no": out_refund_no,
                "total_fee": total_fen,
                "refund_fee": refund_fen,
            },
            secure=True,
        )
        if a.get("result_code") == "SUCCESS":
            return RefundResult("processing", a.get("refund_id", ""))
        code = a.get("err_code", "")
        if code in ("SYSTEMERROR", "BIZERR_NEED_RETRY", "FREQUENCY_LIMITED"):
            return RefundResult("unknown", error_code=code)
        return RefundResult("failed", error_code=code)

    def query_refund(self, out_trade_no: str, out_refund_no: str) -> RefundResult:
        a = self._post("/pay/refundquery", {"out_refund_no": out_refund_no})
        if a.get("result_code") != "SUCCESS":
            code = a.get("err_code", "")
            return RefundResult(
                "failed" if code == "REFUNDNOTEXIST" else "unknown", error_code=code
            )
        state = REFUND_STATES.get(a.get("refund_status_0", ""), "unknown")
        return RefundResult(state, a.get("refund_id_0", ""))  # type: ignore[arg-type]

    # --- the day's bill ----------------------------------------------------------------------
    def bill(self, day: date) -> Bill:
        body = self._signed({"bill_date": day.strftime("%Y%m%d"), "bill_type": "ALL"})
        try:
            resp = self._http.post("/pay/downloadbill", content=to_xml(body))
        except httpx.HTTPError as exc:
            raise ProviderUnreachable(f"wechat downloadbill: {type(exc).__name__}") from exc
        text = resp.content.decode("utf-8", errors="replace")
        if text.lstrip().startswith("<xml>"):
            a = from_xml(resp.content)
            if "No Bill Exist" in a.get("return_msg", "") or a.get("err_code") == "20002":
                return Bill(day)
            raise ProviderUnreachable(f"wechat downloadbill: {a.get('return_msg', '')[:80]}")
        return Bill(day, parse_bill(text))


def parse_bill(text: str) -> list[BillLine]:
    """The ALL bill: a header line, then one line per trade or refund, every field prefixed with
    a backtick; then the day's totals (two lines) that are not trades."""
    lines = [ln.strip("\r") for ln in text.splitlines() if ln.strip()]
    if not lines:
        return []
    header = [h.strip().lstrip("\ufeff") for h in lines[0].split(",")]
    out: list[BillLine] = []
    for ln in lines[1:]:
        if not ln.startswith("`"):
            break  # the totals
        row = dict(zip(header, (f.strip().lstrip("`") for f in ln.split(",")), strict=False))
        state = row.get("交易状态", "")
        at = row.get("交易时间", "")
        if state == "REFUND":
            out.append(
                BillLine(
                    "refund",
                    row.get("商户订单号", ""),
                    row.get("商户退款单号", ""),
                    yuan_to_fen(row.get("退款金额", "0")),
                    REFUND_STATES.get(row.get("退款状态", ""), "unknown"),
                    at,
                )
            )
        else:
            out.append(
                BillLine(
                    "payment",
                    row.get("商户订单号", ""),
                    "",
                    yuan_to_fen(row.get("应结订单金额", "0")),
                    "success" if state == "SUCCESS" else "closed",
                    at,
                )
            )
    return out
