"""Credentials: kiosk tokens (each bound to one kiosk id) and ops tokens, stored hashed.

A token is a high-entropy random string (`new_token`, 256 bits) given to its holder once; the
database keeps only its SHA-256 (`credentials.token_hash`), so a copy of the database gives no
usable token. A request's bearer token is hashed and looked up; the stored hash is compared
with `secrets.compare_digest`. Tokens are revoked, never deleted (`revoked_at`).

The demo's well-known tokens (`demo-kiosk-token` for kiosk-01, `demo-ops-token`) exist only in
demo mode; a production start refuses to run while either is in its database or its
configuration (`demo_secrets_in`).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from backend_stub.stores import Store

KIOSK = "kiosk"
OPS = "ops"
KINDS = (KIOSK, OPS)
DEMO_KIOSK_TOKEN = "demo-kiosk-token"
DEMO_KIOSK_ID = "kiosk-01"
DEMO_OPS_TOKEN = "demo-ops-token"
DEMO_TOKENS = {DEMO_KIOSK_TOKEN: "the demo kiosk token", DEMO_OPS_TOKEN: "the demo ops token"}


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(32)


def subject_for(store: Store, kind: str, token: str) -> str | None:
    """The kiosk id (kind `kiosk`) or ops name (`ops`) a live token stands for, or None."""
    if not token:
        return None
    digest = token_hash(token)
    row = store.one(
        "SELECT token_hash, subject FROM credentials WHERE token_hash = ? AND kind = ? "
        "AND revoked_at IS NULL",
        (digest, kind),
    )
    if row is None or not secrets.compare_digest(row["token_hash"], digest):
        return None
    return row["subject"]


def register(store: Store, kind: str, subject: str, token: str, now: datetime) -> None:
    """Accept `token` as `kind` for `subject` (a kiosk id, an ops name); idempotent. A token
    already registered for another subject is moved to this one."""
    assert kind in KINDS, kind
    if not token or not subject:
        raise ValueError("a credential needs a token and a subject")
    with store.transaction():
        store.run(
            "INSERT INTO credentials (token_hash, kind, subject, created_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT(token_hash) DO UPDATE SET kind = excluded.kind, "
            "subject = excluded.subject, revoked_at = NULL",
            (token_hash(token), kind, subject, now.isoformat()),
        )


def issue(store: Store, kind: str, subject: str, now: datetime) -> str:
    """A new random token for `subject`, stored hashed; the clear token is returned once."""
    token = new_token()
    register(store, kind, subject, token, now)
    return token


def revoke(
    store: Store, now: datetime, *, kind: str = "", subject: str = "", token: str = ""
) -> int:
    """Revoke one token, or every live token of `kind` + `subject`; how many."""
    with store.transaction():
        if token:
            return store.run(
                "UPDATE credentials SET revoked_at = ? WHERE token_hash = ? AND revoked_at IS NULL",
                (now.isoformat(), token_hash(token)),
            )
        return store.run(
            "UPDATE credentials SET revoked_at = ? WHERE kind = ? AND subject = ? "
            "AND revoked_at IS NULL",
            (now.isoformat(), kind, subject),
        )


def list_credentials(store: Store) -> list[dict[str, str | None]]:
    """Who holds a credential (never the token): kind, subject, created, revoked."""
    return store.all(
        "SELECT kind, subject, created_at, revoked_at FROM credentials ORDER BY kind, subject"
    )


def register_demo(store: Store, now: datetime) -> None:
    """Demo mode: the well-known demo kiosk and ops tokens."""
    register(store, KIOSK, DEMO_KIOSK_ID, DEMO_KIOSK_TOKEN, now)
    register(store, OPS, "demo", DEMO_OPS_TOKEN, now)


def demo_secrets_in(store: Store, configured: list[str]) -> list[str]:
    """What demo secret a production start finds: in the configured tokens, or live in the
    database; [] when none."""
    found = [f"{what} is configured" for token, what in DEMO_TOKENS.items() if token in configured]
    for token, what in DEMO_TOKENS.items():
        row = store.one(
            "SELECT 1 FROM credentials WHERE token_hash = ? AND revoked_at IS NULL",
            (token_hash(token),),
        )
        if row is not None:
            found.append(f"{what} is in the database {store.url}")
    row = store.one(  # the console's (backend_stub/console/demo_users.py)
        "SELECT 1 FROM console_api_tokens WHERE token_hash = ? AND revoked_at IS NULL",
        (token_hash(DEMO_OPS_TOKEN),),
    )
    if row is not None:
        found.append(f"the demo ops token is a console API token in the database {store.url}")
    if store.meta("console_demo_users"):
        found.append(f"the database {store.url} holds the console's demo users")
    if store.meta("seeded") == "demo":
        found.append(f"the database {store.url} holds the demo (its users and their PINs)")
    return found


def migrate_clear_tokens(store: Store, now: datetime) -> int:
    """A database from before hashed tokens: its `kiosk_tokens` (tokens in clear) become
    hashed kiosk credentials and the table is dropped; how many moved."""
    if (
        store.dialect != "sqlite"  # (PostgreSQL came after hashed tokens)
        or store.one("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'kiosk_tokens'")
        is None
    ):
        return 0
    rows = store.all("SELECT token, kiosk_id FROM kiosk_tokens")
    with store.transaction():
        for row in rows:
            register(store, KIOSK, row["kiosk_id"], row["token"], now)
        store.run("DELETE FROM kiosk_tokens")  # overwritten (secure_delete), then dropped
        store.run("DROP TABLE kiosk_tokens")
    store.checkpoint()  # no old copy of those pages left in the WAL
    return len(rows)
