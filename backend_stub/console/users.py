"""Console accounts: argon2id password hashes, password strength, lockout after failures.

- Passwords are stored as argon2id hashes (argon2-cffi defaults: t=3, m=64 MiB, p=4); the
  check runs in a worker thread, never on the event loop. An unknown user name costs the same
  check (against a dummy hash), so timing does not tell which names exist.
- Lockout: wrong passwords count per user name (LOCK_AFTER_USER, 5) and per client address
  (LOCK_AFTER_IP, 20); at the threshold the scope locks for LOCK_SECONDS (60), doubling with
  each failure after it up to LOCK_MAX_SECONDS; counts older than FORGET_SECONDS start over.
  An attempt is counted before its hash is checked; a right password clears its user's count.
  While locked, even the right password is refused.
- `session_epoch` goes up when a user is disabled, changes role or gets a new password: every
  session cookie signed before then stops working.
"""

from __future__ import annotations

import asyncio
import functools
import re
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from starlette.concurrency import run_in_threadpool

from backend_stub.console.roles import ROLES
from backend_stub.stores import Store

HASHER = PasswordHasher()  # argon2id
_CHECKS = ThreadPoolExecutor(max_workers=2, thread_name_prefix="console-pw")
MIN_PASSWORD = 10
LOCK_AFTER_USER = 5
LOCK_AFTER_IP = 20
LOCK_SECONDS = 60
LOCK_MAX_SECONDS = 3600
FORGET_SECONDS = 900
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,31}$")
COMMON = {
    "password", "passw0rd", "password1", "password12", "password123", "1234567890",
    "12345678910", "qwertyuiop", "1q2w3e4r5t", "iloveyou12", "administrator", "adminadmin",
    "admin12345", "letmein123", "welcome123", "changeme123", "0987654321", "abcdefghij",
    "qazwsxedc123",
}  # fmt: skip


@dataclass(frozen=True)
class ConsoleUser:
    id: int
    username: str
    display_name: str
    role: str


class AccountError(ValueError):
    """A user or password the console refuses; `key` names its i18n message, `field` the
    form field it belongs to."""

    def __init__(self, key: str, field: str) -> None:
        super().__init__(key)
        self.key, self.field = key, field


def weak_password(password: str, username: str = "") -> str:
    """The i18n key saying why `password` is too weak, or "" when it will do."""
    if len(password) < MIN_PASSWORD:
        return "auth.password_short"
    lowered = password.lower()
    if lowered in COMMON or len(set(password)) < 5:
        return "auth.password_common"
    if username and username.lower() in lowered:
        return "auth.password_has_name"
    classes = sum(
        bool(re.search(p, password)) for p in (r"[a-z]", r"[A-Z]", r"[0-9]", r"[^a-zA-Z0-9]")
    )
    if classes < 2:
        return "auth.password_classes"
    return ""


def hash_password(password: str) -> str:
    return HASHER.hash(password)


@functools.cache
def _dummy_hash() -> str:
    return HASHER.hash("no such console user")


def _matches(stored: str, password: str) -> bool:
    try:
        return HASHER.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


async def password_matches(stored: str | None, password: str) -> bool:
    loop = asyncio.get_running_loop()
    ok = await loop.run_in_executor(_CHECKS, _matches, stored or _dummy_hash(), password)
    return bool(ok) and stored is not None


def user_of(row: dict[str, Any]) -> ConsoleUser:
    return ConsoleUser(row["id"], row["username"], row["display_name"], row["role"])


def find(store: Store, username: str) -> dict[str, Any] | None:
    return store.one("SELECT * FROM console_users WHERE username = ?", (username.strip().lower(),))


def get(store: Store, user_id: int) -> dict[str, Any] | None:
    return store.one("SELECT * FROM console_users WHERE id = ?", (user_id,))


def list_users(store: Store) -> list[dict[str, Any]]:
    return store.all(
        "SELECT id, username, display_name, role, disabled, created_at, last_login_at "
        "FROM console_users ORDER BY username"
    )


def check_new(store: Store, username: str, role: str, password: str) -> None:
    """AccountError when the new user could not be created as asked."""
    if not USERNAME.match(username):
        raise AccountError("auth.username_invalid", "username")
    if find(store, username) is not None:
        raise AccountError("auth.username_taken", "username")
    if role not in ROLES:
        raise AccountError("auth.role_invalid", "role")
    weak = weak_password(password, username)
    if weak:
        raise AccountError(weak, "password")


def create(
    store: Store,
    username: str,
    role: str,
    password: str,
    now: datetime,
    *,
    display_name: str = "",
    check_strength: bool = True,
    password_hash: str = "",
) -> ConsoleUser:
    """A new user (AccountError when the name, role or password won't do); `password_hash`:
    the password already hashed (the demo users', demo_users.DEMO_PASSWORD_HASHES)."""
    username = username.strip().lower()
    if check_strength:
        check_new(store, username, role, password)
    elif role not in ROLES or not USERNAME.match(username):
        raise AccountError("auth.role_invalid", "role")
    digest = password_hash or hash_password(password)
    with store.transaction():
        store.insert(
            "console_users",
            {"username": username, "display_name": display_name.strip() or username,
             "role": role, "password_hash": digest, "disabled": 0, "session_epoch": 0,
             "created_at": now.isoformat(), "updated_at": now.isoformat()},
        )  # fmt: skip
    row = find(store, username)
    assert row is not None
    return user_of(row)


def update(store: Store, user_id: int, now: datetime, **changes: Any) -> None:
    """Change a user's role, display name, disabled flag or password (already hashed as
    `password_hash`); every change but the display name ends the user's sessions."""
    if not changes:
        return
    sets = ", ".join(f"{name} = ?" for name in changes)
    ends_sessions = set(changes) - {"display_name"}
    bump = ", session_epoch = session_epoch + 1" if ends_sessions else ""
    with store.transaction():
        store.run(
            f"UPDATE console_users SET {sets}, updated_at = ?{bump} WHERE id = ?",
            (*changes.values(), now.isoformat(), user_id),
        )


def set_password(store: Store, user_id: int, password: str, now: datetime) -> None:
    row = get(store, user_id)
    if row is None:
        raise AccountError("auth.no_such_user", "username")
    weak = weak_password(password, row["username"])
    if weak:
        raise AccountError(weak, "password")
    update(store, user_id, now, password_hash=hash_password(password))


# --- lockout -------------------------------------------------------------------------------


def locked_for(store: Store, scopes: list[str]) -> int:
    """Seconds until every one of `scopes` is unlocked (0: none is locked)."""
    now = time.time()
    wait = 0.0
    for scope in scopes:
        row = store.one(
            "SELECT locked_until_epoch FROM console_login_failures WHERE scope = ?", (scope,)
        )
        if row and row["locked_until_epoch"] > now:
            wait = max(wait, row["locked_until_epoch"] - now)
    return int(wait + 0.999)


def count_failure(store: Store, scope: str, threshold: int) -> None:
    """One more failure for `scope`; at `threshold` it locks (doubling after)."""
    now = time.time()
    with store.transaction():
        row = store.one(
            "SELECT failures, last_epoch FROM console_login_failures WHERE scope = ?", (scope,)
        )
        failures = 1
        if row and now - row["last_epoch"] < FORGET_SECONDS:
            failures = row["failures"] + 1
        until = 0.0
        if failures >= threshold:
            seconds = min(LOCK_SECONDS * 2 ** (failures - threshold), LOCK_MAX_SECONDS)
            until = now + seconds
        store.run(
            "INSERT INTO console_login_failures (scope, failures, locked_until_epoch, last_epoch) "
            "VALUES (?, ?, ?, ?) ON CONFLICT(scope) DO UPDATE SET failures = excluded.failures, "
            "locked_until_epoch = excluded.locked_until_epoch, last_epoch = excluded.last_epoch",
            (scope, failures, until, now),
        )


def clear_failures(store: Store, scope: str) -> None:
    with store.transaction():
        store.run("DELETE FROM console_login_failures WHERE scope = ?", (scope,))


@dataclass(frozen=True)
class LoginResult:
    user: ConsoleUser | None
    epoch: int = 0
    error: str = ""  # an i18n key: auth.wrong_password, auth.locked, auth.disabled
    wait_seconds: int = 0


async def log_in(store: Store, username: str, password: str, ip: str, now: datetime) -> LoginResult:
    """Check a user name and password under the lockout rules. The login page is `async`: the
    store's parts go to the threadpool (on PostgreSQL a write may wait for the write lock), the
    argon2 check to its own two threads, so a flood of logins never fills the threadpool."""
    username = username.strip().lower()
    scopes = [f"user:{username}", f"ip:{ip}"]
    wait, row = await run_in_threadpool(_before_check, store, scopes, username)
    if wait:
        return LoginResult(None, error="auth.locked", wait_seconds=wait)
    ok = await password_matches(row["password_hash"] if row else None, password)
    if not ok or row is None:
        wait = await run_in_threadpool(_after_failure, store, scopes)
        if wait:
            return LoginResult(None, error="auth.locked", wait_seconds=wait)
        return LoginResult(None, error="auth.wrong_password")
    if row["disabled"]:
        return LoginResult(None, error="auth.disabled")
    await run_in_threadpool(_after_success, store, scopes[0], row["id"], now)
    return LoginResult(user_of(row), epoch=row["session_epoch"])


def _before_check(store: Store, scopes: list[str], username: str) -> tuple[int, Any]:
    """(seconds still locked, 0 if not; the user's row or None)."""
    wait = locked_for(store, scopes)
    return (wait, None) if wait else (0, find(store, username))


def _after_failure(store: Store, scopes: list[str]) -> int:
    count_failure(store, scopes[0], LOCK_AFTER_USER)
    count_failure(store, scopes[1], LOCK_AFTER_IP)
    return locked_for(store, scopes)


def _after_success(store: Store, scope: str, user_id: str, now: datetime) -> None:
    clear_failures(store, scope)
    with store.transaction():
        store.run(
            "UPDATE console_users SET last_login_at = ? WHERE id = ?", (now.isoformat(), user_id)
        )
