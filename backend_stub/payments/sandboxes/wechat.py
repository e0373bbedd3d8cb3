"""A WeChat Pay sandbox: the v2 merchant API's wire (XML bodies, `sign` checked on every
request and put on every answer, MD5 or HMAC-SHA256 with an API key made at start) on
127.0.0.1, over its own ledger; faults scripted as in sandboxes/base.py.

Paths: /pay/micropay, /pay/orderquery, /secapi/pay/reverse, /pay/unifiedorder (NATIVE),
/pay/closeorder, /secapi/pay/refund, /pay/refundquery, /pay/downloadbill.
(No mTLS here: the adapter presents a client certificate only when configured with one.)
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import xml.etree.ElementTree as ET
from typing import Any

from backend_stub.payments.sandboxes.base import SandboxServer, Trade

BILL_HEADER = (
    "交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,"
    "交易状态,付款银行,货币种类,应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,"
    "充值券退款金额,退款类型,退款状态,商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注"
)


def _sign(params: dict[str, str], key: str, sign_type: str) -> str:
    pairs = sorted((k, v) for k, v in params.items() if k != "sign" and v)
    text = "&".join(f"{k}={v}" for k, v in pairs) + "&key=" + key
    if sign_type == "MD5":
        return hashlib.md5(text.encode()).hexdigest().upper()
    return hmac.new(key.encode(), text.encode(), hashlib.sha256).hexdigest().upper()


def _xml(params: dict[str, str]) -> bytes:
    inner = "".join(f"<{k}><![CDATA[{v}]]></{k}>" for k, v in params.items())
    return f"<xml>{inner}</xml>".encode()


def _yuan(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"


class WechatSandbox(SandboxServer):
    name = "wechat"

    def __init__(self, port: int = 0) -> None:
        super().__init__(port)
        self.appid = "wx" + secrets.token_hex(8)
        self.mch_id = str(1900000000 + secrets.randbelow(99999))
        self.api_key = secrets.token_hex(16)  # 32 characters, like a real v2 API key

    def config(self, key_dir: Any) -> dict[str, str]:
        """The [wechat] section pointing at this sandbox (the key written 0600 in key_dir)."""
        from pathlib import Path

        path = Path(key_dir) / "wechat-api-v2.key"
        path.write_text(self.api_key)
        path.chmod(0o600)
        return {
            "base_url": self.url,
            "appid": self.appid,
            "mch_id": self.mch_id,
            "api_key_file": str(path),
            "sign_type": "HMAC-SHA256",
        }

    def _answer(self, params: dict[str, str], sign_type: str) -> tuple[int, bytes, str]:
        base = {
            "return_code": "SUCCESS",
            "return_msg": "OK",
            "appid": self.appid,
            "mch_id": self.mch_id,
            "nonce_str": secrets.token_hex(8),
        }
        body = base | params
        if sign_type != "MD5":
            body["sign_type"] = sign_type
        body["sign"] = _sign(body, self.api_key, sign_type)
        return 200, _xml(body), "text/xml"

    @staticmethod
    def _fail(msg: str) -> tuple[int, bytes, str]:
        return 200, _xml({"return_code": "FAIL", "return_msg": msg}), "text/xml"

    def handle(self, method: str, path: str, raw: bytes) -> tuple[int, bytes, str]:
        try:
            req = {c.tag: (c.text or "") for c in ET.fromstring(raw)}
        except ET.ParseError:
            return self._fail("XML格式错误")
        sign_type = req.get("sign_type") or "MD5"
        if not hmac.compare_digest(_sign(req, self.api_key, sign_type), req.get("sign", "")):
            return self._fail("签名错误")
        if req.get("mch_id") != self.mch_id or req.get("appid") != self.appid:
            return self._fail("mch_id参数格式错误")
        handler = {
            "/pay/micropay": self._micropay,
            "/pay/orderquery": self._orderquery,
            "/secapi/pay/reverse": self._reverse,
            "/pay/unifiedorder": self._unifiedorder,
            "/pay/closeorder": self._closeorder,
            "/secapi/pay/refund": self._refund,
            "/pay/refundquery": self._refundquery,
        }.get(path)
        if path == "/pay/downloadbill":
            return self._bill(req, sign_type)
        if handler is None:
            return 404, b"", "text/plain"
        return self._answer(handler(req), sign_type)

    @staticmethod
    def _err(code: str, des: str = "") -> dict[str, str]:
        return {"result_code": "FAIL", "err_code": code, "err_code_des": des or code}

    @staticmethod
    def _trade_fields(t: Trade) -> dict[str, str]:
        return {
            "out_trade_no": t.out_trade_no,
            "transaction_id": t.provider_trade_no,
            "total_fee": str(t.amount_fen),
            "trade_type": "MICROPAY" if t.method == "code" else "NATIVE",
            "time_end": t.paid_at.replace("-", "").replace(":", "").replace("T", ""),
        }

    def _micropay(self, req: dict[str, str]) -> dict[str, str]:
        trade, outcome = self.pay_code(
            req["out_trade_no"], req.get("auth_code", ""), int(req.get("total_fee", "0"))
        )
        if outcome == "success":
            return {"result_code": "SUCCESS"} | self._trade_fields(trade)
        if outcome == "userpaying":
            return self._err("USERPAYING", "需要用户输入支付密码")
        if outcome.startswith("refused:"):
            return self._err(outcome.split(":", 1)[1], "余额不足")
        return self._err("SYSTEMERROR", "系统超时")

    def _orderquery(self, req: dict[str, str]) -> dict[str, str]:
        trade = self.query_trade(req.get("out_trade_no", ""))
        if trade is None:
            return self._err("ORDERNOTEXIST", "此交易订单号不存在")
        state = "REFUND" if trade.state == "SUCCESS" and trade.refunds else trade.state
        if trade.method == "qr" and state == "USERPAYING":
            state = "NOTPAY"
        return {"result_code": "SUCCESS", "trade_state": state} | self._trade_fields(trade)

    def _reverse(self, req: dict[str, str]) -> dict[str, str]:
        trade, done = self.reverse_trade(req.get("out_trade_no", ""))
        if trade is None:
            return self._err("ORDERNOTEXIST", "订单不存在")
        if not done:
            return self._err("SYSTEMERROR", "系统超时") | {"recall": "Y"}
        return {"result_code": "SUCCESS", "recall": "N"}

    def _unifiedorder(self, req: dict[str, str]) -> dict[str, str]:
        out_trade_no = req["out_trade_no"]
        with self.ledger.lock:
            if out_trade_no not in self.ledger.trades:
                self.ledger.trades[out_trade_no] = Trade(
                    out_trade_no,
                    int(req.get("total_fee", "0")),
                    "USERPAYING",
                    method="qr",
                    provider_trade_no=secrets.token_hex(14),
                )
        code_url = f"weixin://wxpay/bizpayurl?pr={secrets.token_urlsafe(8)}"
        return {
            "result_code": "SUCCESS",
            "trade_type": "NATIVE",
            "code_url": code_url,
            "prepay_id": "wx" + secrets.token_hex(12),
        }

    def _closeorder(self, req: dict[str, str]) -> dict[str, str]:
        with self.ledger.lock:
            trade = self.ledger.trades.get(req.get("out_trade_no", ""))
            if trade is None:
                return self._err("ORDERNOTEXIST")
            if trade.state == "SUCCESS":
                return self._err("ORDERPAID", "订单已支付，不能发起关单")
            trade.state = "CLOSED"
        return {"result_code": "SUCCESS"}

    def _refund(self, req: dict[str, str]) -> dict[str, str]:
        problem = self.refund_trade(
            req["out_trade_no"], req["out_refund_no"], int(req.get("refund_fee", "0"))
        )
        if problem:
            return self._err(problem)
        return {
            "result_code": "SUCCESS",
            "out_trade_no": req["out_trade_no"],
            "out_refund_no": req["out_refund_no"],
            "refund_id": secrets.token_hex(14),
            "refund_fee": req.get("refund_fee", "0"),
        }

    def _refundquery(self, req: dict[str, str]) -> dict[str, str]:
        with self.ledger.lock:
            for trade in self.ledger.trades.values():
                refund = trade.refunds.get(req.get("out_refund_no", ""))
                if refund is not None:
                    return {
                        "result_code": "SUCCESS",
                        "out_trade_no": trade.out_trade_no,
                        "refund_count": "1",
                        "out_refund_no_0": refund.out_refund_no,
                        "refund_fee_0": str(refund.amount_fen),
                        "refund_status_0": refund.state,
                    }
        return self._err("REFUNDNOTEXIST", "退款订单查询失败")

    def _bill(self, req: dict[str, str], sign_type: str) -> tuple[int, bytes, str]:
        d = req.get("bill_date", "")
        day = f"{d[:4]}-{d[4:6]}-{d[6:8]}"
        lines = self.ledger.bill_lines(day)
        if not lines:
            return self._fail("No Bill Exist")
        out = [BILL_HEADER]
        for ln in lines:
            t: Trade = ln["trade"]
            refund = ln.get("refund")
            cells = [
                ln["at"].replace("T", " "),
                self.appid,
                self.mch_id,
                "0",
                "",
                t.provider_trade_no,
                t.out_trade_no,
                "oUser",
                "MICROPAY",
                "REFUND" if refund else ("SUCCESS" if t.state != "REVOKED" else "REVOKED"),
                "CFT",
                "CNY",
                _yuan(0 if refund else ln["amount_fen"]),
                "0.00",
                secrets.token_hex(8) if refund else "0",
                refund.out_refund_no if refund else "0",
                _yuan(ln["amount_fen"]) if refund else "0.00",
                "0.00",
                "ORIGINAL" if refund else "",
                refund.state if refund else "",
                "门票",
                "",
                "0.00",
                "0.60%",
                _yuan(t.amount_fen),
                _yuan(ln["amount_fen"]) if refund else "0.00",
                "",
            ]
            out.append(",".join("`" + c for c in cells))
        out.append(
            "总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额"
        )
        out.append(f"`{len(lines)},`0.00,`0.00,`0.00,`0.00,`0.00,`0.00")
        return 200, ("\n".join(out) + "\n").encode(), "text/plain; charset=utf-8"
