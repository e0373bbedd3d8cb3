"""A supervisor's authorisation for an adult without a document (无证件·工作人员放行).

`POST /staff/verify` with a staff card's id and PIN answers, for a role in
`settings.staff_grant_roles` (the demo's `supervisor`), a `grant_token` that lasts
`settings.staff_grant_seconds` (300 s) on the kiosk that asked. An order line's holder with
`doc_type: "none"` and that token in `staff_grant` is accepted on a real-name product; the
token is spent by the first order placed with it (any number of its holders), and each ticket
it lets through is audited: who, when, which kiosk, order and ticket (`staff_audit`,
`GET /ops/staff-audit`). The ticket carries `holder.doc_waived_by` and says so.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from backend_stub.clock import epoch_of, iso, plus_seconds
from backend_stub.context import Backend
from kiosk.domain.errors import RuleError

NO_DOCUMENT = "no_document"


def grant_for(bk: Backend, kiosk_id: str, staff: dict[str, str], now: datetime) -> dict[str, Any]:
    """A verified staff member (`ops.verify_staff`) as `/staff/verify` answers: for a role that
    may allow an adult without a document, with a short-lived `grant_token` for this kiosk."""
    if staff["role"] not in bk.settings.staff_grant_roles:
        return staff | {"grants": []}
    token = "SG1." + secrets.token_urlsafe(18)
    expires = plus_seconds(now, bk.settings.staff_grant_seconds)
    with bk.store.transaction():
        bk.store.insert(
            "staff_grants",
            {
                "token": token,
                "staff_id": staff["staff_id"],
                "kiosk_id": kiosk_id,
                "kind": NO_DOCUMENT,
                "created_at": now.isoformat(),
                "expires_epoch": epoch_of(expires),
            },
        )
    return staff | {"grants": [NO_DOCUMENT], "grant_token": token, "grant_expires_at": iso(expires)}


def granting_staff(bk: Backend, token: str, now: datetime) -> str:
    """The staff id behind a live, unspent grant token; staff_grant_invalid otherwise."""
    row = bk.store.one("SELECT * FROM staff_grants WHERE token = ?", (token.strip(),))
    if row is None or row["expires_epoch"] <= epoch_of(now) or row["used_order_id"]:
        raise RuleError("staff_grant_invalid")
    return row["staff_id"]


def spend_grants(
    bk: Backend,
    order_id: str,
    waived: list[tuple[str, str]],
    kiosk_id: str | None,
    now: datetime,
) -> None:
    """Inside the transaction that places the order: each (ticket id, grant token) of a holder
    let through without a document. The token must be this kiosk's and unspent; it is spent
    by this order, and every ticket is audited."""
    for ticket_id, token in waived:
        row = bk.store.one("SELECT * FROM staff_grants WHERE token = ?", (token,))
        if row is None or row["kiosk_id"] != kiosk_id:
            raise RuleError("staff_grant_invalid", "the grant belongs to another kiosk")
        if not bk.store.run(
            "UPDATE staff_grants SET used_order_id = ? WHERE token = ? "
            "AND (used_order_id IS NULL OR used_order_id = ?)",
            (order_id, token, order_id),
        ):
            raise RuleError("staff_grant_invalid", "the grant was used by another order")
        bk.store.run(
            "UPDATE tickets SET doc_waived_by = ? WHERE id = ?", (row["staff_id"], ticket_id)
        )
        bk.store.insert(
            "staff_audit",
            {
                "at": now.isoformat(),
                "staff_id": row["staff_id"],
                "kiosk_id": kiosk_id,
                "action": NO_DOCUMENT,
                "order_id": order_id,
                "ticket_id": ticket_id,
            },
        )


def audit_log(bk: Backend, limit: int = 200) -> list[dict[str, Any]]:
    """The newest staff authorisations first."""
    return bk.store.all(
        "SELECT at, staff_id, kiosk_id, action, order_id, ticket_id, detail FROM staff_audit "
        "ORDER BY id DESC LIMIT ?",
        (limit,),
    )
