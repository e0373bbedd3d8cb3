"""The backend's payment upkeep, every SWEEP_SECONDS in a worker thread: waiting payments
queried or reversed when their provider's rules say so (a kiosk that stopped polling — crashed,
cut off — changes nothing), refunds sent and asked after, and yesterday's reconciliation once a
day (one worker: `store.sole`)."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import TYPE_CHECKING

from backend_stub.payments.reconcile import reconcile, reconcile_when_due
from backend_stub.payments.refunds import send_due_refunds
from backend_stub.services.payments import due_payments, step

if TYPE_CHECKING:
    from backend_stub.context import Backend

log = logging.getLogger("backend_stub.payments.sweeper")
SWEEP_SECONDS = 0.5
RECONCILE_CHECK_SECONDS = 60.0  # whether yesterday's reconciliation is due: asked this often


def sweep_once(bk: Backend, *, reconcile_check: bool = True) -> None:
    try:
        for row in due_payments(bk):
            step(bk, row, bk.now())
    except Exception:
        log.exception("payment sweep failed")
    try:
        send_due_refunds(bk)
    except Exception:
        log.exception("refund sweep failed")
    if not reconcile_check:
        return
    try:
        with bk.store.sole("reconciliation") as mine:
            day = reconcile_when_due(bk, bk.now()) if mine else None
        if day is not None:
            reconcile(bk, day)
    except Exception:
        log.exception("reconciliation failed")


async def payments_sweeper(bk: Backend) -> None:
    last_check = 0.0
    while True:
        due = time.monotonic() - last_check >= RECONCILE_CHECK_SECONDS
        if due:
            last_check = time.monotonic()
        await asyncio.to_thread(sweep_once, bk, reconcile_check=due)
        await asyncio.sleep(SWEEP_SECONDS)
