"""The two personal-data keys, read from a key file outside the database (backend_stub.keyfiles):
one encrypts ID numbers and phones at rest (AES-256-GCM), the other finds them again by a keyed
hash (HMAC-SHA256) without decrypting anything.

A sealed value is `p1.<base64url(nonce | ciphertext | tag)>`, bound to what it is (`doc`,
`phone`: the associated data), so a sealed phone can't be passed off as an ID number. A keyed
hash is the hex HMAC of `<kind>:<normalised value>`: equal values hash equal (lookups, the
real-name unique index), and without the key a hash can't be tested against guessed numbers.
Losing the key file loses the encrypted values and every lookup by them: back it up with the
database, apart from it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from backend_stub.keyfiles import read_or_create_key

SEALED_PREFIX = "p1."
KEY_BYTES = 32
NONCE_BYTES = 12
DIGEST_HEX = 40  # 160 bits of the HMAC: plenty against collisions, shorter rows and indexes


def _new_key_file() -> bytes:
    lines = (base64.b64encode(os.urandom(KEY_BYTES)) for _ in range(2))
    return b"personal-data-keys-v1\n" + b"\n".join(lines) + b"\n"


class PersonalDataKeys:
    """Encrypt, decrypt and hash personal data with the keys of one key file."""

    def __init__(self, encryption_key: bytes, hash_key: bytes) -> None:
        if len(encryption_key) != KEY_BYTES or len(hash_key) != KEY_BYTES:
            raise ValueError("personal-data keys are 32 bytes each")
        self._aead = AESGCM(encryption_key)
        self._hash_key = hash_key

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> PersonalDataKeys:
        """The keys in the file at `path`, created (mode 0600) on first use."""
        text = read_or_create_key(Path(path), _new_key_file).decode("ascii")
        header, enc, mac = [*text.split(), "", "", ""][:3]
        if header != "personal-data-keys-v1" or not enc or not mac:
            raise ValueError(f"{path} is not a personal-data key file")
        return cls(base64.b64decode(enc), base64.b64decode(mac))

    def seal(self, kind: str, value: str) -> str:
        """`value` encrypted (empty stays empty)."""
        if not value:
            return ""
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._aead.encrypt(nonce, value.encode("utf-8"), kind.encode())
        return SEALED_PREFIX + base64.urlsafe_b64encode(nonce + sealed).decode("ascii")

    def open(self, kind: str, sealed: str) -> str:
        """The value `seal(kind, value)` encrypted (empty stays empty)."""
        if not sealed:
            return ""
        if not sealed.startswith(SEALED_PREFIX):
            raise ValueError("not a sealed personal-data value")
        raw = base64.urlsafe_b64decode(sealed[len(SEALED_PREFIX) :])
        plain = self._aead.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], kind.encode())
        return plain.decode("utf-8")

    def digest(self, kind: str, value: str) -> str:
        """The keyed hash of an already normalised value (empty stays empty)."""
        if not value:
            return ""
        mac = hmac.new(self._hash_key, f"{kind}:{value}".encode(), hashlib.sha256)
        return mac.hexdigest()[:DIGEST_HEX]
