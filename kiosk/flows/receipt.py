"""The receipt slip (购物小票) of an order, built by the kiosk and printed on the ticket printer.

`receipt_slip(order, payment, config, now)` is what the slip says (zh and en): the area, the
order number, when and where it printed, one line per product and ticket type (quantity x list
price), each discount (member, coupon, points), the total, how it was paid (the wallet and its
trade number masked, or the platform the order was booked and paid on), and that it is not a
tax invoice and how to ask for one. `print_receipt(flow, order_id)` fetches the order and its
payment and prints it; a printer problem is a message (tickets are not touched: the slip is a
job of its own after them).
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from typing import Any

from kiosk.api_records import Order
from kiosk.client import BackendError
from kiosk.config import KioskConfig
from kiosk.flows.base import Flow, Msg
from peripherals.printer.protocol import ReceiptLine, ReceiptSlip
from peripherals.status import DeviceError

log = logging.getLogger("kiosk.receipt")

WALLETS = {"wechat": "微信支付 WeChat Pay", "alipay": "支付宝 Alipay",
           "unionpay": "云闪付 UnionPay", "simulator": "演示支付 Demo pay"}  # fmt: skip
CHANNELS = {"ctrip": ("携程", "Ctrip"), "meituan": ("美团", "Meituan"),
            "fliggy": ("飞猪", "Fliggy"), "miniprogram": ("小程序", "mini-program")}  # fmt: skip
NOT_AN_INVOICE = "非发票 NOT A TAX INVOICE"
HOW_TO_INVOICE = (
    "电子发票：在本机点“电子发票”，或凭订单号到游客中心申请。 "
    "E-invoice: tap E-invoice on this kiosk, or ask the visitor centre with the order number."
)
CHANNEL_INVOICE = "电子发票请向预订平台申请。 E-invoice: ask the platform you booked on."


def mask_trade_no(trade_no: str) -> str:
    """4200000123202605011234 -> 4200**************1234: enough to find it on a bill."""
    if len(trade_no) <= 8:
        return "*" * len(trade_no)
    return trade_no[:4] + "*" * (len(trade_no) - 8) + trade_no[-4:]


def _names(value: Any, fallback: str) -> tuple[str, str]:
    """A {"zh", "en"} name from the order view; the id when there is none."""
    if isinstance(value, dict) and (value.get("zh") or value.get("en")):
        return str(value.get("zh") or ""), str(value.get("en") or "")
    return str(value or fallback), ""


def bought_lines(order: Order) -> list[ReceiptLine]:
    """One line per product and ticket type, in the order's order: quantity x list price; the
    label in Chinese, then English (大门票·成人票 Admission Adult)."""
    groups: dict[tuple[str, str, int], list[Any]] = {}
    for t in order.tickets:
        raw = t.raw
        unit = int(raw.get("unit_fen") if raw.get("unit_fen") is not None else t.price_fen)
        key = (t.product_id, t.ticket_type_id, unit)
        if key not in groups:
            p_zh, p_en = _names(raw.get("product_name"), t.product_id)
            k_zh, k_en = _names(raw.get("ticket_type_name"), t.ticket_type_id)
            label = " ".join(x for x in (f"{p_zh}·{k_zh}", p_en, k_en) if x)
            groups[key] = [label, 0]
        groups[key][1] += 1
    return [
        ReceiptLine(label, unit * count, count, unit)
        for (_p, _k, unit), (label, count) in groups.items()
    ]


def discount_lines(raw: dict[str, Any]) -> list[ReceiptLine]:
    lines = []
    if int(raw.get("member_discount_fen") or 0):
        lines.append(ReceiptLine("会员折扣 Member discount", -int(raw["member_discount_fen"])))
    if int(raw.get("coupon_discount_fen") or 0):
        code = str(raw.get("coupon_code") or "")
        lines.append(ReceiptLine(f"优惠券 Coupon {code}".strip(), -int(raw["coupon_discount_fen"])))
    if int(raw.get("points_discount_fen") or 0):
        used = int(raw.get("points_used") or 0)
        lines.append(ReceiptLine(f"积分抵扣 Points {used}", -int(raw["points_discount_fen"])))
    if int(raw.get("refunded_fen") or 0):
        lines.append(ReceiptLine("已退款 Refunded", -int(raw["refunded_fen"])))
    return lines


def paid_with(order: Order, payment: dict[str, Any] | None) -> str:
    """How the order was paid, as the slip says it."""
    raw = order.raw
    if (raw.get("collected_by") or "kiosk") != "kiosk":
        channel = str(raw.get("channel") or "")
        zh, en = CHANNELS.get(channel, (channel, channel))
        return f"已在{zh}支付 Paid on {en}"
    if not payment:
        return "已支付 Paid"
    wallet = WALLETS.get(str(payment.get("provider") or ""), str(payment.get("provider") or ""))
    trade = mask_trade_no(str(payment.get("trade_no") or ""))
    return " ".join(p for p in (wallet, trade) if p)


def receipt_slip(
    order: Order, payment: dict[str, Any] | None, config: KioskConfig, now: datetime
) -> ReceiptSlip:
    """What the receipt of `order` says (nothing personal: no name, ID or phone)."""
    channel = (order.raw.get("collected_by") or "kiosk") != "kiosk"
    return ReceiptSlip(
        area_name=f"{config.area_name_zh} {config.area_name_en}",
        order_no=order.order_no,
        printed_at=now.strftime("%Y-%m-%d %H:%M"),
        kiosk_id=config.kiosk_id,
        lines=tuple(bought_lines(order) + discount_lines(order.raw)),
        total_fen=order.total_fen - int(order.raw.get("refunded_fen") or 0),
        payment=paid_with(order, payment),
        notes=(NOT_AN_INVOICE, CHANNEL_INVOICE if channel else HOW_TO_INVOICE),
    )


async def kiosk_payment(flow: Flow, order_id: str) -> dict[str, Any] | None:
    """The successful payment this kiosk took for the order (its journal knows its id)."""
    for entry in reversed(flow.ports.journal.payments_of(order_id)):
        if entry.state == "success" and entry.payment_id:
            try:
                return dict((await flow.ports.client.get_payment(order_id, entry.payment_id)).raw)
            except BackendError as exc:
                if exc.unreachable:
                    raise
                log.info("receipt: payment of %s not found (%s)", order_id, exc.code)
    return None


async def print_receipt(flow: Flow, order_id: str) -> Msg:
    """Fetch the order and its payment, print the slip; what to tell the tourist."""
    printer = flow.ports.devices.printer if flow.ports.devices else None
    if printer is None:
        return Msg("receipt.failed", {"code": "not_found", "zh": "未找到打印机",
                                      "en": "No printer"})  # fmt: skip
    order = await flow.ports.client.get_order(order_id)
    payment = await kiosk_payment(flow, order_id)
    slip = receipt_slip(order, payment, flow.ports.config, flow.ports.clock.now())
    try:
        await asyncio.to_thread(printer.print_receipt, slip)
    except DeviceError as exc:
        log.warning("receipt of %s did not print: %s", order.order_no, exc.code)
        flow.ports.journal.error(exc.code, f"receipt of order {order.order_no}: {exc}")
        key = "receipt.paper_out" if exc.code == "paper_out" else "receipt.failed"
        return Msg(key, {"code": exc.code, "zh": exc.message_zh, "en": exc.message_en})
    return Msg("receipt.printed", {"order_no": order.order_no})
