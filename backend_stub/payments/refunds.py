"""Refunds go back through the provider of the original payment.

A refund row (services.aftersales, services.rebook) is written in the transaction that refunds
the tickets; `claim_refunds` (same transaction) marks the order's new rows `pending` with the
payment's trade number when a provider took the money (`none` when a channel did: it refunds
through the channel). After the commit the backend's sweeper (`send_due_refunds`) sends each
to the provider with its own `out_refund_no`, the same one on every retry, so a refund is never
paid twice; an answer lost or `processing` is asked again (refund query) until final.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING, Any

from backend_stub.payments.provider import ProviderUnreachable, RefundResult

if TYPE_CHECKING:
    from backend_stub.context import Backend

log = logging.getLogger("backend_stub.payments.refunds")


def claim_refunds(bk: Backend, order_id: str) -> None:
    """Inside the refunding transaction: the order's refund rows not yet claimed go to the
    provider of its payment (`pending`), or nowhere (`none`: a channel's order, nothing back)."""
    pay = bk.store.one(
        "SELECT trade_no, gateway, amount_fen FROM payments"
        " WHERE order_id = ? AND status = 'success'",
        (order_id,),
    )
    if pay is None:
        bk.store.run(
            "UPDATE refunds SET provider_status = 'none'"
            " WHERE order_id = ? AND provider_status = ''",
            (order_id,),
        )
        return
    bk.store.run(
        "UPDATE refunds SET provider_status = CASE WHEN amount_fen > 0 THEN 'pending' ELSE 'none'"
        " END, gateway = ?, trade_no = ?, total_fen = ?,"
        " out_refund_no = CAST(? AS TEXT) || CAST(id AS TEXT)"
        " WHERE order_id = ? AND provider_status = ''",
        (pay["gateway"], pay["trade_no"], pay["amount_fen"], pay["trade_no"] + "R", order_id),
    )


def send_due_refunds(bk: Backend, limit: int = 20) -> int:
    """Send (or ask after) the refunds due now; how many got a final answer. Outside any
    transaction: each provider call sits between two short ones."""
    from backend_stub.payments.gateways import gateways

    now = time.time()
    rows = bk.store.all(
        "SELECT * FROM refunds WHERE provider_status IN ('pending', 'processing')"
        " AND next_try_epoch <= ? ORDER BY id LIMIT ?",
        (now, limit),
    )
    finished = 0
    for row in rows:
        provider = gateways(bk).providers.get(row["gateway"])
        if provider is None:
            continue
        retry = max(provider.rules.refund_retry_seconds, 0.2)
        with bk.store.transaction():
            claimed = bk.store.run(
                "UPDATE refunds SET next_try_epoch = ? WHERE id = ? AND next_try_epoch = ?",
                (now + retry, row["id"], row["next_try_epoch"]),
            )
        if not claimed:
            continue  # another worker has it
        finished += _send_one(bk, provider, row)
    return finished


def _send_one(bk: Backend, provider: Any, row: dict[str, Any]) -> int:
    try:
        if row["provider_status"] == "pending":
            result: RefundResult = provider.refund(
                row["trade_no"], row["out_refund_no"], row["total_fen"], row["amount_fen"]
            )
            if result.state == "unknown":  # maybe it went through: ask, never send a second
                result = provider.query_refund(row["trade_no"], row["out_refund_no"])
                if result.state == "failed" and result.error_code == "REFUNDNOTEXIST":
                    return 0  # it never arrived: sent again (same out_refund_no) next turn
        else:
            result = provider.query_refund(row["trade_no"], row["out_refund_no"])
    except ProviderUnreachable as exc:
        log.warning("refund %s: no answer from %s (%s)", row["id"], row["gateway"], exc)
        return 0
    state = {"success": "success", "processing": "processing", "failed": "failed"}.get(result.state)
    if state is None:
        return 0
    if state == "failed":
        log.error("refund %s refused by %s: %s", row["id"], row["gateway"], result.error_code)
    with bk.store.transaction(durable=True):
        bk.store.run(
            "UPDATE refunds SET provider_status = ?, done_at = ? WHERE id = ?",
            (
                state,
                bk.now().isoformat() if state != "processing" else None,
                row["id"],
            ),
        )
    return int(state != "processing")
