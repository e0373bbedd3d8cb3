"""The console's members: the list (names and phones masked), a member's tier, a points
adjustment with a reason (appended to the ledger, services.members.change_points), the
ledger itself. The audit keeps ids, tiers and points only (no names, no phones)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from backend_stub.context import Backend
from backend_stub.services.admin_forms import FormErrors, integer, text
from backend_stub.services.change_audit import audited
from backend_stub.services.members import change_points, get_member
from kiosk.domain.errors import RuleError
from kiosk.domain.ids import mask_name, mask_phone

ADJUST = "adjust:"  # a ledger reason typed on the console: "adjust: <why>"


def list_members(bk: Backend, limit: int = 200) -> list[dict[str, Any]]:
    rows = bk.store.all(
        "SELECT m.id, m.name, m.phone, m.tier, m.points, t.name_zh, t.name_en FROM members m "
        "LEFT JOIN tiers t ON t.code = m.tier ORDER BY m.id LIMIT ?",
        (limit,),
    )
    return [
        r | {"name": mask_name(r["name"] or ""), "phone": mask_phone(r["phone"] or "")}
        for r in rows
    ]


def tiers(bk: Backend) -> list[dict[str, Any]]:
    return bk.store.all("SELECT * FROM tiers ORDER BY discount_percent, code")


def member(bk: Backend, member_id: str) -> dict[str, Any]:
    return get_member(bk, member_id, ledger_limit=100)


def set_tier(bk: Backend, actor: Any, member_id: str, form: dict[str, Any]) -> None:
    tier = str(form.get("tier") or "")
    if tier not in {t["code"] for t in tiers(bk)}:
        errors = FormErrors()
        errors.add("tier", "请从列表中选择等级", "Choose a tier from the list")
        errors.raise_if_any()
    with bk.store.transaction():
        row = bk.store.one("SELECT tier FROM members WHERE id = ?", (member_id,))
        if row is None:
            raise RuleError("member_not_found")
        bk.store.run("UPDATE members SET tier = ? WHERE id = ?", (tier, member_id))
        audited(
            bk, actor, "member.tier", f"member:{member_id}", {"tier": row["tier"]}, {"tier": tier}
        )


def adjust_points(
    bk: Backend, actor: Any, member_id: str, form: dict[str, Any], now: datetime
) -> int:
    """Add (or take, negative) points with a reason; the new balance. Never below 0."""
    errors = FormErrors()
    delta = integer(
        form,
        "delta",
        errors,
        low=-10_000_000,
        high=10_000_000,
        zh="积分变动",
        en="The points change",
    )
    if delta == 0 and "delta" not in errors.fields:
        errors.add("delta", "积分变动不能为0", "The change cannot be 0")
    reason = text(form, "reason", errors, max_len=120, zh="原因", en="The reason")
    errors.raise_if_any()
    with bk.store.transaction():
        row = bk.store.one("SELECT points FROM members WHERE id = ?", (member_id,))
        if row is None:
            raise RuleError("member_not_found")
        if row["points"] + delta < 0:
            errors.add(
                "delta",
                f"积分不足（现有{row['points']}）",
                f"Not enough points (the balance is {row['points']})",
            )
            errors.raise_if_any()
        balance = change_points(bk, member_id, delta, f"{ADJUST} {reason}", None, now)
        audited(
            bk,
            actor,
            "member.points",
            f"member:{member_id}",
            {"points": row["points"]},
            {"points": balance, "delta": delta, "reason": reason},
        )
    return balance
