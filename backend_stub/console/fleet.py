"""The kiosk fleet as the console sees it: every kiosk known from its heartbeats, its
credentials or its provisioning, with its group; provisioning, rotating and revoking a
kiosk's credential (services.credentials: stored hashed; a revoked token is refused on the
very next request, deps.kiosk_auth looks it up every time).

Groups (`console_kiosks.group_name`, e.g. "canary") are what staged price pushes target:
`kiosks_in_group`.
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from backend_stub.services import credentials
from backend_stub.services.ops import HEARTBEAT_STALE_SECONDS
from backend_stub.stores import Store

KIOSK_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{1,31}$")
GROUP = re.compile(r"^[a-z0-9][a-z0-9_-]{0,31}$|^$")
PROVISION_SCHEME = "kiosk-provision"  # the QR's payload: kiosk-provision:?backend=..&kiosk=..


def kiosks(store: Store, now: datetime) -> list[dict[str, Any]]:
    """Every kiosk, by id: heartbeat (last_seen, health online/stale/never, version,
    catalog_version, paper_level, devices), group, name, credential state."""
    by_id: dict[str, dict[str, Any]] = {}

    def entry(kiosk_id: str) -> dict[str, Any]:
        return by_id.setdefault(
            kiosk_id,
            {"id": kiosk_id, "name": "", "group": "", "last_seen": None, "health": "never",
             "version": "", "catalog_version": None, "paper_level": "", "devices": {},
             "live_tokens": 0, "revoked": False, "provisioned_at": None, "provisioned_by": ""},
        )  # fmt: skip

    for row in store.all("SELECT * FROM kiosks"):
        k = entry(row["id"])
        seen = datetime.fromisoformat(row["last_seen"]) if row["last_seen"] else None
        k["last_seen"] = row["last_seen"]
        if seen is not None:
            fresh = (now - seen).total_seconds() < HEARTBEAT_STALE_SECONDS
            k["health"] = "online" if fresh else "stale"
        k["version"] = row["version"] or ""
        k["catalog_version"] = row["catalog_version"]
        k["paper_level"] = row["paper_level"] or ""
        try:
            k["devices"] = json.loads(row["devices"] or "{}")
        except ValueError:
            k["devices"] = {}
    creds = store.all(
        "SELECT subject, SUM(CASE WHEN revoked_at IS NULL THEN 1 ELSE 0 END) AS live, "
        "COUNT(*) AS n FROM credentials WHERE kind = ? GROUP BY subject",
        (credentials.KIOSK,),
    )
    for row in creds:
        k = entry(row["subject"])
        k["live_tokens"] = int(row["live"] or 0)
        k["revoked"] = int(row["live"] or 0) == 0
    for row in store.all("SELECT * FROM console_kiosks"):
        k = entry(row["id"])
        k["name"], k["group"] = row["name"], row["group_name"]
        k["provisioned_at"], k["provisioned_by"] = row["provisioned_at"], row["provisioned_by"]
    return [by_id[key] for key in sorted(by_id)]


def kiosk(store: Store, kiosk_id: str, now: datetime) -> dict[str, Any] | None:
    return next((k for k in kiosks(store, now) if k["id"] == kiosk_id), None)


def kiosks_in_group(store: Store, group: str) -> list[str]:
    """The ids of the kiosks in `group` (for staged pushes)."""
    rows = store.all("SELECT id FROM console_kiosks WHERE group_name = ? ORDER BY id", (group,))
    return [r["id"] for r in rows]


def groups(store: Store) -> list[str]:
    rows = store.all(
        "SELECT DISTINCT group_name FROM console_kiosks WHERE group_name != '' ORDER BY group_name"
    )
    return [r["group_name"] for r in rows]


def _upsert(store: Store, kiosk_id: str, **fields: Any) -> None:
    cols = ", ".join(fields)
    marks = ", ".join("?" for _ in fields)
    updates = ", ".join(f"{c} = excluded.{c}" for c in fields)
    store.run(
        f"INSERT INTO console_kiosks (id, {cols}) VALUES (?, {marks}) "
        f"ON CONFLICT(id) DO UPDATE SET {updates}",
        (kiosk_id, *fields.values()),
    )


def set_group(store: Store, kiosk_id: str, group: str) -> None:
    with store.transaction():
        _upsert(store, kiosk_id, group_name=group)


def provision(store: Store, kiosk_id: str, name: str, group: str, by: str, now: datetime) -> str:
    """A new kiosk credential (any older one of this kiosk is revoked); the clear token,
    returned once."""
    with store.transaction():
        credentials.revoke(store, now, kind=credentials.KIOSK, subject=kiosk_id)
        token = credentials.issue(store, credentials.KIOSK, kiosk_id, now)
        _upsert(
            store, kiosk_id, name=name, group_name=group, provisioned_at=now.isoformat(),
            provisioned_by=by,
        )  # fmt: skip
    return token


def rotate(store: Store, kiosk_id: str, by: str, now: datetime) -> str:
    """A new credential for a known kiosk; the old one stops at once."""
    with store.transaction():
        row = store.one("SELECT name, group_name FROM console_kiosks WHERE id = ?", (kiosk_id,))
        name, group = (row["name"], row["group_name"]) if row else ("", "")
        return provision(store, kiosk_id, name, group, by, now)


def revoke(store: Store, kiosk_id: str, now: datetime) -> int:
    """Every credential of the kiosk stops; how many."""
    return credentials.revoke(store, now, kind=credentials.KIOSK, subject=kiosk_id)


def provisioning_uri(backend_url: str, kiosk_id: str, token: str) -> str:
    """What the QR holds: the backend, the kiosk id and its token (the kiosk's staff mode
    reads it into its config)."""
    query = urlencode({"backend": backend_url, "kiosk": kiosk_id, "token": token})
    return f"{PROVISION_SCHEME}:?{query}"
