"""The console's audit trail: who did what, when, to what, before -> after (`console_audit`).

Every change a console page or an ops API call makes writes one row with `audit(...)`, in the
same transaction as the change when the caller holds one (nested transactions join)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Protocol

from backend_stub.clock import local_now
from backend_stub.stores import Store


class Actor(Protocol):
    id: int
    username: str


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def audit(
    store: Store,
    user: Actor | None,
    action: str,
    target: str,
    before: Any = None,
    after: Any = None,
    *,
    at: datetime | None = None,
) -> None:
    """One audit row; `before`/`after` are stored as JSON (a str as it is). Never put personal
    data (ID numbers, phones, names) or secrets in them."""
    with store.transaction():
        store.insert(
            "console_audit",
            {"at": (at or local_now()).isoformat(timespec="seconds"),
             "user_id": user.id if user else None, "username": user.username if user else "",
             "action": action, "target": target, "before": _text(before), "after": _text(after)},
        )  # fmt: skip


def recent(store: Store, limit: int = 50, target_prefix: str = "") -> list[dict[str, Any]]:
    if target_prefix:
        return store.all(
            "SELECT * FROM console_audit WHERE target LIKE ? ORDER BY id DESC LIMIT ?",
            (target_prefix + "%", limit),
        )
    return store.all("SELECT * FROM console_audit ORDER BY id DESC LIMIT ?", (limit,))
