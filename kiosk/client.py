"""The backend API client: typed, with timeouts, and retries only where a retry is safe.

Every state-changing call takes an `idempotency_key` chosen by the caller (and journaled by the
caller before the call), so a retry after a dropped connection never sells, charges or refunds
twice. Reads are retried freely. Every error body becomes one `BackendError`.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import Any

import httpx

log = logging.getLogger("kiosk.client")

API = "/api/v1"


class BackendError(Exception):
    """An error the backend (or the way to it) reported, with a stable machine code."""

    def __init__(self, code: str, message_zh: str, message_en: str, status: int = 0) -> None:
        super().__init__(f"{code}: {message_en}")
        self.code = code
        self.message_zh = message_zh
        self.message_en = message_en
        self.status = status  # HTTP status; 0 when the backend could not be reached

    @property
    def unreachable(self) -> bool:
        return self.status == 0


def _text(value: Any, lang: str) -> str:
    if isinstance(value, dict):
        return str(value.get(lang) or value.get("zh") or value.get("en") or "")
    return "" if value is None else str(value)


@dataclass(frozen=True)
class TicketType:
    id: str
    name_zh: str
    name_en: str
    price_fen: int = 0
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def parse(cls, data: dict[str, Any]) -> TicketType:
        name = data.get("name", {})
        return cls(
            id=str(data["id"]),
            name_zh=_text(name, "zh"),
            name_en=_text(name, "en"),
            price_fen=int(data.get("price_fen", 0) or 0),
            raw=data,
        )


@dataclass(frozen=True)
class Product:
    id: str
    kind: str  # admission, addon, bundle
    name_zh: str
    name_en: str
    real_name: bool
    parent_product_id: str | None
    ticket_types: tuple[TicketType, ...]
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def parse(cls, data: dict[str, Any]) -> Product:
        name = data.get("name", {})
        return cls(
            id=str(data["id"]),
            kind=str(data.get("kind", "admission")),
            name_zh=_text(name, "zh"),
            name_en=_text(name, "en"),
            real_name=bool(data.get("real_name", False)),
            parent_product_id=data.get("parent_product_id") or None,
            ticket_types=tuple(TicketType.parse(t) for t in data.get("ticket_types", [])),
            raw=data,
        )

    def ticket_type(self, type_id: str) -> TicketType | None:
        return next((t for t in self.ticket_types if t.id == type_id), None)


@dataclass(frozen=True)
class Catalog:
    version: str
    products: tuple[Product, ...]
    etag: str = ""

    @classmethod
    def parse(cls, data: dict[str, Any], etag: str = "") -> Catalog:
        return cls(
            version=str(data.get("version", "")),
            products=tuple(Product.parse(p) for p in data.get("products", [])),
            etag=etag,
        )

    def product(self, product_id: str) -> Product | None:
        return next((p for p in self.products if p.id == product_id), None)

    def of_kind(self, kind: str) -> list[Product]:
        return [p for p in self.products if p.kind == kind]


@dataclass(frozen=True)
class Slot:
    id: str
    date: str
    start: str
    end: str
    capacity: int
    remaining: int
    prices: dict[str, int]
    status: str = "open"  # open, closed, sold_out

    @classmethod
    def parse(cls, data: dict[str, Any]) -> Slot:
        return cls(
            id=str(data["id"]),
            date=str(data.get("date", "")),
            start=str(data.get("start", "")),
            end=str(data.get("end", "")),
            capacity=int(data.get("capacity", 0) or 0),
            remaining=int(data.get("remaining", 0) or 0),
            prices={str(k): int(v) for k, v in (data.get("prices") or {}).items()},
            status=str(data.get("status") or "open"),
        )

    @property
    def label(self) -> str:
        return f"{self.start}-{self.end}" if self.start else ""


@dataclass(frozen=True)
class Ticket:
    id: str
    code: str
    status: str  # issued, printed, used, refunded
    product_id: str = ""
    ticket_type_id: str = ""
    date: str = ""
    slot: str = ""
    price_fen: int = 0
    holder_name: str = ""
    holder_doc_number: str = ""
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def parse(cls, data: dict[str, Any]) -> Ticket:
        holder = data.get("holder") or {}
        slot = data.get("slot") or ""
        if isinstance(slot, dict):
            slot = f"{slot.get('start', '')}-{slot.get('end', '')}".strip("-")
        if not slot and data.get("start"):
            slot = f"{data['start']}-{data.get('end') or ''}".strip("-")
        return cls(
            id=str(data["id"]),
            code=str(data.get("code", "")),
            status=str(data.get("status", "")),
            product_id=str(data.get("product_id", "")),
            ticket_type_id=str(data.get("ticket_type_id", "")),
            date=str(data.get("date") or data.get("visit_date") or ""),
            slot=str(slot or data.get("slot_label") or ""),
            price_fen=int(data.get("paid_fen") or data.get("price_fen") or 0),
            holder_name=str(holder.get("name") or data.get("holder_name") or ""),
            holder_doc_number=str(holder.get("doc_number") or data.get("holder_doc_number") or ""),
            raw=data,
        )


@dataclass(frozen=True)
class Order:
    id: str
    order_no: str
    status: str  # held, paid, expired, cancelled, refunded, partially_refunded
    total_fen: int
    expires_at: str
    tickets: tuple[Ticket, ...]
    points_earned: int = 0
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def parse(cls, data: dict[str, Any]) -> Order:
        return cls(
            id=str(data["id"]),
            order_no=str(data.get("order_no", "")),
            status=str(data.get("status", "")),
            total_fen=int(data.get("total_fen", 0) or 0),
            expires_at=str(data.get("expires_at") or ""),
            tickets=tuple(Ticket.parse(t) for t in data.get("tickets", [])),
            points_earned=int(data.get("points_earned", 0) or 0),
            raw=data,
        )

    def unprinted(self) -> list[Ticket]:
        return [t for t in self.tickets if t.status == "issued"]


@dataclass(frozen=True)
class Payment:
    id: str
    status: str  # success, userpaying, failed, cancelled (and pending for a fresh QR)
    code_url: str = ""
    reason_code: str = ""
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def parse(cls, data: dict[str, Any]) -> Payment:
        reason = data.get("failure") or data.get("reason") or data.get("error") or {}
        reason_code = reason.get("code", "") if isinstance(reason, dict) else str(reason)
        return cls(
            id=str(data["id"]),
            status=str(data.get("status", "")),
            code_url=str(data.get("code_url") or ""),
            reason_code=str(reason_code or data.get("reason_code") or ""),
            raw=data,
        )

    @property
    def final(self) -> bool:
        return self.status in ("success", "failed", "cancelled", "closed", "reversed")


@dataclass(frozen=True)
class Member:
    id: str
    tier: str
    points: int
    ledger: tuple[dict[str, Any], ...] = ()
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def parse(cls, data: dict[str, Any]) -> Member:
        tier = data.get("tier", "")
        if isinstance(tier, dict):
            tier = tier.get("name") or tier.get("id") or ""
            tier = _text(tier, "zh") if isinstance(tier, dict) else tier
        return cls(
            id=str(data.get("id") or data.get("member_id") or ""),
            tier=str(tier),
            points=int(data.get("points", 0) or 0),
            ledger=tuple(data.get("ledger", []) or []),
            raw=data,
        )


@dataclass(frozen=True)
class StaffSession:
    staff_id: str
    role: str
    name: str = ""


class BackendClient:
    """Talks to `/api/v1` of the bundled backend (or any backend implementing its OpenAPI)."""

    def __init__(
        self,
        base_url: str,
        kiosk_id: str,
        kiosk_token: str,
        timeout: float = 5.0,
        retries: int = 2,
        retry_delay: float = 0.2,
    ) -> None:
        self.kiosk_id = kiosk_id
        self.retries = retries
        self.retry_delay = retry_delay
        self._http = httpx.AsyncClient(
            base_url=base_url.rstrip("/"),
            timeout=httpx.Timeout(timeout),
            headers={"Authorization": f"Bearer {kiosk_token}", "X-Kiosk-Id": kiosk_id},
        )
        self._catalog: Catalog | None = None

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> BackendClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    # --- transport -------------------------------------------------------------------------

    async def _request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: dict[str, Any] | None = None,
        idempotency_key: str | None = None,
        headers: dict[str, str] | None = None,
        ok: tuple[int, ...] = (200, 201),
    ) -> httpx.Response:
        hdrs = dict(headers or {})
        if idempotency_key:
            hdrs["Idempotency-Key"] = idempotency_key
        safe = method == "GET" or bool(idempotency_key)
        attempts = 1 + (self.retries if safe else 0)
        for attempt in range(attempts):
            try:
                resp = await self._http.request(
                    method, API + path, json=json, params=params, headers=hdrs
                )
            except (httpx.TransportError, httpx.TimeoutException) as exc:
                # A timeout on a call without a key may have done its work: never retry it.
                if attempt + 1 >= attempts:
                    log.warning("backend unreachable: %s %s (%s)", method, path, type(exc).__name__)
                    raise BackendError(
                        "backend_unreachable",
                        "无法连接后台服务",
                        "The backend cannot be reached",
                        0,
                    ) from exc
                await asyncio.sleep(self.retry_delay * (attempt + 1))
                continue
            if resp.status_code in ok or resp.status_code == 304:
                return resp
            raise self._error(resp)
        raise AssertionError("unreachable")  # pragma: no cover

    @staticmethod
    def _error(resp: httpx.Response) -> BackendError:
        try:
            body = resp.json()
        except ValueError:
            body = {}
        err = body.get("error") if isinstance(body, dict) else None
        if isinstance(err, dict):
            msg = err.get("message") or {}
            return BackendError(
                str(err.get("code") or f"http_{resp.status_code}"),
                _text(msg, "zh"),
                _text(msg, "en"),
                resp.status_code,
            )
        return BackendError(
            f"http_{resp.status_code}",
            "后台服务错误",
            f"Backend error (HTTP {resp.status_code})",
            resp.status_code,
        )

    # --- catalog ---------------------------------------------------------------------------

    @property
    def cached_catalog(self) -> Catalog | None:
        return self._catalog

    async def poll_catalog(self) -> tuple[Catalog, bool]:
        """The current catalog and whether it changed since the last poll (ETag, 304)."""
        headers = {"If-None-Match": self._catalog.etag} if self._catalog else {}
        resp = await self._request("GET", "/catalog", headers=headers)
        if resp.status_code == 304 and self._catalog is not None:
            return self._catalog, False
        catalog = Catalog.parse(resp.json(), resp.headers.get("ETag", ""))
        changed = self._catalog is None or catalog.version != self._catalog.version
        self._catalog = catalog
        return catalog, changed

    async def catalog(self) -> Catalog:
        return (await self.poll_catalog())[0]

    async def slots(self, product_id: str, date: str) -> list[Slot]:
        resp = await self._request("GET", "/slots", params={"product_id": product_id, "date": date})
        body = resp.json()
        items = body.get("slots", []) if isinstance(body, dict) else body
        return [Slot.parse(s) for s in items]

    # --- orders and payments ---------------------------------------------------------------

    async def create_order(self, request: dict[str, Any], idempotency_key: str) -> Order:
        resp = await self._request("POST", "/orders", json=request, idempotency_key=idempotency_key)
        return Order.parse(resp.json())

    async def get_order(self, order_id: str) -> Order:
        return Order.parse((await self._request("GET", f"/orders/{order_id}")).json())

    async def cancel_order(self, order_id: str, idempotency_key: str) -> Order:
        resp = await self._request(
            "POST", f"/orders/{order_id}/cancel", json={}, idempotency_key=idempotency_key
        )
        return Order.parse(resp.json())

    async def pay(self, order_id: str, auth_code: str | None, idempotency_key: str) -> Payment:
        """Pay by payment code, or (auth_code None) ask for a native QR to show."""
        body = {"method": "auth_code", "auth_code": auth_code} if auth_code else {"method": "qr"}
        resp = await self._request(
            "POST", f"/orders/{order_id}/payments", json=body, idempotency_key=idempotency_key
        )
        return Payment.parse(resp.json())

    async def get_payment(self, order_id: str, payment_id: str) -> Payment:
        resp = await self._request("GET", f"/orders/{order_id}/payments/{payment_id}")
        return Payment.parse(resp.json())

    async def cancel_payment(self, order_id: str, payment_id: str, idempotency_key: str) -> Payment:
        resp = await self._request(
            "POST",
            f"/orders/{order_id}/payments/{payment_id}/cancel",
            json={},
            idempotency_key=idempotency_key,
        )
        return Payment.parse(resp.json())

    async def mark_printed(self, ticket_id: str, idempotency_key: str) -> None:
        await self._request(
            "POST", f"/tickets/{ticket_id}/printed", json={}, idempotency_key=idempotency_key
        )

    async def pickup(
        self,
        *,
        id_number: str = "",
        order_no: str = "",
        phone_last4: str = "",
        code: str = "",
    ) -> list[Order]:
        """Paid orders waiting to be printed, found by ID number, order no + phone, or a code."""
        params = {
            k: v
            for k, v in {
                "id_number": id_number,
                "order_no": order_no,
                "phone_last4": phone_last4,
                "code": code,
            }.items()
            if v
        }
        body = (await self._request("GET", "/pickup", params=params)).json()
        items = body.get("orders", []) if isinstance(body, dict) else body
        return [Order.parse(o) for o in items]

    async def parents(
        self, date: str, *, id_number: str = "", phone: str = "", ticket_code: str = ""
    ) -> list[Ticket]:
        """Valid admission (or bundle) tickets someone holds for `date` (add-on parents)."""
        params = {"date": date, "id_number": id_number, "phone": phone, "ticket_code": ticket_code}
        body = (
            await self._request("GET", "/parents", params={k: v for k, v in params.items() if v})
        ).json()
        return [Ticket.parse(t) for t in body.get("tickets", [])]

    async def rebook(
        self, order_id: str, ticket_ids: list[str], slot_id: str, idempotency_key: str
    ) -> dict[str, Any]:
        """200 `status: done` (moved; any difference back), or 202 `status: payment_required`
        with `due_fen` and `payment_order` (a held difference order to pay first)."""
        resp = await self._request(
            "POST",
            f"/orders/{order_id}/rebook",
            json={"ticket_ids": ticket_ids, "slot_id": slot_id},
            idempotency_key=idempotency_key,
            ok=(200, 202),
        )
        return resp.json()

    async def refund(
        self, order_id: str, ticket_ids: list[str], idempotency_key: str
    ) -> dict[str, Any]:
        resp = await self._request(
            "POST",
            f"/orders/{order_id}/refund",
            json={"ticket_ids": ticket_ids},
            idempotency_key=idempotency_key,
        )
        return resp.json()

    # --- members, staff, fleet -------------------------------------------------------------

    async def member(self, member_id: str) -> Member:
        return Member.parse((await self._request("GET", f"/members/{member_id}")).json())

    async def staff_verify(self, staff_id: str, pin: str) -> StaffSession:
        resp = await self._request("POST", "/staff/verify", json={"staff_id": staff_id, "pin": pin})
        body = resp.json()
        return StaffSession(
            staff_id=str(body.get("staff_id", staff_id)),
            role=str(body.get("role", "")),
            name=str(body.get("name", "")),
        )

    async def heartbeat(self, payload: dict[str, Any]) -> None:
        await self._request("POST", f"/kiosks/{self.kiosk_id}/heartbeat", json=payload)
