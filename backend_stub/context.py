"""What every service function gets: the store, the signing key, the settings, the clock,
and the in-memory catalog cache (rebuilt only when prices change or a new version falls due)."""

from __future__ import annotations

import secrets
import time
from datetime import date, datetime, timedelta

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from backend_stub.catalog_model import Catalog, read_catalog
from backend_stub.clock import local_now
from backend_stub.settings import Settings
from backend_stub.store import Store
from kiosk.domain.ticket_code import (
    new_private_key,
    private_key_from_b64,
    private_key_to_b64,
    public_key_to_b64,
)


class Backend:
    def __init__(self, store: Store, settings: Settings) -> None:
        self.store = store
        self.settings = settings
        self.signing_key = self._load_key()
        self.public_key = self.signing_key.public_key()
        self.public_key_b64 = public_key_to_b64(self.public_key)
        self.key_id = self.public_key_b64[:8]
        self._catalog: Catalog | None = None
        self._kiosk_tokens: dict[str, str] | None = None

    def now(self) -> datetime:
        """Local wall-clock time (shifted by `clock_offset_seconds`, for tests and demos)."""
        offset = self.settings.clock_offset_seconds
        return local_now() + timedelta(seconds=offset) if offset else local_now()

    def today(self) -> date:
        return self.now().date()

    def _load_key(self) -> Ed25519PrivateKey:
        with self.store.transaction():
            text = self.store.meta("signing_key")
            if text is None:
                key = new_private_key()
                self.store.set_meta("signing_key", private_key_to_b64(key))
                return key
        return private_key_from_b64(text)

    def kiosk_for_token(self, token: str) -> str | None:
        if self._kiosk_tokens is None:
            rows = self.store.all("SELECT token, kiosk_id FROM kiosk_tokens")
            self._kiosk_tokens = {r["token"]: r["kiosk_id"] for r in rows}
        for known, kiosk_id in self._kiosk_tokens.items():
            if secrets.compare_digest(known, token):
                return kiosk_id
        return None

    def invalidate_catalog(self) -> None:
        self._catalog = None

    def catalog(self) -> Catalog:
        cached = self._catalog
        if cached is not None and time.time() < cached.good_until:
            return cached
        self._catalog = read_catalog(self.store, self.settings, self.now())
        return self._catalog
