"""The Ed25519 keys that sign ticket codes, in a key file outside the database.

The key file (JSON, mode 0600, `--key-file`, by default beside the database as
`<db stem>.signing.key`, made and checked by keyfiles.py like every key file) holds one
active key, which signs every new code, and the public halves of retired keys, which still
verify the codes they signed until the last of those tickets' days (`verify_until`). It is
created on first start; a backend refuses to start when the file is readable or writable by
anyone but its owner (keyfiles.KeyFileError). A database from before the key file had its key
in `meta.signing_key`: that key moves into the file (so the codes already printed still
verify) and out of the database.

Rotation (`kiosk backend rotate-key`, or `POST /ops/keys/rotate`): a new key signs from then
on; the old one's private half is dropped and its public half kept until `verify_until`. A
running backend sees a rotation made by the command within a second (the file's mtime).
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from backend_stub.keyfiles import KeyFileError, check_key_file, default_key_path, read_or_create_key
from kiosk.domain.ticket_code import (
    TicketClaims,
    key_id,
    new_private_key,
    private_key_from_b64,
    private_key_to_b64,
    public_key_from_b64,
    public_key_to_b64,
    sign_ticket,
)

FILE_VERSION = 1
RELOAD_CHECK_SECONDS = 1.0


def key_file_for(db_path: str | Path) -> Path:
    """The default signing key file of a database: `<dir>/<db stem>.signing.key`."""
    return default_key_path(db_path, "signing")


@dataclass(frozen=True)
class SigningKey:
    kid: str
    public: Ed25519PublicKey
    private: Ed25519PrivateKey | None  # None once retired
    created_at: str
    retired_at: str | None = None
    verify_until: str | None = None  # YYYY-MM-DD: the last day its codes are good for

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "kid": self.kid,
            "public_key": public_key_to_b64(self.public),
            "created_at": self.created_at,
        }
        if self.private is not None:
            out["private_key"] = private_key_to_b64(self.private)
        if self.retired_at:
            out |= {"retired_at": self.retired_at, "verify_until": self.verify_until}
        return out

    @classmethod
    def from_json(cls, item: dict[str, Any]) -> SigningKey:
        private = private_key_from_b64(item["private_key"]) if item.get("private_key") else None
        public = private.public_key() if private else public_key_from_b64(item["public_key"])
        return cls(
            kid=key_id(public),
            public=public,
            private=private,
            created_at=str(item.get("created_at", "")),
            retired_at=item.get("retired_at"),
            verify_until=item.get("verify_until"),
        )


def _new_key(now: datetime) -> SigningKey:
    private = new_private_key()
    return SigningKey(key_id(private.public_key()), private.public_key(), private, now.isoformat())


def _write_private(path: Path, content: bytes) -> None:
    """Rewrite the file (a rotation) as 0600 from the first byte: a temporary file, renamed."""
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)
        os.write(fd, content)
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)


def _file_body(keys: list[SigningKey], active: str) -> bytes:
    body = {"version": FILE_VERSION, "active": active, "keys": [k.as_json() for k in keys]}
    return json.dumps(body, indent=2).encode()


def _save_file(path: Path, keys: list[SigningKey], active: str) -> None:
    _write_private(path, _file_body(keys, active))


class KeyRing:
    """The signing key and the keys that verify, read from (and kept in) the key file."""

    def __init__(self, path: Path, keys: list[SigningKey], active: str) -> None:
        self.path = path
        self._set(keys, active)
        self._mtime = self._stat_mtime()
        self._checked = time.monotonic()

    def _set(self, keys: list[SigningKey], active: str) -> None:
        self._keys = {k.kid: k for k in keys}
        if active not in self._keys or self._keys[active].private is None:
            raise KeyFileError(f"the key file {self.path} has no active private key")
        self._active = active

    def _stat_mtime(self) -> float:
        try:
            return float(self.path.stat().st_mtime_ns)
        except FileNotFoundError:
            return 0.0

    @classmethod
    def open(cls, path: Path, legacy_private_b64: str | None, now: datetime) -> KeyRing:
        """Read the key file; create it when absent (from the database's old key, if any)."""

        def first_file() -> bytes:
            if legacy_private_b64:
                private = private_key_from_b64(legacy_private_b64)
                first = SigningKey(
                    key_id(private.public_key()), private.public_key(), private, now.isoformat()
                )
            else:
                first = _new_key(now)
            return _file_body([first], first.kid)

        keys, active = cls._parse(path, read_or_create_key(path, first_file))
        return cls(path, keys, active)

    @classmethod
    def _read(cls, path: Path) -> tuple[list[SigningKey], str]:
        check_key_file(path)
        return cls._parse(path, path.read_bytes())

    @staticmethod
    def _parse(path: Path, content: bytes) -> tuple[list[SigningKey], str]:
        try:
            body = json.loads(content.decode("utf-8"))
            keys = [SigningKey.from_json(item) for item in body["keys"]]
            return keys, str(body["active"])
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise KeyFileError(f"the signing key file {path} cannot be read: {exc}") from exc

    def _save(self) -> None:
        _save_file(self.path, list(self._keys.values()), self._active)
        self._mtime = self._stat_mtime()

    def _reload_if_changed(self) -> None:
        """Another process (`kiosk backend rotate-key`) rewrote the file: read it again."""
        if time.monotonic() - self._checked < RELOAD_CHECK_SECONDS:
            return
        self._checked = time.monotonic()
        mtime = self._stat_mtime()
        if mtime and mtime != self._mtime:
            keys, active = self._read(self.path)
            self._set(keys, active)
            self._mtime = mtime

    def holds(self, private_b64: str) -> bool:
        """Whether the ring knows this private key (by its public half)."""
        return key_id(private_key_from_b64(private_b64).public_key()) in self._keys

    @property
    def active(self) -> SigningKey:
        self._reload_if_changed()
        return self._keys[self._active]

    def sign(self, claims: TicketClaims) -> str:
        """A code for `claims`, signed by the active key and naming its kid."""
        key = self.active
        assert key.private is not None
        claims = TicketClaims(claims.ticket_id, claims.product_id, claims.date, claims.slot_id,
                              claims.ticket_type_id, key.kid)  # fmt: skip
        return sign_ticket(claims, key.private)

    def verifying(self, today: date) -> list[SigningKey]:
        """The keys whose codes still verify today: the active one first, then the retired ones
        whose tickets have not all passed."""
        active = self.active
        day = today.isoformat()
        retired = [
            k
            for k in self._keys.values()
            if k.kid != active.kid and (k.verify_until is None or k.verify_until >= day)
        ]
        return [active, *retired]

    def key_set(self, today: date) -> dict[str, Ed25519PublicKey]:
        return {k.kid: k.public for k in self.verifying(today)}

    def rotate(self, now: datetime, last_ticket_day: date | None) -> SigningKey:
        """A new active key; the old one keeps its public half to verify the codes it signed,
        up to `last_ticket_day` (the last day any ticket it signed is for). Retired keys whose
        day has passed are dropped."""
        old = self.active
        until = max(last_ticket_day or now.date(), now.date()).isoformat()
        new = _new_key(now)
        while new.kid in self._keys:  # an id clash (8 characters of a key): draw again
            new = _new_key(now)
        kept = [
            k
            for k in self._keys.values()
            if k.kid != old.kid and (k.verify_until or "9999") >= now.date().isoformat()
        ]
        retired = SigningKey(old.kid, old.public, None, old.created_at, now.isoformat(), until)
        self._set([new, retired, *kept], new.kid)
        self._save()
        return new

    def public_view(self, today: date) -> list[dict[str, Any]]:
        """What `GET /keys` publishes: every key that verifies today, the active one first."""
        active = self.active.kid
        return [
            {
                "kid": k.kid,
                "alg": "Ed25519",
                "public_key": public_key_to_b64(k.public),
                "status": "active" if k.kid == active else "retired",
                "verify_until": k.verify_until,
            }
            for k in self.verifying(today)
        ]
