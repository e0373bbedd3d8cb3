"""The signed ticket code a gate verifies offline: ``KT1.<payload b64url>.<signature b64url>``.

The payload is compact text, fields joined by ``|``: ticket id, product id, date (YYYYMMDD),
slot id, ticket type id, and the key id (kid) of the key that signed it. The signature is
Ed25519 over the payload bytes. A verifier holds a key set (kid -> public key, the backend's
`GET /keys`): the kid picks the key, so keys can be rotated while older codes still verify.
A code from before key ids (five fields) is tried against every key of the set.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

# cryptography is imported where a key is used: reading a code's claims (all the kiosk does)
# needs none of it, and the kiosk app holds 3-5 MB less at rest without it (docs/bench-kiosk.md)
if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import (
        Ed25519PrivateKey,
        Ed25519PublicKey,
    )

PREFIX = "KT1"
_SEP = "|"


class TicketCodeError(ValueError):
    """The text is not a ticket code this key signed (forged, altered or malformed)."""


@dataclass(frozen=True)
class TicketClaims:
    ticket_id: str
    product_id: str
    date: date
    slot_id: str
    ticket_type_id: str
    kid: str = ""  # the signing key's id; "" in a code from before key ids

    def payload(self) -> bytes:
        fields = (self.ticket_id, self.product_id, self.date.strftime("%Y%m%d"), self.slot_id,
                  self.ticket_type_id) + ((self.kid,) if self.kid else ())  # fmt: skip
        for value in fields:
            if _SEP in value or not value:
                raise ValueError(f"ticket field {value!r} is empty or contains {_SEP!r}")
        return _SEP.join(fields).encode()


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def unb64url(text: str) -> bytes:
    if not text.isascii():
        raise TicketCodeError("not base64url")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:
        raise TicketCodeError("not base64url") from exc


def key_id(public_key: Ed25519PublicKey) -> str:
    """A key's id: the first 8 characters of its raw public key in base64url."""
    return public_key_to_b64(public_key)[:8]


def sign_ticket(claims: TicketClaims, key: Ed25519PrivateKey) -> str:
    """The code for `claims`, signed by `key`; give `claims.kid` (key_id of the key) so a
    verifier with several keys knows which one to use."""
    payload = claims.payload()
    return f"{PREFIX}.{b64url(payload)}.{b64url(key.sign(payload))}"


def read_claims(text: str) -> TicketClaims:
    """The claims of a code WITHOUT checking its signature (for display only)."""
    parts = text.strip().split(".")
    if len(parts) != 3 or parts[0] != PREFIX:
        raise TicketCodeError("not a KT1 ticket code")
    try:
        fields = unb64url(parts[1]).decode("utf-8").split(_SEP)
    except UnicodeDecodeError as exc:
        raise TicketCodeError("payload is not text") from exc
    if len(fields) not in (5, 6) or not all(fields):
        raise TicketCodeError("payload has the wrong fields")
    ticket_id, product_id, day, slot_id, type_id = fields[:5]
    kid = fields[5] if len(fields) == 6 else ""
    try:
        on = date(int(day[:4]), int(day[4:6]), int(day[6:8]))
    except ValueError as exc:
        raise TicketCodeError("payload date is not a date") from exc
    if len(day) != 8:
        raise TicketCodeError("payload date is not a date")
    return TicketClaims(ticket_id, product_id, on, slot_id, type_id, kid)


KeySet = Mapping[str, "Ed25519PublicKey"]


def verify_ticket(text: str, keys: Ed25519PublicKey | KeySet) -> TicketClaims:
    """The claims of a code whose signature one of `keys` accepts; TicketCodeError otherwise.

    `keys`: one public key, or a key set (kid -> key): a code names its kid and only that key
    may verify it (an unknown kid is refused); a code without a kid is tried with each key."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    claims = read_claims(text)
    parts = text.strip().split(".")
    signature = unb64url(parts[2])
    if isinstance(keys, Ed25519PublicKey):
        candidates = [keys]
    elif claims.kid:
        if claims.kid not in keys:
            raise TicketCodeError("signed by an unknown or retired key")
        candidates = [keys[claims.kid]]
    else:
        candidates = list(keys.values())
    for public_key in candidates:
        try:
            public_key.verify(signature, unb64url(parts[1]))
            break
        except InvalidSignature:
            continue
    else:
        raise TicketCodeError("signature does not match")
    # reject encodings that decode to the same bytes but differ in text (e.g. padding)
    if b64url(claims.payload()) != parts[1] or b64url(signature) != parts[2]:
        raise TicketCodeError("non-canonical encoding")
    return claims


def new_private_key() -> Ed25519PrivateKey:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    return Ed25519PrivateKey.generate()


def private_key_to_b64(key: Ed25519PrivateKey) -> str:
    from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

    return b64url(key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption()))


def private_key_from_b64(text: str) -> Ed25519PrivateKey:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    return Ed25519PrivateKey.from_private_bytes(unb64url(text))


def public_key_to_b64(key: Ed25519PublicKey) -> str:
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    return b64url(key.public_bytes(Encoding.Raw, PublicFormat.Raw))


def public_key_from_b64(text: str) -> Ed25519PublicKey:
    raw = unb64url(text)
    if len(raw) != 32:
        raise TicketCodeError("an Ed25519 public key has 32 bytes")
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    return Ed25519PublicKey.from_public_bytes(raw)
