"""What every service function gets: the store, the signing key, the settings, the clock,
and the in-memory catalog cache (rebuilt only when prices change or a new version falls due)."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from backend_stub.store import Store
from kiosk.domain.catalog import Eligibility
from kiosk.domain.pricing import PriceRules
from kiosk.domain.ticket_code import (
    new_private_key,
    private_key_from_b64,
    private_key_to_b64,
    public_key_to_b64,
)


@dataclass
class Settings:
    hold_seconds: int = 300
    rebook_fee_fen: int = 0  # per ticket, when rebooking less than 24 h before its slot
    ops_token: str = "demo-ops-token"
    area_name_zh: str = "云台山风景区"
    area_name_en: str = "Yuntai Mountain Scenic Area"


@dataclass
class TicketType:
    id: str
    product_id: str
    code: str
    name_zh: str
    name_en: str
    eligibility: Eligibility
    is_child: bool
    base_fen: int


@dataclass
class Product:
    id: str
    kind: str
    parent_product_id: str | None
    real_name: bool
    name_zh: str
    name_en: str
    rules: PriceRules
    child_needs_adult: bool
    max_per_order: int
    row: dict[str, Any]
    ticket_types: dict[str, TicketType] = field(default_factory=dict)


@dataclass
class Catalog:
    version: int
    products: dict[str, Product]
    ticket_types: dict[str, TicketType]
    body: dict[str, Any]
    etag: str
    good_until: float  # epoch when a scheduled price version falls due


def local_now() -> datetime:
    """The server's local wall-clock time, naive (the area's time zone)."""
    return datetime.now().replace(microsecond=0)


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
        return local_now()

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
        from backend_stub.services.catalog import build_catalog

        self._catalog = build_catalog(self, self.now())
        return self._catalog


def epoch_of(moment: datetime) -> float:
    return moment.timestamp()


def iso(moment: datetime | None) -> str | None:
    """Local time with its UTC offset, as clients see it."""
    return moment.astimezone().isoformat() if moment is not None else None


def plus_seconds(moment: datetime, seconds: float) -> datetime:
    return moment + timedelta(seconds=seconds)
