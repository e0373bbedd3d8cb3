"""Alipay adapter: the open platform gateway (one URL, `method=` names the call), form-encoded
requests with the business fields in `biz_content` (JSON), RSA2 signatures both ways.

Request: `sign` = base64(SHA256withRSA(app private key, the parameters except `sign`, sorted by
name, `k=v&k=v`)). Answer: `{"alipay_trade_pay_response": {...}, "sign": "..."}`; the signature
covers the exact text of the `..._response` object and is checked with Alipay's public key (an
answer that fails is no answer: ProviderUnreachable).

Calls: alipay.trade.pay (scene bar_code), alipay.trade.query, alipay.trade.cancel,
alipay.trade.precreate (the QR), alipay.trade.close, alipay.trade.refund,
alipay.trade.fastpay.refund.query, alipay.data.dataservice.bill.downloadurl.query (then the bill:
a zip of CSV files in GBK). Codes: 10000 success, 10003 waiting for the customer, 20000 unknown
(ask again), 40004 refused (`sub_code` ACQ.*).

Why `cryptography` and not `python-alipay-sdk`: the backend already depends on it; the SDK
pulls pycryptodomex, hides the HTTP client (no per-call timeout of ours, no base-URL change
without reaching into it) and the signing is some 20 lines.
"""

from __future__ import annotations

import base64
import csv
import io
import json
import logging
import zipfile
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from backend_stub.payments.config import AlipayConfig, read_secret
from backend_stub.payments.provider import (
    Bill,
    BillLine,
    QrOrder,
    RefundResult,
    ReverseResult,
    TradeResult,
)
from backend_stub.payments.signed_api import SignedApi, fen_to_yuan, sign_text, yuan_to_fen

if TYPE_CHECKING:  # httpx is imported where a call is made: a backend with no provider
    import httpx  # configured never loads it

log = logging.getLogger("backend_stub.payments.alipay")

TRADE_STATES = {
    "WAIT_BUYER_PAY": "userpaying",
    "TRADE_SUCCESS": "success",
    "TRADE_FINISHED": "success",
    "TRADE_CLOSED": "closed",
}
UNKNOWN_SUB_CODES = {"ACQ.SYSTEM_ERROR", "AQC.SYSTEM_ERROR"}


def rsa2_sign(key: rsa.RSAPrivateKey, text: str) -> str:
    sig = key.sign(text.encode(), padding.PKCS1v15(), hashes.SHA256())
    return base64.b64encode(sig).decode()


def rsa2_verify(key: rsa.RSAPublicKey, text: str, signature: str) -> bool:
    try:
        key.verify(base64.b64decode(signature), text.encode(), padding.PKCS1v15(), hashes.SHA256())
    except (InvalidSignature, ValueError):
        return False
    return True


def signed_part(raw: str, node: str) -> tuple[str, dict[str, Any]]:
    """The exact text of `"<node>": {...}` in the answer (what Alipay signed) and its value."""
    key = f'"{node}"'
    at = raw.find(key)
    if at < 0:
        raise ValueError(f"no {node} in the answer")
    start = raw.index(":", at + len(key)) + 1
    while raw[start] in " \t\r\n":
        start += 1
    value, end = json.JSONDecoder().raw_decode(raw, start)
    return raw[start:end], value


def load_private_key(data: bytes) -> rsa.RSAPrivateKey:
    key = serialization.load_pem_private_key(data, password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    return key


def load_public_key(data: bytes) -> rsa.RSAPublicKey:
    key = serialization.load_pem_public_key(data)
    assert isinstance(key, rsa.RSAPublicKey)
    return key


class Alipay(SignedApi):
    name = "alipay"
    answer_format = "JSON"

    def __init__(self, config: AlipayConfig) -> None:
        super().__init__(config.rules)
        self.config = config
        self._private = load_private_key(
            read_secret(config.private_key_file, "alipay private_key_file")
        )
        self._public = load_public_key(
            read_secret(config.alipay_public_key_file, "alipay alipay_public_key_file")
        )

    # --- the wire: a call is a `method` at the one gateway URL ---------------------------------
    def _signed(self, call: str, params: dict[str, Any]) -> dict[str, str]:
        request = {
            "app_id": self.config.app_id,
            "method": call,
            "format": "JSON",
            "charset": "utf-8",
            "sign_type": "RSA2",
            "timestamp": datetime.now().strftime("%Y-%m-%d %H:%M:%S"),
            "version": "1.0",
            "biz_content": json.dumps(params, ensure_ascii=False, separators=(",", ":")),
        }
        request["sign"] = rsa2_sign(self._private, sign_text(request))
        return request

    def _send(self, call: str, request: dict[str, str], *, secure: bool) -> httpx.Response:
        return self._http.post(self.config.base_url, data=request)

    def _read(self, call: str, content: bytes) -> tuple[dict[str, Any], bool]:
        raw = content.decode("utf-8", errors="replace")
        text, answer = signed_part(raw, call.replace(".", "_") + "_response")
        return answer, rsa2_verify(self._public, text, json.loads(raw).get("sign", ""))

    @staticmethod
    def _trade(a: dict[str, Any]) -> TradeResult:
        code = a.get("code")
        if code == "10000":
            state = TRADE_STATES.get(a.get("trade_status", "TRADE_SUCCESS"), "unknown")
            amount = yuan_to_fen(a.get("total_amount"))
            return TradeResult(state, a.get("trade_no", ""), amount, a.get("trade_status", ""))  # type: ignore[arg-type]
        if code == "10003":
            return TradeResult("userpaying", error_code="10003")
        sub = a.get("sub_code", "")
        if code == "20000" or sub in UNKNOWN_SUB_CODES:
            return TradeResult("unknown", error_code=sub or str(code))
        if sub == "ACQ.TRADE_NOT_EXIST":
            return TradeResult("not_found", error_code=sub)
        return TradeResult("failed", error_code=sub or str(code))

    def pay_by_code(
        self, out_trade_no: str, auth_code: str, amount_fen: int, subject: str
    ) -> TradeResult:
        a = self._call(
            "alipay.trade.pay",
            {
                "out_trade_no": out_trade_no,
                "scene": "bar_code",
                "auth_code": auth_code,
                "subject": subject[:128],
                "total_amount": fen_to_yuan(amount_fen),
            },
        )
        result = self._trade(a)
        if a.get("code") == "10000":  # pay answers 10000 only when paid
            return TradeResult("success", a.get("trade_no", ""), yuan_to_fen(a.get("total_amount")))
        return result

    def query(self, out_trade_no: str) -> TradeResult:
        return self._trade(self._call("alipay.trade.query", {"out_trade_no": out_trade_no}))

    def reverse(self, out_trade_no: str) -> ReverseResult:
        a = self._call("alipay.trade.cancel", {"out_trade_no": out_trade_no})
        if a.get("code") == "10000" and a.get("retry_flag", "N") == "N":
            return ReverseResult(True, error_code=a.get("action", ""))
        sub = a.get("sub_code", "")
        if sub == "ACQ.TRADE_NOT_EXIST":
            return ReverseResult(True, error_code=sub)
        retry = a.get("retry_flag") == "Y" or a.get("code") == "20000" or sub in UNKNOWN_SUB_CODES
        return ReverseResult(False, retry=retry, error_code=sub or str(a.get("code")))

    def create_qr(self, out_trade_no: str, amount_fen: int, subject: str) -> QrOrder:
        a = self._call(
            "alipay.trade.precreate",
            {
                "out_trade_no": out_trade_no,
                "subject": subject[:128],
                "total_amount": fen_to_yuan(amount_fen),
            },
        )
        if a.get("code") != "10000" or not a.get("qr_code"):
            raise self.unreachable("precreate", str(a.get("sub_code", a.get("code"))))
        return QrOrder(a["qr_code"])

    def query_qr(self, out_trade_no: str) -> TradeResult:
        result = self.query(out_trade_no)
        # a precreated order nobody scanned yet does not exist at Alipay: still waiting
        return TradeResult("userpaying") if result.state == "not_found" else result

    def close(self, out_trade_no: str) -> ReverseResult:
        a = self._call("alipay.trade.close", {"out_trade_no": out_trade_no})
        sub = a.get("sub_code", "")
        if a.get("code") == "10000" or sub == "ACQ.TRADE_NOT_EXIST":
            return ReverseResult(True, error_code=sub)
        return ReverseResult(False, retry=a.get("code") == "20000", error_code=sub)

    def refund(
        self, out_trade_no: str, out_refund_no: str, total_fen: int, refund_fen: int
    ) -> RefundResult:
        a = self._call(
            "alipay.trade.refund",
            {
                "out_trade_no": out_trade_no,
                "out_request_no": out_refund_no,
                "refund_amount": fen_to_yuan(refund_fen),
            },
        )
        if a.get("code") == "10000":
            return RefundResult("success" if a.get("fund_change") == "Y" else "processing")
        sub = a.get("sub_code", "")
        if a.get("code") == "20000" or sub in UNKNOWN_SUB_CODES:
            return RefundResult("unknown", error_code=sub)
        return RefundResult("failed", error_code=sub)

    def query_refund(self, out_trade_no: str, out_refund_no: str) -> RefundResult:
        a = self._call(
            "alipay.trade.fastpay.refund.query",
            {"out_trade_no": out_trade_no, "out_request_no": out_refund_no},
        )
        if a.get("code") != "10000":
            return RefundResult("unknown", error_code=a.get("sub_code", ""))
        if a.get("refund_status") == "REFUND_SUCCESS":
            return RefundResult("success")
        # 10000 without refund_status (or none at all): the refund was not accepted
        return RefundResult("failed" if not a.get("refund_amount") else "processing")

    def bill(self, day: date) -> Bill:
        a = self._call(
            "alipay.data.dataservice.bill.downloadurl.query",
            {"bill_type": "trade", "bill_date": day.isoformat()},
        )
        if a.get("code") != "10000":
            if a.get("sub_code") == "isp.bill_not_exist":
                return Bill(day)
            raise self.unreachable("bill", str(a.get("sub_code", a.get("code"))))
        url = a["bill_download_url"]
        return Bill(
            day, parse_bill_zip(self._exchange("bill download", lambda: self._http.get(url)))
        )


def parse_bill_zip(content: bytes) -> list[BillLine]:
    """The trade bill: a zip holding the detail CSV (GBK; `#` comment lines around the table;
    refunds are lines of 业务类型 退款 with negative amounts and the refund request number)."""
    out: list[BillLine] = []
    with zipfile.ZipFile(io.BytesIO(content)) as z:
        for name in z.namelist():
            if "汇总" in name:  # the summary file
                continue
            text = z.read(name).decode("gbk", errors="replace")
            rows = [ln for ln in text.splitlines() if ln.strip() and not ln.startswith("#")]
            for row in csv.DictReader(rows):
                row = {k.strip(): (v or "").strip() for k, v in row.items() if k}
                trade_no = row.get("商户订单号", "")
                if not trade_no:
                    continue
                amount = yuan_to_fen(row.get("订单金额（元）"))
                if row.get("业务类型") == "退款":
                    refund_no = row.get("退款批次号/请求号", "")
                    out.append(
                        BillLine(
                            "refund",
                            trade_no,
                            refund_no,
                            amount,
                            "success",
                            row.get("完成时间", ""),
                        )
                    )
                else:
                    out.append(
                        BillLine(
                            "payment", trade_no, "", amount, "success", row.get("完成时间", "")
                        )
                    )
    return out
