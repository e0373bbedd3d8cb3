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
from typing import TYPE_CHECKING, Any

from backend_stub.payments.config import WechatConfig, read_secret
from backend_stub.payments.provider import (
    Bill,
    BillLine,
    QrOrder,
    RefundResult,
    ReverseResult,
    TradeResult,
)
from backend_stub.payments.signed_api import SignedApi, sign_text, yuan_to_fen

if TYPE_CHECKING:  # httpx is imported where a call is made: a backend with no provider
    import httpx  # configured never loads it

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
    text = sign_text(params) + f"&key={key}"
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


def _trade_fields(out_trade_no: str, amount_fen: int, subject: str, **more: str) -> dict[str, Any]:
    """What a payment-code pay and a native QR order both say of the trade."""
    return {
        "body": subject[:120],
        "out_trade_no": out_trade_no,
        "total_fee": amount_fen,
        "spbill_create_ip": "127.0.0.1",
    } | more


class WechatPay(SignedApi):
    name = "wechat"
    answer_format = "XML"

    def __init__(self, config: WechatConfig) -> None:
        super().__init__(config.rules, config.base_url)
        self.config = config
        self._key = read_secret(config.api_key_file, "wechat api_key_file").decode().strip()
        cert: tuple[str, str] | None = None
        if config.cert_file:
            read_secret(config.key_file, "wechat key_file")  # its mode checked
            cert = (config.cert_file, config.key_file)
        import httpx

        timeout = httpx.Timeout(config.rules.timeout_seconds)
        self._secure = httpx.Client(base_url=config.base_url, timeout=timeout, cert=cert)

    # --- the wire: a call is a path --------------------------------------------------------
    def _signed(self, call: str, params: dict[str, Any]) -> dict[str, str]:
        body = {k: str(v) for k, v in params.items() if v is not None}
        body |= {
            "appid": self.config.appid,
            "mch_id": self.config.mch_id,
            "nonce_str": secrets.token_hex(16),
            "sign_type": self.config.sign_type,
        }
        body["sign"] = sign(body, self._key, self.config.sign_type)
        return body

    def _send(self, call: str, request: dict[str, str], *, secure: bool) -> httpx.Response:
        client = self._secure if secure else self._http
        return client.post(call, content=to_xml(request), headers={"Content-Type": "text/xml"})

    def _read(self, call: str, content: bytes) -> tuple[dict[str, str], bool]:
        answer = from_xml(content)
        if answer.get("return_code") != "SUCCESS":
            # a communication-level failure (bad signature, bad parameters): no business answer
            raise self.unreachable(call, answer.get("return_msg", "")[:80])
        expected = sign(answer, self._key, answer.get("sign_type") or self.config.sign_type)
        return answer, hmac.compare_digest(expected, answer.get("sign", ""))

    # --- payment code ------------------------------------------------------------------------
    def pay_by_code(
        self, out_trade_no: str, auth_code: str, amount_fen: int, subject: str
    ) -> TradeResult:
        a = self._call(
            "/pay/micropay", _trade_fields(out_trade_no, amount_fen, subject, auth_code=auth_code)
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
        a = self._call("/pay/orderquery", {"out_trade_no": out_trade_no})
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
        a = self._call("/secapi/pay/reverse", {"out_trade_no": out_trade_no}, secure=True)
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
        a = self._call(
            "/pay/unifiedorder",
            _trade_fields(
                out_trade_no,
                amount_fen,
                subject,
                notify_url="https://localhost/no-notify",  # the kiosk polls; no callback
                trade_type="NATIVE",
                product_id=out_trade_no,
            ),
        )
        if a.get("result_code") != "SUCCESS" or not a.get("code_url"):
            raise self.unreachable("unifiedorder", a.get("err_code", "no code_url"))
        return QrOrder(a["code_url"])

    def query_qr(self, out_trade_no: str) -> TradeResult:
        return self.query(out_trade_no)

    def close(self, out_trade_no: str) -> ReverseResult:
        a = self._call("/pay/closeorder", {"out_trade_no": out_trade_no})
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
        a = self._call(
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
        a = self._call("/pay/refundquery", {"out_refund_no": out_refund_no})
        if a.get("result_code") != "SUCCESS":
            code = a.get("err_code", "")
            return RefundResult(
                "failed" if code == "REFUNDNOTEXIST" else "unknown", error_code=code
            )
        state = REFUND_STATES.get(a.get("refund_status_0", ""), "unknown")
        return RefundResult(state, a.get("refund_id_0", ""))  # type: ignore[arg-type]

    # --- the day's bill ----------------------------------------------------------------------
    def bill(self, day: date) -> Bill:
        call = "/pay/downloadbill"
        content = self._fetch(call, {"bill_date": day.strftime("%Y%m%d"), "bill_type": "ALL"})
        text = content.decode("utf-8", errors="replace")
        if text.lstrip().startswith("<xml>"):
            a = from_xml(content)
            if "No Bill Exist" in a.get("return_msg", "") or a.get("err_code") == "20002":
                return Bill(day)
            raise self.unreachable(call, a.get("return_msg", "")[:80])
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
