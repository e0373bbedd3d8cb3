"""Per-user API tokens for the ops API: scoped to their user's role (or narrower: `read`),
shown once, stored as a SHA-256 (like services.credentials), revocable, with last-used time.

A token acts as its user: a disabled user's tokens stop at once, and a role change changes
what they may do. The demo seed registers the well-known `demo-ops-token` for the demo
operations user (`register`), so scripted demos keep working.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from backend_stub.console.roles import TOKEN_SCOPES
from backend_stub.services.credentials import token_hash
from backend_stub.stores import Store

PREFIX = "kco_"  # tells a console API token apart in a log or a leak scan
LAST_USED_EVERY_SECONDS = 60  # last_used_at is written at most this often per token


@dataclass(frozen=True)
class TokenHolder:
    token_id: int
    scope: str
    user_id: int
    username: str
    display_name: str
    role: str


def new_token() -> str:
    return PREFIX + secrets.token_urlsafe(32)


def register(
    store: Store, user_id: int, name: str, token: str, now: datetime, scope: str = "role"
) -> int:
    """Accept `token` for `user_id`; its id. (`issue` makes a random one.)"""
    if scope not in TOKEN_SCOPES:
        raise ValueError(f"unknown token scope {scope!r}")
    digest = token_hash(token)
    with store.transaction():
        store.run(
            "INSERT INTO console_api_tokens (token_hash, user_id, name, scope, hint, created_at) "
            "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(token_hash) DO UPDATE SET "
            "user_id = excluded.user_id, name = excluded.name, scope = excluded.scope, "
            "revoked_at = NULL",
            (digest, user_id, name, scope, token[:8], now.isoformat()),
        )
        row = store.one("SELECT id FROM console_api_tokens WHERE token_hash = ?", (digest,))
    assert row is not None
    return int(row["id"])


def issue(store: Store, user_id: int, name: str, now: datetime, scope: str = "role") -> str:
    """A new token, returned once in clear; the database keeps its hash."""
    token = new_token()
    register(store, user_id, name, token, now, scope)
    return token


def holder(store: Store, token: str, now: datetime) -> TokenHolder | None:
    """Who a live token stands for (its user enabled), or None; notes when it was used."""
    if not token:
        return None
    digest = token_hash(token)
    row = store.one(
        "SELECT t.id, t.token_hash, t.scope, t.last_used_at, u.id AS user_id, u.username, "
        "u.display_name, u.role FROM console_api_tokens t JOIN console_users u "
        "ON u.id = t.user_id WHERE t.token_hash = ? AND t.revoked_at IS NULL "
        "AND u.disabled = 0",
        (digest,),
    )
    if row is None or not secrets.compare_digest(row["token_hash"], digest):
        return None
    last = row["last_used_at"]
    if last is None or (now - datetime.fromisoformat(last)).total_seconds() > (
        LAST_USED_EVERY_SECONDS
    ):
        with store.transaction():
            store.run(
                "UPDATE console_api_tokens SET last_used_at = ? WHERE id = ?",
                (now.isoformat(), row["id"]),
            )
    return TokenHolder(
        row["id"], row["scope"], row["user_id"], row["username"], row["display_name"], row["role"]
    )


def list_tokens(store: Store, user_id: int | None = None) -> list[dict[str, Any]]:
    """Tokens (never the token itself): whose, name, scope, first characters, times."""
    where, params = ("WHERE t.user_id = ?", (user_id,)) if user_id is not None else ("", ())
    return store.all(
        "SELECT t.id, t.name, t.scope, t.hint, t.created_at, t.last_used_at, t.revoked_at, "
        "u.username, u.role FROM console_api_tokens t JOIN console_users u ON u.id = t.user_id "
        f"{where} ORDER BY t.revoked_at IS NOT NULL, t.created_at DESC",
        params,
    )


def get(store: Store, token_id: int) -> dict[str, Any] | None:
    return store.one("SELECT * FROM console_api_tokens WHERE id = ?", (token_id,))


def revoke(store: Store, token_id: int, now: datetime) -> int:
    with store.transaction():
        return store.run(
            "UPDATE console_api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
            (now.isoformat(), token_id),
        )


def live_with_hash(store: Store, digest: str) -> bool:
    row = store.one(
        "SELECT 1 FROM console_api_tokens WHERE token_hash = ? AND revoked_at IS NULL", (digest,)
    )
    return row is not None


def known_hash(store: Store, digest: str) -> bool:
    """Whether the console ever issued a token with this hash (live or revoked)."""
    return store.one("SELECT 1 FROM console_api_tokens WHERE token_hash = ?", (digest,)) is not None
