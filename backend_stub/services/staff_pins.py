"""Staff PINs: stored with argon2id, checked with a server-side lockout.

- **Hashing**: argon2id at argon2-cffi's defaults, RFC 9106's second recommended profile
  (t=3, m=64 MiB, p=4; about 0.2 s a check here), salt and parameters inside the stored hash.
  A PIN stored before (PBKDF2-SHA256, 1,000 rounds, `pin_salt`) is checked that way once and
  re-hashed with argon2 on that first right entry; so is an argon2 hash with weaker parameters.
  The check runs in a worker thread (two at most), not on the event loop.
- **Lockout**: wrong PINs count per staff id (`pin_lockout_after`, 5) and per kiosk, any staff
  id (`kiosk_pin_lockout_after`, 10). At the threshold the scope locks for
  `pin_lockout_seconds` (60), doubling with each wrong PIN after it up to
  `pin_lockout_max_seconds` (3600); while locked even the right PIN gets 429 `staff_locked`
  with `Retry-After`. A right PIN clears both counts. An attempt is counted *before* its hash
  is checked, so parallel guesses can't all slip in under the threshold. The counts live in
  the database (`pin_failures`): they hold across restarts and across workers.
- **Audit** (`staff_audit`, `GET /ops/staff-audit`): every wrong PIN (`pin_wrong`, with the
  kiosk) and every lock (`pin_locked`, its seconds in `detail`).
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import hmac
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from backend_stub.clock import epoch_of
from backend_stub.context import Backend
from backend_stub.services.limits import refuse
from kiosk.domain.errors import RuleError

HASHER = PasswordHasher()  # RFC 9106 low-memory profile: argon2id, t=3, m=64 MiB, p=4
LEGACY_PBKDF2_ROUNDS = 1000
_CHECKS = ThreadPoolExecutor(max_workers=2, thread_name_prefix="pin-check")  # 64 MiB each


@functools.cache
def _dummy_hash() -> str:
    """A hash to check unknown staff ids against: an unknown id costs what a known one does."""
    return HASHER.hash("not a staff pin")


def hash_pin(pin: str) -> str:
    """A PIN as stored: an argon2id hash string (salt and parameters inside)."""
    return HASHER.hash(pin)


def legacy_pin_hash(salt: str, pin: str) -> str:
    """How PINs were stored before argon2 (PBKDF2-SHA256, 1,000 rounds): read, never written."""
    return hashlib.pbkdf2_hmac("sha256", pin.encode(), salt.encode(), LEGACY_PBKDF2_ROUNDS).hex()


def pin_matches(stored: str, salt: str, pin: str) -> tuple[bool, bool]:
    """(whether `pin` matches the stored hash, whether it should be re-hashed)."""
    if not stored.startswith("$argon2"):
        return hmac.compare_digest(legacy_pin_hash(salt, pin), stored), True
    try:
        HASHER.verify(stored, pin)
    except (VerificationError, InvalidHashError):
        return False, False
    return True, HASHER.check_needs_rehash(stored)


async def verify_staff_pin(
    bk: Backend, staff_id: str, pin: str, kiosk_id: str, now: datetime
) -> dict[str, str]:
    """The staff member whose PIN this is; 401 `wrong_pin`, or 429 `staff_locked` while his id
    or this kiosk is locked out."""
    staff_id = staff_id.strip().upper()
    scopes = [f"staff:{staff_id}", f"kiosk:{kiosk_id}"]
    row = _count_attempt(bk, scopes, staff_id, kiosk_id, now)
    stored = (row or {}).get("pin_hash") or _dummy_hash()
    salt = (row or {}).get("pin_salt") or ""
    loop = asyncio.get_running_loop()
    ok, rehash = await loop.run_in_executor(_CHECKS, pin_matches, stored, salt, pin)
    if row is None or not ok:
        _record_wrong(bk, scopes, staff_id, kiosk_id, now)
        raise RuleError("wrong_pin")
    new_hash = await loop.run_in_executor(_CHECKS, hash_pin, pin) if rehash else None
    with bk.store.transaction():
        bk.store.run(
            f"DELETE FROM pin_failures WHERE scope IN ({','.join('?' * len(scopes))})", scopes
        )
        if new_hash:  # a PBKDF2 (or weaker argon2) hash becomes today's argon2 on first use
            bk.store.run(
                "UPDATE staff SET pin_hash = ?, pin_salt = '' WHERE id = ?", (new_hash, staff_id)
            )
    return {"staff_id": row["id"], "role": row["role"], "name": row["name"]}


def _threshold(bk: Backend, scope: str) -> int:
    limits = bk.settings.limits
    return (
        limits.kiosk_pin_lockout_after if scope.startswith("kiosk:") else limits.pin_lockout_after
    )


def _lock_seconds(bk: Backend, failures: int, threshold: int) -> float:
    limits = bk.settings.limits
    doubled = limits.pin_lockout_seconds * 2 ** min(failures - threshold, 20)
    return float(min(doubled, limits.pin_lockout_max_seconds))


def _count_attempt(
    bk: Backend, scopes: list[str], staff_id: str, kiosk_id: str, now: datetime
) -> dict[str, Any] | None:
    """Refuse while a scope is locked; else count this attempt as wrong until it proves right
    (locking a scope it brings to its threshold). The staff row, or None."""
    at = epoch_of(now)
    with bk.store.transaction():
        marks = ",".join("?" * len(scopes))
        locked = bk.store.one(
            f"SELECT MAX(locked_until_epoch) AS until FROM pin_failures WHERE scope IN ({marks})",
            scopes,
        )
        if locked["until"] and locked["until"] > at:
            raise refuse("staff_locked", locked["until"] - at)
        for scope in scopes:
            failures = bk.store.one(
                "INSERT INTO pin_failures (scope, failures, last_at) VALUES (?, 1, ?) "
                "ON CONFLICT(scope) DO UPDATE SET failures = pin_failures.failures + 1, "
                "last_at = excluded.last_at RETURNING pin_failures.failures AS failures",
                (scope, now.isoformat()),
            )["failures"]
            threshold = _threshold(bk, scope)
            if failures >= threshold:
                bk.store.run(
                    "UPDATE pin_failures SET locked_until_epoch = ? WHERE scope = ?",
                    (at + _lock_seconds(bk, failures, threshold), scope),
                )
        # a member disabled on the console is refused as an unknown id (wrong_pin)
        return bk.store.one("SELECT * FROM staff WHERE id = ? AND disabled = 0", (staff_id,))


def _record_wrong(
    bk: Backend, scopes: list[str], staff_id: str, kiosk_id: str, now: datetime
) -> None:
    """Audit a wrong PIN (already counted), and the locks it started."""
    at = epoch_of(now)
    with bk.store.transaction():
        _audit(bk, staff_id, kiosk_id, "pin_wrong", "", now)
        marks = ",".join("?" * len(scopes))
        for lock in bk.store.all(
            f"SELECT scope, locked_until_epoch FROM pin_failures WHERE scope IN ({marks}) "
            "AND locked_until_epoch > ?",
            (*scopes, at),
        ):
            seconds = round(lock["locked_until_epoch"] - at)
            _audit(bk, staff_id, kiosk_id, "pin_locked", f"{lock['scope']} {seconds}s", now)


def _audit(
    bk: Backend, staff_id: str, kiosk_id: str, action: str, detail: str, now: datetime
) -> None:
    bk.store.insert(
        "staff_audit",
        {
            "at": now.isoformat(),
            "staff_id": staff_id[:32],
            "kiosk_id": kiosk_id,
            "action": action,
            "detail": detail,
        },
    )
