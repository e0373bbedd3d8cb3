"""What every service function gets: the store, the signing keys (a key file,
signing_keys.py), the settings, the clock, and the in-memory catalog cache (rebuilt only when
prices change or a new version falls due)."""

from __future__ import annotations

import time
from datetime import date, datetime, timedelta
from pathlib import Path

from backend_stub.catalog_model import Catalog, read_catalog
from backend_stub.clock import local_now
from backend_stub.keyfiles import default_key_path
from backend_stub.personal_keys import PersonalDataKeys
from backend_stub.rate_limiter import DatabaseRateLimiter, InProcessRateLimiter, RateLimiter
from backend_stub.settings import Settings
from backend_stub.signing_keys import KeyRing, key_file_for
from backend_stub.stores import Store


class Backend:
    def __init__(self, store: Store, settings: Settings) -> None:
        self.store = store
        self.settings = settings
        # ID numbers and phones: encrypted and hashed with keys from a file beside the database
        key_file = settings.personal_data_key_file or default_key_path(store.path, "personal-data")
        self.personal_keys = PersonalDataKeys.load(key_file)
        # services.limits, request_limits: one process keeps its buckets in memory; the
        # workers of a PostgreSQL backend share theirs in the database
        self.limiter: RateLimiter = (
            DatabaseRateLimiter(store) if store.dialect == "postgresql" else InProcessRateLimiter()
        )
        self.keys = self._open_keys()  # the ticket signing keys, from their key file
        self._catalog: Catalog | None = None

    def now(self) -> datetime:
        """Local wall-clock time (shifted by `clock_offset_seconds`, for tests and demos)."""
        offset = self.settings.clock_offset_seconds
        return local_now() + timedelta(seconds=offset) if offset else local_now()

    def today(self) -> date:
        return self.now().date()

    def _open_keys(self) -> KeyRing:
        """The key file (created on first start); a database that still holds the key of
        before key files gives it to the file and forgets it."""
        path = Path(self.settings.key_file) if self.settings.key_file else None
        legacy = self.store.meta("signing_key")
        keys = KeyRing.open(path or key_file_for(self.store.path), legacy, self.now())
        if legacy is not None and keys.holds(legacy):
            with self.store.transaction():
                self.store.run("DELETE FROM meta WHERE key = 'signing_key'")
            self.store.checkpoint()  # no old copy of it left in the WAL
        return keys

    def invalidate_catalog(self) -> None:
        self._catalog = None

    def catalog(self) -> Catalog:
        cached = self._catalog
        if cached is not None and time.time() < cached.good_until:
            return cached
        self._catalog = read_catalog(self.store, self.settings, self.now())
        return self._catalog
