"""Kiosk heartbeat history and the out-of-service switch.

Every heartbeat (services.ops.record_heartbeat) also lands in `kiosk_heartbeats` (the kiosk
page's history; rows older than HISTORY_DAYS are pruned by the alerts job). The console's
"out of service" switch (`kiosk_service`) travels back in the heartbeat's answer
(`out_of_service`: true/false); the kiosk shows its out-of-service screen until it is switched
off again, and reports what it shows in its next heartbeat (`out_of_service` in the body).
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from backend_stub.stores import Store

HISTORY_DAYS = 7


def last_error(devices: dict[str, Any]) -> str:
    """The first device not ok, as `device: code` ("" when all are)."""
    for name in sorted(devices):
        state = devices[name]
        if not isinstance(state, dict) or state.get("code") == "not_configured":
            continue  # (a device this kiosk has not got)
        if state.get("state") not in (None, "ok"):
            return f"{name}: {state.get('code', state.get('state'))}"
    return ""


def record(
    store: Store,
    kiosk_id: str,
    devices: dict[str, Any],
    paper_level: str,
    version: str,
    catalog_version: int | None,
    reported_out: bool | None,
    now: datetime,
) -> bool:
    """Inside the heartbeat's transaction: one history row, and what the kiosk says it shows;
    whether the console wants this kiosk out of service."""
    store.insert(
        "kiosk_heartbeats",
        {"kiosk_id": kiosk_id, "at": now.isoformat(timespec="seconds"),
         "paper_level": paper_level, "version": version, "catalog_version": catalog_version,
         "devices": json.dumps(devices, ensure_ascii=False), "last_error": last_error(devices),
         "out_of_service": None if reported_out is None else int(reported_out)},
    )  # fmt: skip
    row = store.one("SELECT out_of_service FROM kiosk_service WHERE kiosk_id = ?", (kiosk_id,))
    if row is not None and reported_out is not None:
        store.run(
            "UPDATE kiosk_service SET reported = ?, reported_at = ? WHERE kiosk_id = ?",
            (int(reported_out), now.isoformat(timespec="seconds"), kiosk_id),
        )
    return bool(row and row["out_of_service"])


def set_out_of_service(store: Store, kiosk_id: str, on: bool, by: str, now: datetime) -> None:
    with store.transaction():
        store.run(
            "INSERT INTO kiosk_service (kiosk_id, out_of_service, set_by, set_at) "
            "VALUES (?, ?, ?, ?) ON CONFLICT (kiosk_id) DO UPDATE SET "
            "out_of_service = excluded.out_of_service, set_by = excluded.set_by, "
            "set_at = excluded.set_at",
            (kiosk_id, int(on), by, now.isoformat(timespec="seconds")),
        )


def service_state(store: Store, kiosk_id: str) -> dict[str, Any] | None:
    return store.one("SELECT * FROM kiosk_service WHERE kiosk_id = ?", (kiosk_id,))


def history(store: Store, kiosk_id: str, limit: int = 60) -> list[dict[str, Any]]:
    rows = store.all(
        "SELECT * FROM kiosk_heartbeats WHERE kiosk_id = ? ORDER BY id DESC LIMIT ?",
        (kiosk_id, limit),
    )
    for row in rows:
        try:
            row["devices"] = json.loads(row["devices"] or "{}")
        except ValueError:
            row["devices"] = {}
    return rows


def prune(store: Store, now: datetime) -> int:
    cutoff = (now - timedelta(days=HISTORY_DAYS)).isoformat(timespec="seconds")
    with store.transaction():
        return store.run("DELETE FROM kiosk_heartbeats WHERE at < ?", (cutoff,))
