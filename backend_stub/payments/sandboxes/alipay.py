"""An Alipay sandbox: the open platform gateway's wire (form-encoded requests with
`biz_content`, RSA2 `sign` checked with the app's public key; answers
`{"<method>_response": {...}, "sign": ...}` signed with a sandbox key whose public half the
backend is given), both key pairs made at start, over its own ledger; faults as in
sandboxes/base.py. The bill: `bill_download_url` to a zip of GBK CSV files, served here.
"""

from __future__ import annotations

import base64
import csv
import io
import json
import secrets
import zipfile
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from backend_stub.payments.sandboxes.base import SandboxServer, Trade

BILL_COLUMNS = [
    "支付宝交易号",
    "商户订单号",
    "业务类型",
    "商品名称",
    "创建时间",
    "完成时间",
    "门店编号",
    "门店名称",
    "操作员",
    "终端号",
    "对方账户",
    "订单金额（元）",
    "商家实收（元）",
    "支付宝红包（元）",
    "集分宝（元）",
    "支付宝优惠（元）",
    "商家优惠（元）",
    "券核销金额（元）",
    "券名称",
    "商家红包消费金额（元）",
    "卡消费金额（元）",
    "退款批次号/请求号",
    "服务费（元）",
    "分润（元）",
    "备注",
]


def _yuan(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"


def _fen(text: str) -> int:
    whole, _, frac = text.partition(".")
    return int(whole or 0) * 100 + int((frac + "00")[:2])


def _pem_private(key: rsa.RSAPrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _pem_public(key: rsa.RSAPublicKey) -> bytes:
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


class AlipaySandbox(SandboxServer):
    name = "alipay"

    def __init__(self, port: int = 0) -> None:
        super().__init__(port)
        self.app_id = "2021" + str(secrets.randbelow(10**12)).zfill(12)
        self.app_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.alipay_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.bills: dict[str, bytes] = {}

    def config(self, key_dir: Any) -> dict[str, str]:
        """The [alipay] section pointing at this sandbox (keys written 0600 in key_dir)."""
        app = Path(key_dir) / "alipay-app-private.pem"
        pub = Path(key_dir) / "alipay-public.pem"
        app.write_bytes(_pem_private(self.app_key))
        pub.write_bytes(_pem_public(self.alipay_key.public_key()))
        app.chmod(0o600)
        pub.chmod(0o600)
        return {
            "base_url": self.url + "/gateway.do",
            "app_id": self.app_id,
            "private_key_file": str(app),
            "alipay_public_key_file": str(pub),
        }

    def _respond(self, method: str, node: dict[str, Any]) -> tuple[int, bytes, str]:
        text = json.dumps(node, ensure_ascii=False, separators=(",", ":"))
        sig = self.alipay_key.sign(text.encode(), padding.PKCS1v15(), hashes.SHA256())
        name = method.replace(".", "_") + "_response"
        body = f'{{"{name}":{text},"sign":"{base64.b64encode(sig).decode()}"}}'
        return 200, body.encode(), "application/json;charset=utf-8"

    @staticmethod
    def _biz_fail(code: str, sub: str, msg: str = "Business Failed") -> dict[str, Any]:
        return {"code": code, "msg": msg, "sub_code": sub, "sub_msg": sub}

    def handle(self, method: str, path: str, raw: bytes) -> tuple[int, bytes, str]:
        if method == "GET" and path.startswith("/_bill/"):
            content = self.bills.get(path.rsplit("/", 1)[-1])
            return (200, content, "application/zip") if content else (404, b"", "text/plain")
        if path != "/gateway.do":
            return 404, b"", "text/plain"
        form = {k: v[0] for k, v in parse_qs(raw.decode(), keep_blank_values=True).items()}
        api = form.get("method", "")
        text = "&".join(f"{k}={form[k]}" for k in sorted(form) if k != "sign" and form[k])
        try:
            self.app_key.public_key().verify(
                base64.b64decode(form.get("sign", "")),
                text.encode(),
                padding.PKCS1v15(),
                hashes.SHA256(),
            )
        except (InvalidSignature, ValueError):
            return self._respond(
                api,
                {"code": "40002", "msg": "Invalid Arguments", "sub_code": "isv.invalid-signature"},
            )
        if form.get("app_id") != self.app_id:
            return self._respond(
                api, {"code": "40002", "msg": "Invalid Arguments", "sub_code": "isv.invalid-app-id"}
            )
        biz = json.loads(form.get("biz_content") or "{}")
        handler = {
            "alipay.trade.pay": self._pay,
            "alipay.trade.query": self._query,
            "alipay.trade.cancel": self._cancel,
            "alipay.trade.precreate": self._precreate,
            "alipay.trade.close": self._close,
            "alipay.trade.refund": self._refund,
            "alipay.trade.fastpay.refund.query": self._refund_query,
            "alipay.data.dataservice.bill.downloadurl.query": self._bill,
        }.get(api)
        if handler is None:
            return self._respond(
                api, {"code": "40004", "msg": "Business Failed", "sub_code": "isv.invalid-method"}
            )
        return self._respond(api, handler(biz))

    @staticmethod
    def _trade_node(t: Trade) -> dict[str, Any]:
        status = {
            "SUCCESS": "TRADE_SUCCESS",
            "USERPAYING": "WAIT_BUYER_PAY",
            "NOTPAY": "WAIT_BUYER_PAY",
        }.get(t.state, "TRADE_CLOSED")
        return {
            "code": "10000",
            "msg": "Success",
            "out_trade_no": t.out_trade_no,
            "trade_no": t.provider_trade_no,
            "trade_status": status,
            "total_amount": _yuan(t.amount_fen),
        }

    def _pay(self, biz: dict[str, Any]) -> dict[str, Any]:
        trade, outcome = self.pay_code(
            biz["out_trade_no"], biz.get("auth_code", ""), _fen(biz.get("total_amount", "0"))
        )
        node = self._trade_node(trade)
        node.pop("trade_status")
        if outcome == "success":
            return node
        if outcome == "userpaying":
            return node | {"code": "10003", "msg": " order success pay inprocess"}
        if outcome.startswith("refused:"):
            code = outcome.split(":", 1)[1]
            sub = "ACQ.BUYER_BALANCE_NOT_ENOUGH" if code == "NOTENOUGH" else code
            return self._biz_fail("40004", sub)
        return {
            "code": "20000",
            "msg": "Service Currently Unavailable",
            "sub_code": "aop.unknow-error",
        }

    def _query(self, biz: dict[str, Any]) -> dict[str, Any]:
        trade = self.query_trade(biz.get("out_trade_no", ""))
        if trade is None or (trade.method == "qr" and trade.state == "NOTPAY"):
            return self._biz_fail("40004", "ACQ.TRADE_NOT_EXIST")
        return self._trade_node(trade)

    def _cancel(self, biz: dict[str, Any]) -> dict[str, Any]:
        out_trade_no = biz.get("out_trade_no", "")
        with self.ledger.lock:
            paid = (t := self.ledger.trades.get(out_trade_no)) is not None and t.state == "SUCCESS"
        trade, done = self.reverse_trade(out_trade_no)
        if trade is None:
            return self._biz_fail("40004", "ACQ.TRADE_NOT_EXIST")
        if not done:
            return {
                "code": "10000",
                "msg": "Success",
                "out_trade_no": out_trade_no,
                "retry_flag": "Y",
            }
        return {
            "code": "10000",
            "msg": "Success",
            "out_trade_no": out_trade_no,
            "trade_no": trade.provider_trade_no,
            "retry_flag": "N",
            "action": "refund" if paid else "close",
        }

    def _precreate(self, biz: dict[str, Any]) -> dict[str, Any]:
        out_trade_no = biz["out_trade_no"]
        with self.ledger.lock:
            if out_trade_no not in self.ledger.trades:
                self.ledger.trades[out_trade_no] = Trade(
                    out_trade_no,
                    _fen(biz.get("total_amount", "0")),
                    "NOTPAY",
                    method="qr",
                    provider_trade_no=secrets.token_hex(14),
                )
        return {
            "code": "10000",
            "msg": "Success",
            "out_trade_no": out_trade_no,
            "qr_code": f"https://qr.alipay.com/{secrets.token_urlsafe(12)}",
        }

    def _close(self, biz: dict[str, Any]) -> dict[str, Any]:
        with self.ledger.lock:
            trade = self.ledger.trades.get(biz.get("out_trade_no", ""))
            if trade is None:
                return self._biz_fail("40004", "ACQ.TRADE_NOT_EXIST")
            if trade.state == "SUCCESS":
                return self._biz_fail("40004", "ACQ.TRADE_STATUS_ERROR")
            trade.state = "CLOSED"
        return {"code": "10000", "msg": "Success", "out_trade_no": trade.out_trade_no}

    def _refund(self, biz: dict[str, Any]) -> dict[str, Any]:
        problem = self.refund_trade(
            biz["out_trade_no"], biz.get("out_request_no", ""), _fen(biz.get("refund_amount", "0"))
        )
        if problem:
            sub = (
                "ACQ.TRADE_STATUS_ERROR"
                if problem == "TRADE_NOT_PAID"
                else "ACQ.REFUND_AMT_NOT_EQUAL_TOTAL"
            )
            return self._biz_fail("40004", sub)
        return {
            "code": "10000",
            "msg": "Success",
            "out_trade_no": biz["out_trade_no"],
            "refund_fee": biz.get("refund_amount"),
            "fund_change": "Y",
        }

    def _refund_query(self, biz: dict[str, Any]) -> dict[str, Any]:
        with self.ledger.lock:
            trade = self.ledger.trades.get(biz.get("out_trade_no", ""))
            refund = trade.refunds.get(biz.get("out_request_no", "")) if trade else None
        if refund is None:
            return {"code": "10000", "msg": "Success"}  # Alipay: no refund -> no refund_status
        return {
            "code": "10000",
            "msg": "Success",
            "out_request_no": refund.out_refund_no,
            "refund_amount": _yuan(refund.amount_fen),
            "refund_status": "REFUND_SUCCESS",
        }

    def _bill(self, biz: dict[str, Any]) -> dict[str, Any]:
        day = biz.get("bill_date", "")
        lines = self.ledger.bill_lines(day)
        if not lines:
            return self._biz_fail("40004", "isp.bill_not_exist")
        out = io.StringIO()
        out.write(f"#支付宝业务明细查询\n#账号：[{self.app_id}]\n#起始日期：[{day} 00:00:00]\n")
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(BILL_COLUMNS)
        for ln in lines:
            t: Trade = ln["trade"]
            refund = ln.get("refund")
            amount = ("-" if refund else "") + _yuan(ln["amount_fen"])
            row = {c: "" for c in BILL_COLUMNS} | {
                "支付宝交易号": t.provider_trade_no,
                "商户订单号": t.out_trade_no,
                "业务类型": "退款" if refund else "交易",
                "商品名称": "门票",
                "创建时间": ln["at"].replace("T", " "),
                "完成时间": ln["at"].replace("T", " "),
                "订单金额（元）": amount,
                "商家实收（元）": amount,
                "退款批次号/请求号": refund.out_refund_no if refund else "",
            }
            writer.writerow([row[c] for c in BILL_COLUMNS])
        out.write("#-----------------------------------------业务明细列表结束\n")
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as z:
            z.writestr(f"{self.app_id}_{day}_业务明细.csv", out.getvalue().encode("gbk"))
            z.writestr(f"{self.app_id}_{day}_业务明细(汇总).csv", "#汇总\n".encode("gbk"))
        token = secrets.token_urlsafe(12)
        self.bills[token] = buf.getvalue()
        return {"code": "10000", "msg": "Success", "bill_download_url": f"{self.url}/_bill/{token}"}
