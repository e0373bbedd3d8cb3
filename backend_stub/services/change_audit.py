"""Every change made through the console or the ops API is audited (who, when, before ->
after) in the console's audit log (backend_stub.console.audit, `console_audit`)."""

from __future__ import annotations

from typing import Any

from backend_stub.context import Backend


def audited(bk: Backend, actor: Any, action: str, target: str, before: Any, after: Any) -> None:
    """Record one change by `actor` (a console user; an API token's user)."""
    from backend_stub.console.audit import audit  # the console's log (issue 13A)

    audit(bk.store, actor, action, target, before, after)
