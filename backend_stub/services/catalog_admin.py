"""Setting up what the kiosks sell (the console's catalog page and the ops API): products
(admission; an add-on with its parent admission and how many per parent; a bundle with its
components), their ticket types (eligibility, proof, child), names and descriptions in zh/en,
sale rules, sort order, on/off sale.

Forms come in as dicts of strings (a browser form, or the API's JSON); every field is checked
and what is wrong comes back per field (`form_invalid`, services.admin_forms) — never a 500.
Every save is one transaction: the row, a new catalog version (services.price_rollouts
`bump_version`, so kiosks polling with If-None-Match fetch the new catalog), the audit row;
then the cached catalog is dropped. A new ticket type gets its first price (a `prices` row of
that version, effective at once); later price changes go through the prices page (staged)."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from backend_stub.context import Backend
from backend_stub.services.admin_forms import FormErrors, fen_text, integer, text, yuan
from backend_stub.services.change_audit import audited
from backend_stub.services.price_rollouts import bump_version
from kiosk.domain.errors import RuleError

KINDS = ("admission", "addon", "bundle")
PROOFS = ("", "student_card", "senior_card", "disability_card", "military_id", "id_card")
PRODUCT_ID = re.compile(r"^[A-Z][A-Z0-9_-]{1,31}$")
TYPE_CODE = re.compile(r"^[a-z][a-z0-9_]{0,31}$")
PRODUCT_FIELDS = (
    "kind",
    "parent_product_id",
    "real_name",
    "name_zh",
    "name_en",
    "desc_zh",
    "desc_en",
    "includes",
    "weekend_percent",
    "peak_percent",
    "peak_months",
    "child_needs_adult",
    "max_per_order",
    "sort",
    "addons_per_parent",
    "requires_parent_entered",
    "on_sale",
)
TYPE_FIELDS = (
    "code",
    "name_zh",
    "name_en",
    "min_age",
    "max_age",
    "needs_proof",
    "is_child",
    "sort",
)


def _on(form: dict[str, Any], name: str) -> int:
    """A checkbox: sent ("on", "1", "true", True) or not."""
    return int(str(form.get(name, "")).strip().lower() in ("on", "1", "true", "yes"))


def list_products(bk: Backend) -> list[dict[str, Any]]:
    """Every product (on sale or not) with its ticket types and their current base prices."""
    prices = {t.id: t.base_fen for t in bk.catalog().ticket_types.values()}
    types: dict[str, list[dict[str, Any]]] = {}
    for row in bk.store.all("SELECT * FROM ticket_types ORDER BY sort, id"):
        types.setdefault(row["product_id"], []).append(row | {"base_fen": prices.get(row["id"])})
    return [
        row | {"ticket_types": types.get(row["id"], [])}
        for row in bk.store.all("SELECT * FROM products ORDER BY sort, id")
    ]


def get_product_row(bk: Backend, product_id: str) -> dict[str, Any]:
    row = bk.store.one("SELECT * FROM products WHERE id = ?", (product_id,))
    if row is None:
        raise RuleError("unknown_product", product_id)
    return row


def components(bk: Backend) -> list[dict[str, Any]]:
    """What a bundle may include: the gate components and the products."""
    found = {r["id"]: r for r in bk.store.all("SELECT * FROM components ORDER BY id")}
    for p in bk.store.all("SELECT id, name_zh, name_en FROM products WHERE kind != 'bundle'"):
        found.setdefault(p["id"], p)
    return sorted(found.values(), key=lambda r: r["id"])


def _product_row(
    bk: Backend, form: dict[str, Any], product_id: str | None
) -> tuple[str, dict[str, Any]]:
    errors = FormErrors()
    if product_id is None:
        new_id = str(form.get("id") or "").strip().upper()
        if not PRODUCT_ID.match(new_id):
            errors.add(
                "id",
                "编号为2-32位大写字母、数字、-或_，以字母开头",
                "The id is 2-32 capital letters, digits, - or _, starting with a letter",
            )
        elif bk.store.one("SELECT 1 FROM products WHERE id = ?", (new_id,)):
            errors.add("id", "该编号已被使用", "That id is already taken")
        product_id = new_id
    kind = str(form.get("kind") or "")
    if kind not in KINDS:
        errors.add("kind", "请选择产品类型", "Choose the kind of product")
    row: dict[str, Any] = {
        "kind": kind,
        "name_zh": text(form, "name_zh", errors, max_len=64, zh="中文名称", en="The Chinese name"),
        "name_en": text(form, "name_en", errors, max_len=96, zh="英文名称", en="The English name"),
        "desc_zh": text(
            form,
            "desc_zh",
            errors,
            required=False,
            max_len=400,
            zh="中文说明",
            en="The Chinese description",
        ),
        "desc_en": text(
            form,
            "desc_en",
            errors,
            required=False,
            max_len=400,
            zh="英文说明",
            en="The English description",
        ),
        "real_name": _on(form, "real_name"),
        "child_needs_adult": _on(form, "child_needs_adult"),
        "on_sale": _on(form, "on_sale"),
        "requires_parent_entered": 0,
        "max_per_order": integer(
            form,
            "max_per_order",
            errors,
            low=1,
            high=100,
            default=20,
            zh="每单上限",
            en="The most per order",
        ),
        "sort": integer(
            form, "sort", errors, low=0, high=9999, default=0, zh="排序", en="The sort order"
        ),
        "weekend_percent": integer(
            form,
            "weekend_percent",
            errors,
            low=-100,
            high=1000,
            default=0,
            zh="周末加价",
            en="The weekend change",
        ),
        "peak_percent": integer(
            form,
            "peak_percent",
            errors,
            low=-100,
            high=1000,
            default=0,
            zh="旺季加价",
            en="The peak change",
        ),
        "parent_product_id": None,
        "addons_per_parent": 1,
        "includes": "",
    }
    months = [m.strip() for m in str(form.get("peak_months") or "").replace("，", ",").split(",")]
    months = [m for m in months if m]
    if any(not m.isdigit() or not 1 <= int(m) <= 12 for m in months):
        errors.add(
            "peak_months",
            "旺季月份为1-12，用逗号分隔，如 4,5,6",
            "Peak months are 1-12, separated by commas, e.g. 4,5,6",
        )
    else:
        row["peak_months"] = ",".join(str(m) for m in sorted({int(m) for m in months}))
    if kind == "addon":
        parent = str(form.get("parent_product_id") or "").strip()
        found = (
            bk.store.one("SELECT kind FROM products WHERE id = ?", (parent,)) if parent else None
        )
        if found is None or found["kind"] != "admission" or parent == product_id:
            errors.add(
                "parent_product_id",
                "附加产品须绑定一个门票产品（父票）",
                "An add-on must be bound to an admission product (its parent)",
            )
        row["parent_product_id"] = parent
        row["addons_per_parent"] = integer(
            form,
            "addons_per_parent",
            errors,
            low=1,
            high=20,
            default=1,
            zh="每张父票可购数量",
            en="How many per parent ticket",
        )
        row["requires_parent_entered"] = _on(form, "requires_parent_entered")
    if kind == "bundle":
        wanted = form.get("includes") or []
        wanted = [wanted] if isinstance(wanted, str) else list(wanted)
        wanted = [w.strip() for part in wanted for w in str(part).split(",") if w.strip()]
        known = {c["id"] for c in components(bk)}
        if len(wanted) < 2 or any(w not in known for w in wanted):
            errors.add(
                "includes",
                "套票须包含至少两个已有的项目",
                "A bundle includes at least two of the listed parts",
            )
        row["includes"] = ",".join(dict.fromkeys(wanted))
    errors.raise_if_any()
    return product_id, row


def save_product(
    bk: Backend, actor: Any, form: dict[str, Any], now: datetime, product_id: str | None = None
) -> dict[str, Any]:
    """Create (product_id None: the form's `id`) or update a product; the saved row."""
    before = get_product_row(bk, product_id) if product_id else None
    pid, row = _product_row(bk, form, product_id)
    if before and before["kind"] != row["kind"] and _has_tickets(bk, pid):
        errors = FormErrors()
        errors.add(
            "kind", "已售出门票的产品不能改类型", "A product with tickets sold keeps its kind"
        )
        errors.raise_if_any()
    with bk.store.transaction():
        if before is None:
            bk.store.insert("products", row | {"id": pid})
        else:
            sets = ", ".join(f'"{k}" = ?' for k in row)
            bk.store.run(f"UPDATE products SET {sets} WHERE id = ?", (*row.values(), pid))
        version = bump_version(bk)
        audited(
            bk,
            actor,
            "product.create" if before is None else "product.update",
            f"product:{pid}",
            _public(before),
            _public(row) | {"version": version},
        )
    bk.invalidate_catalog()
    return get_product_row(bk, pid)


def _has_tickets(bk: Backend, product_id: str) -> bool:
    return (
        bk.store.one("SELECT 1 FROM tickets WHERE product_id = ? LIMIT 1", (product_id,))
        is not None
    )


def _public(row: dict[str, Any] | None) -> dict[str, Any] | None:
    """What the audit keeps of a row (no personal data here: catalog fields only)."""
    if row is None:
        return None
    return {k: row[k] for k in (*PRODUCT_FIELDS, *TYPE_FIELDS) if k in row}


def _type_row(
    bk: Backend, product_id: str, form: dict[str, Any], type_id: str | None
) -> tuple[dict[str, Any], int | None]:
    errors = FormErrors()
    code = str(form.get("code") or "").strip().lower()
    if not TYPE_CODE.match(code):
        errors.add(
            "code",
            "代码为小写字母、数字或_，如 adult",
            "The code is lower-case letters, digits or _, e.g. adult",
        )
    elif bk.store.one(
        "SELECT 1 FROM ticket_types WHERE product_id = ? AND code = ? AND id != ?",
        (product_id, code, type_id or ""),
    ):
        errors.add("code", "该产品已有此代码的票种", "This product already has that code")
    ages = {}
    for name, zh, en in (
        ("min_age", "最小年龄", "The youngest age"),
        ("max_age", "最大年龄", "The oldest age"),
    ):
        raw = str(form.get(name) or "").strip()
        ages[name] = (
            None if raw == "" else integer(form, name, errors, low=0, high=150, zh=zh, en=en)
        )
    if (
        ages["min_age"] is not None
        and ages["max_age"] is not None
        and ages["max_age"] < ages["min_age"]
    ):
        errors.add("max_age", "最大年龄不能小于最小年龄", "The oldest age is below the youngest")
    proof = str(form.get("needs_proof") or "")
    if proof not in PROOFS:
        errors.add("needs_proof", "请从列表中选择", "Choose one of the list")
    row = {
        "code": code,
        "name_zh": text(form, "name_zh", errors, max_len=32, zh="中文名称", en="The Chinese name"),
        "name_en": text(form, "name_en", errors, max_len=64, zh="英文名称", en="The English name"),
        "min_age": ages["min_age"],
        "max_age": ages["max_age"],
        "needs_proof": proof,
        "is_child": _on(form, "is_child"),
        "sort": integer(
            form, "sort", errors, low=0, high=9999, default=0, zh="排序", en="The sort order"
        ),
    }
    price = None
    if type_id is None:
        price = yuan(form, "price", errors, zh="价格", en="The price")
    errors.raise_if_any()
    return row, price


def save_ticket_type(
    bk: Backend,
    actor: Any,
    product_id: str,
    form: dict[str, Any],
    now: datetime,
    type_id: str | None = None,
) -> dict[str, Any]:
    """Create (with its first base price, `price` in yuan) or update a product's ticket type."""
    get_product_row(bk, product_id)
    before = None
    if type_id is not None:
        before = bk.store.one(
            "SELECT * FROM ticket_types WHERE id = ? AND product_id = ?", (type_id, product_id)
        )
        if before is None:
            raise RuleError("unknown_ticket_type", type_id)
    row, price = _type_row(bk, product_id, form, type_id)
    tid = type_id or f"{product_id}-{row['code'].upper()}"
    with bk.store.transaction():
        if before is None:
            if bk.store.one("SELECT 1 FROM ticket_types WHERE id = ?", (tid,)):
                raise RuleError(
                    "form_invalid",
                    "code",
                    extra={
                        "fields": {
                            "code": {
                                "zh": "该票种编号已存在",
                                "en": "A ticket type with that id exists",
                            }
                        }
                    },
                )
            bk.store.insert("ticket_types", row | {"id": tid, "product_id": product_id})
        else:
            sets = ", ".join(f'"{k}" = ?' for k in row)
            bk.store.run(f"UPDATE ticket_types SET {sets} WHERE id = ?", (*row.values(), tid))
        version = bump_version(bk)
        if price is not None:
            bk.store.insert(
                "prices",
                {
                    "ticket_type_id": tid,
                    "base_fen": price,
                    "effective_at": now.isoformat(),
                    "version": version,
                },
            )
        after = _public(row) | {"version": version}
        if price is not None:
            after["price"] = fen_text(price)
        audited(
            bk,
            actor,
            "ticket_type.create" if before is None else "ticket_type.update",
            f"ticket_type:{tid}",
            _public(before),
            after,
        )
    bk.invalidate_catalog()
    return bk.store.one("SELECT * FROM ticket_types WHERE id = ?", (tid,)) or {}


def set_on_sale(bk: Backend, actor: Any, product_id: str, on: bool, now: datetime) -> None:
    """Put a product on or off sale (off: kiosks no longer see or sell it; sold tickets stay
    good)."""
    before = get_product_row(bk, product_id)
    with bk.store.transaction():
        bk.store.run("UPDATE products SET on_sale = ? WHERE id = ?", (int(on), product_id))
        version = bump_version(bk)
        audited(
            bk,
            actor,
            "product.on_sale",
            f"product:{product_id}",
            {"on_sale": before.get("on_sale")},
            {"on_sale": int(on), "version": version},
        )
    bk.invalidate_catalog()
