"""The backend API client: typed, with timeouts, and retries only where a retry is safe.

Every state-changing call takes an `idempotency_key` chosen by the caller (and journaled by the
caller before the call), so a retry after a dropped connection never sells, charges or refunds
twice. Reads are retried freely. Every error body becomes one `BackendError`. What the calls
return (catalog, slots, orders, tickets, payments, members, staff) is in kiosk/api_records.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

import httpx

from kiosk.api_records import (
    Catalog,
    Member,
    Order,
    Payment,
    Slot,
    StaffMember,
    Ticket,
    lang_text,
)

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
        self.retry_after = 0.0  # seconds the backend asked to wait (429 `Retry-After`), or 0

    @property
    def unreachable(self) -> bool:
        return self.status == 0


def _route(path: str) -> str:
    """A call's path for the log: its first segment only (ids and member numbers stay out)."""
    first = path.strip("/").split("/", 1)[0]
    return f"/{first}" + ("/…" if "/" in path.strip("/") else "")


class Connectivity:
    """What the calls lately saw of the way to the backend: when it last answered (any status
    counts: it was reached) and how many calls in a row did not reach it. Logged when that
    changes (lost, answering again), not per call; listeners hear every report (the kiosk's
    service state, kiosk/upkeep.py, decides from them when it is out of service)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.answered_at: float | None = None  # clock() of the last answer, None: none yet
        self.failures = 0  # calls in a row that did not reach the backend
        self.refused = False  # the last answer refused this kiosk's credential (401 unauthorized)
        self.failing_since: float | None = None  # clock() of the first of those
        self.last_failure = ""  # "POST /orders (ConnectTimeout)", no personal data
        self._listeners: list[Callable[[], None]] = []
        # told "<method> <route>" each time a call is about to be asked again (a journey on
        # screen says "the network is slow, retrying" at once, not after the last try)
        self.retry_listeners: list[Callable[[str], None]] = []
        self._lock = threading.Lock()

    def subscribe(self, listener: Callable[[], None]) -> Callable[[], None]:
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    def answered(self, refused: bool = False) -> None:
        with self._lock:
            if self.failures:
                log.info("backend answers again (after %d failed call(s))", self.failures)
            self.answered_at = self.clock()
            self.refused = refused
            self.failures, self.failing_since = 0, None
        self._tell()

    def failed(self, what: str) -> None:
        with self._lock:
            if not self.failures:
                self.failing_since = self.clock()
                log.warning("backend not reached: %s", what)
            else:
                log.debug("backend still not reached: %s", what)
            self.failures += 1
            self.last_failure = what
        self._tell()

    def retrying(self, what: str) -> None:
        log.debug("backend not reached, asking again: %s", what)
        for listener in list(self.retry_listeners):
            try:
                listener(what)
            except Exception:
                log.exception("retry listener failed")

    def _tell(self) -> None:
        for listener in list(self._listeners):
            try:
                listener()
            except Exception:  # a listener's bug must not fail the call that reported
                log.exception("connectivity listener failed")


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
        self.connectivity = Connectivity()

    async def aclose(self) -> None:
        await self._http.aclose()

    def rebind(self, base_url: str, kiosk_id: str, kiosk_token: str) -> None:
        """Speak to `base_url` as `kiosk_id` with `kiosk_token` from the next call on (staff
        mode's provisioning, kiosk/flows/provisioning.py); the cached catalog is dropped."""
        self.kiosk_id = kiosk_id
        self._http.base_url = httpx.URL(base_url.rstrip("/"))
        self._http.headers.update(
            {"Authorization": f"Bearer {kiosk_token}", "X-Kiosk-Id": kiosk_id}
        )
        self._catalog = None

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
                    self.connectivity.failed(f"{method} {_route(path)} ({type(exc).__name__})")
                    raise BackendError(
                        "backend_unreachable",
                        "无法连接后台服务",
                        "The backend cannot be reached",
                        0,
                    ) from exc
                self.connectivity.retrying(f"{method} {_route(path)}")
                await asyncio.sleep(self.retry_delay * (attempt + 1))
                continue
            error = None if resp.status_code in ok or resp.status_code == 304 else self._error(resp)
            self.connectivity.answered(refused=error is not None and error.code == "unauthorized")
            if error is None:
                return resp
            raise error
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
            error = BackendError(
                str(err.get("code") or f"http_{resp.status_code}"),
                lang_text(msg, "zh"),
                lang_text(msg, "en"),
                resp.status_code,
            )
        else:
            error = BackendError(
                f"http_{resp.status_code}",
                "后台服务错误",
                f"Backend error (HTTP {resp.status_code})",
                resp.status_code,
            )
        with contextlib.suppress(ValueError):  # Retry-After in seconds (never an HTTP date here)
            error.retry_after = max(0.0, float(resp.headers.get("Retry-After", "0")))
        return error

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

    # --- seated departures (backend_stub/api_seats.py): plain JSON, read by kiosk.flows.seats

    async def departures(self, product_id: str, date: str) -> list[dict[str, Any]]:
        params = {"product_id": product_id, "date": date}
        return (await self._request("GET", "/departures", params=params)).json()["departures"]

    async def seat_map(self, departure_id: str) -> dict[str, Any]:
        return (await self._request("GET", f"/departures/{departure_id}/seats")).json()

    async def riders(self, member_id: str) -> dict[str, Any]:
        """A member's past rides and saved travellers (masked)."""
        return (await self._request("GET", f"/members/{member_id}/riders")).json()

    # --- orders and payments ---------------------------------------------------------------

    async def create_order(self, request: dict[str, Any], idempotency_key: str) -> Order:
        resp = await self._request("POST", "/orders", json=request, idempotency_key=idempotency_key)
        return Order.parse(resp.json())

    async def quote(self, request: dict[str, Any]) -> dict[str, Any]:
        """POST /orders/quote: the server's price of an order request, line by line (holds
        nothing); a refused coupon or points request raises its BackendError."""
        return (await self._request("POST", "/orders/quote", json=request, ok=(200,))).json()

    async def request_invoice(self, order_id: str, body: dict[str, str]) -> dict[str, Any]:
        """POST /orders/{id}/invoice: an e-invoice for a paid order (once per order)."""
        resp = await self._request("POST", f"/orders/{order_id}/invoice", json=body)
        return resp.json()

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
        """Tell the backend a ticket came out. A report, not a request: while the backend does
        not answer (the last call did not reach it) it is not even tried, so the next ticket
        prints at once; the journal keeps the ticket unreported and the next replay tells it."""
        if self.connectivity.failures:
            raise BackendError(
                "backend_unreachable", "无法连接后台服务", "The backend cannot be reached", 0
            )
        await self._request(
            "POST", f"/tickets/{ticket_id}/printed", json={}, idempotency_key=idempotency_key
        )

    async def pickup(
        self,
        *,
        id_number: str = "",
        order_no: str = "",
        phone: str = "",
        code: str = "",
    ) -> list[Order]:
        """Paid orders waiting to be printed, found by ID number, order no + the FULL phone
        number, or a code (order QR, ticket). No gate codes: this kiosk may then print them,
        and `get_order` gives it the codes."""
        params = {
            k: v
            for k, v in {
                "id_number": id_number,
                "order_no": order_no,
                "phone": phone,
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

    async def aftersales_orders(self, *, ticket_code: str = "", id_number: str = "") -> list[Order]:
        """The orders a person may refund or rebook, by a ticket's code or his ID number."""
        query = {"ticket_code": ticket_code, "id_number": id_number}
        params = {k: v for k, v in query.items() if v}
        body = (await self._request("GET", "/aftersales", params=params)).json()
        return [Order.parse(o) for o in body.get("orders", [])]

    async def rebook(
        self,
        order_id: str,
        ticket_ids: list[str],
        slot_id: str,
        idempotency_key: str,
        proof: dict[str, str],
    ) -> dict[str, Any]:
        """200 `status: done` (moved; any difference back), or 202 `status: payment_required`
        with `due_fen` and `payment_order` (a held difference order to pay first). `proof`:
        `{"ticket_code": ...}` scanned here or `{"id_number": ...}` read from the card here."""
        resp = await self._request(
            "POST",
            f"/orders/{order_id}/rebook",
            json={"ticket_ids": ticket_ids, "slot_id": slot_id, **proof},
            idempotency_key=idempotency_key,
            ok=(200, 202),
        )
        return resp.json()

    async def refund(
        self, order_id: str, ticket_ids: list[str], idempotency_key: str, proof: dict[str, str]
    ) -> dict[str, Any]:
        """`proof` as for `rebook`."""
        resp = await self._request(
            "POST",
            f"/orders/{order_id}/refund",
            json={"ticket_ids": ticket_ids, **proof},
            idempotency_key=idempotency_key,
        )
        return resp.json()

    # --- members, staff, fleet -------------------------------------------------------------

    async def member(self, member_id: str) -> Member:
        return Member.parse((await self._request("GET", f"/members/{member_id}")).json())

    async def staff_verify(self, staff_id: str, pin: str) -> StaffMember:
        resp = await self._request("POST", "/staff/verify", json={"staff_id": staff_id, "pin": pin})
        return StaffMember.parse(resp.json(), staff_id)

    async def heartbeat(self, payload: dict[str, Any]) -> dict[str, Any]:
        """The backend's answer: `out_of_service` (the console's switch), catalog version."""
        resp = await self._request("POST", f"/kiosks/{self.kiosk_id}/heartbeat", json=payload)
        try:
            answer = resp.json()
        except ValueError:
            return {}
        return answer if isinstance(answer, dict) else {}
