"""Members, tiers and the append-only points ledger."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from backend_stub.context import Backend
from kiosk.domain.errors import RuleError
from kiosk.domain.ids import mask_name, mask_phone
from kiosk.domain.pricing import max_redeemable_points


def change_points(
    bk: Backend, member_id: str, delta: int, reason: str, order_id: str | None, now: datetime
) -> int:
    """Append to the points ledger and move the balance; the new balance."""
    if not bk.store.run(
        "UPDATE members SET points = points + ? WHERE id = ? AND points + ? >= 0",
        (delta, member_id, delta),
    ):
        raise RuleError("points_insufficient")
    balance = bk.store.one("SELECT points FROM members WHERE id = ?", (member_id,))["points"]
    bk.store.insert(
        "ledger",
        {
            "member_id": member_id,
            "delta": delta,
            "balance_after": balance,
            "reason": reason,
            "order_id": order_id,
            "created_at": now.isoformat(),
        },
    )
    return balance


def get_member(bk: Backend, member_id: str, ledger_limit: int = 50) -> dict[str, Any]:
    member = bk.store.one(
        "SELECT m.*, t.name_zh, t.name_en, t.discount_percent FROM members m "
        "JOIN tiers t ON t.code = m.tier WHERE m.id = ?",
        (member_id.strip().upper(),),
    )
    if member is None:
        raise RuleError("member_not_found")
    ledger = bk.store.all(
        "SELECT delta, balance_after, reason, order_id, created_at FROM ledger "
        "WHERE member_id = ? ORDER BY id DESC LIMIT ?",
        (member["id"], ledger_limit),
    )
    return {
        "id": member["id"],
        "name": mask_name(member["name"] or ""),
        "phone": mask_phone(member["phone"] or ""),
        "tier": {
            "code": member["tier"],
            "name": {"zh": member["name_zh"], "en": member["name_en"]},
            "discount_percent": member["discount_percent"],
        },
        "points": member["points"],
        "points_value_fen": member["points"],
        "ledger": ledger,
    }


def redeemable_points(bk: Backend, member_id: str, payable_fen: int) -> int:
    return max_redeemable_points(payable_fen, get_member(bk, member_id, 0)["points"])
