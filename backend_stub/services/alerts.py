"""Console alerts: raised once, cleared when the cause clears, acknowledged by a console user,
each change sent once to the webhook (services.webhook).

Causes (kind -> subject):
- `paper_low` (kiosk): its heartbeat says the paper is near its end or out;
- `device_fault` (kiosk/device): a device in state `error` (or `missing` when configured), other
  than the paper (that is `paper_low`);
- `offline` (kiosk): no heartbeat for more than two heartbeat intervals;
- `low_stock` (slot): an open slot of today or tomorrow with less than `low_stock_percent` of
  its capacity left;
- `unsettled_payment` (payment): a payment still `userpaying` or `reversing` after
  UNSETTLED_MINUTES.

Kiosk causes are judged on each heartbeat (`on_heartbeat`, in its transaction); all of them by
`evaluate`, which `alerts_loop` runs every LOOP_SECONDS in one worker at a time
(`store.sole("alerts")`). One open alert per key (a partial unique index); sending claims the
row first, so several workers never send one change twice.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from datetime import datetime, timedelta
from typing import Any

from backend_stub.context import Backend
from backend_stub.services import heartbeats, webhook
from backend_stub.stores import Store

log = logging.getLogger("backend_stub.alerts")
LOOP_SECONDS = 2.0
EVALUATE_EVERY = 5  # loops: the full evaluation every ~10 s, the sending every loop
UNSETTLED_MINUTES = 10
KINDS = ("paper_low", "device_fault", "offline", "low_stock", "unsettled_payment")
PAPER_CODES = ("paper_out", "paper_near_end")
TITLES = {
    "paper_low": ("纸将用完", "Paper low"),
    "device_fault": ("设备故障", "Device fault"),
    "offline": ("终端离线", "Kiosk offline"),
    "low_stock": ("余票不足", "Low stock"),
    "unsettled_payment": ("支付未结", "Payment unsettled"),
}


def _iso(now: datetime) -> str:
    return now.isoformat(timespec="seconds")


def set_state(
    store: Store, key: str, kind: str, subject: str, active: bool, detail: str, now: datetime
) -> bool:
    """Raise (once) or clear the alert `key`; whether it changed."""
    with store.transaction():
        open_row = store.one(
            "SELECT id FROM console_alerts WHERE alert_key = ? AND cleared_at IS NULL", (key,)
        )
        if active and open_row is None:  # (another worker may have raised it just now)
            return bool(
                store.run(
                    "INSERT INTO console_alerts (alert_key, kind, subject, detail, raised_at) "
                    "VALUES (?, ?, ?, ?, ?) ON CONFLICT (alert_key) WHERE cleared_at IS NULL "
                    "DO NOTHING",
                    (key, kind, subject, detail, _iso(now)),
                )
            )
        if not active and open_row is not None:
            cleared = "UPDATE console_alerts SET cleared_at = ? WHERE id = ?"
            store.run(cleared, (_iso(now), open_row["id"]))
            return True
    return False


def _open_keys(store: Store, kind: str, prefix: str = "") -> set[str]:
    rows = store.all(
        "SELECT alert_key FROM console_alerts WHERE kind = ? AND cleared_at IS NULL "
        "AND alert_key LIKE ?",
        (kind, f"{kind}:{prefix}%"),
    )
    return {r["alert_key"] for r in rows}


def on_heartbeat(
    store: Store, kiosk_id: str, devices: dict[str, Any], paper_level: str, now: datetime
) -> bool:
    """A kiosk's heartbeat: its paper, its devices, and it is not offline; whether any alert
    changed."""
    changed = set_state(store, f"offline:{kiosk_id}", "offline", kiosk_id, False, "", now)
    low = paper_level in ("near_end", "out")
    changed |= set_state(store, f"paper_low:{kiosk_id}", "paper_low", kiosk_id, low,
                         paper_level, now)  # fmt: skip
    faulty = {}
    for name, state in devices.items():
        if not isinstance(state, dict):
            continue
        code = str(state.get("code", ""))
        bad = state.get("state") == "error" or (
            state.get("state") == "missing" and code != "not_configured"
        )
        if bad and code not in PAPER_CODES:
            faulty[f"device_fault:{kiosk_id}/{name}"] = (f"{kiosk_id}/{name}", code)
    for key, (subject, code) in faulty.items():
        changed |= set_state(store, key, "device_fault", subject, True, code, now)
    for key in _open_keys(store, "device_fault", f"{kiosk_id}/") - set(faulty):
        changed |= set_state(store, key, "device_fault", key.split(":", 1)[1], False, "", now)
    return changed


def evaluate(bk: Backend, now: datetime) -> None:
    """Every cause, raised or cleared."""
    store, settings = bk.store, bk.settings
    cutoff = now - timedelta(seconds=2 * settings.alert_heartbeat_seconds)
    for row in store.all("SELECT id, last_seen FROM kiosks"):
        seen = datetime.fromisoformat(row["last_seen"]) if row["last_seen"] else None
        late = seen is None or seen < cutoff
        detail = row["last_seen"] or ""
        set_state(store, f"offline:{row['id']}", "offline", row["id"], late, detail, now)
    days = (now.date().isoformat(), (now.date() + timedelta(days=1)).isoformat())
    low = store.all(
        "SELECT id, remaining, capacity FROM slots WHERE date IN (?, ?) AND closed = 0 "
        "AND capacity > 0 AND remaining * 100 < capacity * ?",
        (*days, settings.low_stock_percent),
    )
    keys = set()
    for row in low:
        key = f"low_stock:{row['id']}"
        keys.add(key)
        set_state(store, key, "low_stock", row["id"], True,
                  f"{row['remaining']}/{row['capacity']}", now)  # fmt: skip
    for key in _open_keys(store, "low_stock") - keys:
        set_state(store, key, "low_stock", key.split(":", 1)[1], False, "", now)
    late_pay = (now - timedelta(minutes=UNSETTLED_MINUTES)).isoformat()
    waiting = store.all(
        "SELECT id, order_id, status FROM payments WHERE status IN ('userpaying', 'reversing') "
        "AND created_at < ?",
        (late_pay,),
    )
    keys = set()
    for row in waiting:
        key = f"unsettled_payment:{row['id']}"
        keys.add(key)
        set_state(store, key, "unsettled_payment", row["order_id"], True, row["status"], now)
    for key in _open_keys(store, "unsettled_payment") - keys:
        set_state(store, key, "unsettled_payment", "", False, "", now)


def message(row: dict[str, Any], cleared: bool) -> str:
    zh, en = TITLES.get(row["kind"], (row["kind"], row["kind"]))
    state = ("已恢复", "cleared") if cleared else ("告警", "raised")
    detail = f" ({row['detail']})" if row["detail"] else ""
    return (
        f"【{state[0]}】{zh}：{row['subject']}{detail}\n"
        f"[{state[1]}] {en}: {row['subject']}{detail}\n{row['raised_at']}"
    )


def send_pending(bk: Backend, now: datetime) -> int:
    """Send every change not yet sent (each claimed first: sent once across workers); how
    many the robot took."""
    url = webhook.url_of(bk)
    if not url:
        return 0
    store, sent = bk.store, 0
    rows = store.all(
        "SELECT * FROM console_alerts WHERE sent_raised_at IS NULL "
        "OR (cleared_at IS NOT NULL AND sent_cleared_at IS NULL) ORDER BY id LIMIT 50"
    )
    for row in rows:
        column = "sent_raised_at" if row["sent_raised_at"] is None else "sent_cleared_at"
        with store.transaction():
            claimed = store.run(
                f"UPDATE console_alerts SET {column} = ? WHERE id = ? AND {column} IS NULL",
                (_iso(now), row["id"]),
            )
        if not claimed:
            continue
        error = webhook.post_text(url, message(row, cleared=column == "sent_cleared_at"))
        if error:  # tried again at the next turn
            log.warning("alert webhook %s: %s", webhook.masked(url), error)
            with store.transaction():
                store.run(
                    f"UPDATE console_alerts SET {column} = NULL, send_error = ? WHERE id = ?",
                    (error, row["id"]),
                )
            continue
        sent += 1
    return sent


def send_soon(bk: Backend) -> None:
    """After a heartbeat changed an alert: send now, beside the request (not in its way)."""
    threading.Thread(target=_send_quietly, args=(bk,), daemon=True).start()


def _send_quietly(bk: Backend) -> None:
    try:
        send_pending(bk, bk.now())
    except Exception:
        log.exception("sending alerts failed")


def acknowledge(store: Store, alert_id: int, username: str, now: datetime) -> bool:
    with store.transaction():
        return bool(
            store.run(
                "UPDATE console_alerts SET acked_at = ?, acked_by = ? WHERE id = ? "
                "AND acked_at IS NULL",
                (_iso(now), username, alert_id),
            )
        )


def listing(store: Store, open_only: bool, limit: int = 200) -> list[dict[str, Any]]:
    where = "WHERE cleared_at IS NULL " if open_only else ""
    return store.all(f"SELECT * FROM console_alerts {where}ORDER BY id DESC LIMIT ?", (limit,))


def open_count(store: Store) -> int:
    row = store.one("SELECT COUNT(*) AS n FROM console_alerts WHERE cleared_at IS NULL")
    return int(row["n"]) if row else 0


def _job(bk: Backend, turn: int) -> None:
    now = bk.now()
    if turn % EVALUATE_EVERY == 0:
        with bk.store.sole("alerts") as mine:
            if mine:
                evaluate(bk, now)
                if turn % (EVALUATE_EVERY * 360) == 0:  # hourly
                    heartbeats.prune(bk.store, now)
    send_pending(bk, now)


async def alerts_loop(bk: Backend) -> None:
    """The periodic job (app.py's lifespan): evaluate, send, prune; a failure is logged and
    the next turn comes."""
    turn = 0
    while True:
        try:
            await asyncio.to_thread(_job, bk, turn)
        except Exception:
            log.exception("alerts job failed")
        turn += 1
        await asyncio.sleep(LOOP_SECONDS)
