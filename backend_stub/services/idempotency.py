"""Idempotency-Key: a retry with the same key gets the first answer, a different request under
the same key `idempotency_conflict`. A call that creates an order finds that order again
(`prior_order_id`); calls that change money and have no order of their own (a refund, a rebook
that moves tickets at once) keep their answer (`prior_answer`, `remember_answer`)."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from backend_stub.context import Backend
from kiosk.domain.errors import RuleError


def request_hash(*parts: Any) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()[:32]


def prior_order_id(
    bk: Backend, kiosk_id: str | None, idem_key: str | None, digest: str, kind: str | None = None
) -> str | None:
    """The order this kiosk first created under this key (of `kind`, when given), or None."""
    if not idem_key:
        return None
    sql = "SELECT id, request_hash FROM orders WHERE kiosk_id IS ? AND idem_key = ?"
    params: list[Any] = [kiosk_id, idem_key]
    if kind is not None:
        sql += " AND kind = ?"
        params.append(kind)
    prior = bk.store.one(sql, params)
    if prior is None:
        return None
    if prior["request_hash"] != digest:
        raise RuleError("idempotency_conflict")
    return prior["id"]


def prior_answer(
    bk: Backend, kiosk_id: str | None, idem_key: str | None, action: str, digest: str
) -> dict[str, Any] | None:
    """The answer first given under this key, or None (call inside the transaction)."""
    if not idem_key:
        return None
    row = bk.store.one(
        "SELECT request_hash, answer FROM idem_answers "
        "WHERE kiosk_id = ? AND idem_key = ? AND action = ?",
        (kiosk_id or "", idem_key, action),
    )
    if row is None:
        return None
    if row["request_hash"] != digest:
        raise RuleError("idempotency_conflict")
    return json.loads(row["answer"])


def remember_answer(
    bk: Backend,
    kiosk_id: str | None,
    idem_key: str | None,
    action: str,
    digest: str,
    answer: dict[str, Any],
    now: datetime,
) -> None:
    """Keep `answer` for retries (call inside the transaction that made the change)."""
    if not idem_key:
        return
    bk.store.run(
        "INSERT INTO idem_answers (kiosk_id, idem_key, action, request_hash, answer, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (kiosk_id or "", idem_key, action, digest, json.dumps(answer), now.isoformat()),
    )
