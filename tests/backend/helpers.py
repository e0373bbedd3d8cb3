"""Small helpers for backend tests: today's slot ids and order bodies."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import httpx

WECHAT_OK = "134567890123456780"  # last digit 0: success at once
WECHAT_SLOW = "134567890123456786"  # 6: userpaying, success on the second poll
WECHAT_BROKE = "134567890123456788"  # 8: insufficient balance
WECHAT_NEVER = "134567890123456789"  # 9: userpaying forever
ALIPAY_OK = "2801234567890123"


def slot(product: str, day: date, hour: int) -> str:
    return f"{product}-{day:%Y%m%d}-{hour:02d}00"


def later_day(days: int = 3) -> date:
    return date.today() + timedelta(days=days)


def open_today_hour() -> int | None:
    """The last hourly slot still open today (16:00 closes at 17:00), or None after hours."""
    return 16 if datetime.now().hour < 17 else None


def line(product: str, slot_id: str, type_id: str, qty: int = 1, **extra: Any) -> dict:
    return {
        "product_id": product,
        "slot_id": slot_id,
        "ticket_type_id": type_id,
        "quantity": qty,
    } | extra


def order(client: httpx.Client, *lines: dict, **extra: Any) -> httpx.Response:
    return client.post("/api/v1/orders", json={"lines": list(lines)} | extra)


def paid_order(client: httpx.Client, *lines: dict, **extra: Any) -> dict:
    r = order(client, *lines, **extra)
    assert r.status_code == 201, r.text
    o = r.json()
    if o["status"] == "held":
        p = client.post(
            f"/api/v1/orders/{o['id']}/payments",
            json={"method": "auth_code", "auth_code": WECHAT_OK},
        )
        assert p.json()["status"] == "success", p.text
    return client.get(f"/api/v1/orders/{o['id']}").json()


def proof_of(o: dict) -> dict[str, str]:
    """What a refund or rebooking at a kiosk carries (issue 11): the code of one of the order's
    tickets, as if scanned there. `o` as the printing kiosk reads it (`GET /orders/{id}`)."""
    return {"ticket_code": next(t["code"] for t in o["tickets"] if t.get("code"))}


def current_proof(client: httpx.Client, order_id: str) -> dict[str, str]:
    """`proof_of` the order as it is now (a rebooked ticket has a new code)."""
    return proof_of(client.get(f"/api/v1/orders/{order_id}").json())


def printable(client: httpx.Client, found: list[dict]) -> list[dict]:
    """Orders found by a lookup (pickup), read again by the kiosk that found them: the print
    path, with the tickets' codes (a lookup answer has none)."""
    return [client.get(f"/api/v1/orders/{o['id']}").json() for o in found]
