"""The console's coupons (优惠券): amount or percent off, a minimum spend, which products,
a validity window, a use limit; one shared code, or a batch of single-use codes issued at
once (`PREFIX-XXXXXX`). Each coupon shows how often it was used (services.coupon_uses).
Orders check them in services.orders (active, window, minimum, products, uses)."""

from __future__ import annotations

import re
import secrets
from datetime import datetime
from typing import Any

from backend_stub.context import Backend
from backend_stub.services.admin_forms import FormErrors, integer, local_time, text, yuan
from backend_stub.services.change_audit import audited
from kiosk.domain.errors import RuleError

CODE = re.compile(r"^[A-Z0-9][A-Z0-9_-]{2,31}$")
KINDS = ("amount", "percent")
MAX_BATCH = 500
BATCH_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I


def list_coupons(bk: Backend) -> list[dict[str, Any]]:
    """Every coupon, newest first, with how many live orders used it."""
    uses = {
        r["coupon_code"]: int(r["n"])
        for r in bk.store.all(
            "SELECT coupon_code, COUNT(*) AS n FROM orders WHERE coupon_code IS NOT NULL "
            "AND status NOT IN ('cancelled', 'expired') GROUP BY coupon_code"
        )
    }
    rows = bk.store.all("SELECT * FROM coupons ORDER BY created_at DESC, code")
    return [r | {"used": uses.get(r["code"], 0)} for r in rows]


def create_coupons(bk: Backend, actor: Any, form: dict[str, Any], now: datetime) -> list[str]:
    """One coupon (`count` 1: the form's code) or `count` single-use codes starting with the
    code as a prefix; the codes made."""
    errors = FormErrors()
    code = str(form.get("code") or "").strip().upper()
    if not CODE.match(code):
        errors.add(
            "code",
            "券码为3-32位大写字母、数字、-或_",
            "The code is 3-32 capital letters, digits, - or _",
        )
    kind = str(form.get("kind") or "")
    if kind not in KINDS:
        errors.add("kind", "请选择优惠方式", "Choose amount or percent off")
    if kind == "percent":
        value = integer(
            form, "value", errors, low=1, high=100, zh="折扣百分比", en="The percent off"
        )
    else:
        value = yuan(form, "value", errors, zh="减免金额", en="The amount off") or 0
        if value <= 0 and "value" not in errors.fields:
            errors.add("value", "减免金额须大于0", "The amount off must be more than 0")
    min_spend = (
        yuan(form, "min_spend", errors, zh="最低消费", en="The minimum spend", required=False) or 0
    )
    wanted = form.get("product_ids") or []
    wanted = [wanted] if isinstance(wanted, str) else list(wanted)
    known = {r["id"] for r in bk.store.all("SELECT id FROM products")}
    if any(p not in known for p in wanted):
        errors.add("product_ids", "请从列表中选择产品", "Choose products from the list")
    first = local_time(form, "valid_from", errors, zh="生效时间", en="The start")
    last = local_time(form, "valid_until", errors, zh="失效时间", en="The end")
    if first and last and last <= first:
        errors.add("valid_until", "失效时间须晚于生效时间", "The end must be after the start")
    limit = integer(
        form,
        "usage_limit",
        errors,
        low=0,
        high=1_000_000,
        default=0,
        zh="使用次数上限",
        en="The use limit",
    )
    count = integer(
        form, "count", errors, low=1, high=MAX_BATCH, default=1, zh="发放数量", en="How many codes"
    )
    name_zh = text(form, "name_zh", errors, max_len=64, zh="中文名称", en="The Chinese name")
    name_en = text(form, "name_en", errors, max_len=96, zh="英文名称", en="The English name")
    if count == 1 and code and bk.store.one("SELECT 1 FROM coupons WHERE code = ?", (code,)):
        errors.add("code", "该券码已存在", "That code already exists")
    errors.raise_if_any()
    if count == 1:
        codes = [code]
    else:
        codes = [
            f"{code}-" + "".join(secrets.choice(BATCH_ALPHABET) for _ in range(6))
            for _ in range(count)
        ]
        limit = 1  # a batch's codes are one use each
    row = {
        "kind": kind,
        "value": value,
        "min_spend_fen": min_spend,
        "product_ids": ",".join(dict.fromkeys(wanted)),
        "valid_from": first.isoformat() if first else None,
        "valid_until": last.isoformat() if last else None,
        "name_zh": name_zh,
        "name_en": name_en,
        "usage_limit": limit,
        "active": 1,
        "created_at": now.isoformat(),
    }
    with bk.store.transaction():
        for one in codes:
            bk.store.insert("coupons", row | {"code": one})
        audited(bk, actor, "coupon.create", f"coupon:{code}", None, row | {"codes": len(codes)})
    return codes


def set_active(bk: Backend, actor: Any, code: str, on: bool) -> None:
    with bk.store.transaction():
        row = bk.store.one("SELECT active FROM coupons WHERE code = ?", (code,))
        if row is None:
            raise RuleError("coupon_invalid", code)
        bk.store.run("UPDATE coupons SET active = ? WHERE code = ?", (int(on), code))
        audited(
            bk,
            actor,
            "coupon.active",
            f"coupon:{code}",
            {"active": row["active"]},
            {"active": int(on)},
        )
