"""A kiosk's back-office side in a process of its own, for the console's tests: the kiosk's
own client (kiosk/client.py: the catalog poll with If-None-Match, orders) and heartbeat
(kiosk/upkeep.py `send_heartbeat`, which reports the cached catalog's version), as a kiosk
runs them, every POLL seconds. The test talks to it by lines of JSON:

    python -m tests.console.kiosk_agent URL KIOSK_ID TOKEN
    stdout: {"version": "7"} whenever the cached catalog's version changes
    stdin:  {"buy": "ADM", "type": "ADM-ADULT", "coupon": "X"} -> stdout {"order": {...},
            "slot_price": fen} (the first open slot from tomorrow: the price the kiosk shows,
            then the order the backend priced; the hold is cancelled after unless "keep")

`KioskAgent` starts one and reads its answers."""

from __future__ import annotations

import asyncio
import contextlib
import json
import subprocess
import sys
import time
import uuid
from datetime import date, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

POLL = 0.3
ROOT = Path(__file__).resolve().parents[2]


async def _buy(client: Any, ask: dict[str, Any]) -> dict[str, Any]:
    for offset in range(1, 8):
        day = (date.today() + timedelta(days=offset)).isoformat()
        slots = [s for s in await client.slots(ask["buy"], day) if s.status == "open"]
        if slots:
            break
    else:
        return {"error": "no open slot"}
    slot = slots[0]
    request = {
        "lines": [
            {
                "product_id": ask["buy"],
                "slot_id": slot.id,
                "ticket_type_id": ask["type"],
                "quantity": 1,
            }
        ],
    }
    if ask.get("coupon"):
        request["coupon_code"] = ask["coupon"]
    from kiosk.client import BackendError

    try:
        order = await client.create_order(request, uuid.uuid4().hex)
    except BackendError as exc:
        return {"error": exc.code}
    if not ask.get("keep"):
        await client.cancel_order(order.id, uuid.uuid4().hex)
    return {"order": order.raw, "slot_price": slot.prices.get(ask["type"]), "slot": slot.id}


async def run(url: str, kiosk_id: str, token: str) -> None:
    from kiosk.client import BackendClient, BackendError
    from kiosk.upkeep import send_heartbeat

    client = BackendClient(url, kiosk_id, token)
    ports = SimpleNamespace(client=client, devices=None)
    loop = asyncio.get_running_loop()
    asks: asyncio.Queue[str] = asyncio.Queue()
    loop.add_reader(sys.stdin.fileno(), lambda: asks.put_nowait(sys.stdin.readline()))
    told = None
    while True:
        with contextlib.suppress(BackendError):
            await client.poll_catalog()
        await send_heartbeat(ports)  # type: ignore[arg-type]
        version = client.cached_catalog.version if client.cached_catalog else None
        if version != told:
            print(json.dumps({"version": version}), flush=True)
            told = version
        while not asks.empty():
            line = asks.get_nowait()
            if not line:
                return
            print(json.dumps(await _buy(client, json.loads(line))), flush=True)
        await asyncio.sleep(POLL)


class KioskAgent:
    """One kiosk agent process; `.version` the catalog version it last reported."""

    def __init__(self, url: str, kiosk_id: str, token: str) -> None:
        self.kiosk_id = kiosk_id
        self.version: str | None = None
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tests.console.kiosk_agent", url, kiosk_id, token],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            bufsize=1,
        )

    def _line(self, timeout: float) -> dict[str, Any]:
        import select

        ready, _, _ = select.select([self.proc.stdout], [], [], timeout)
        assert ready, f"{self.kiosk_id}: no answer in {timeout} s"
        line = self.proc.stdout.readline()  # type: ignore[union-attr]
        assert line, f"{self.kiosk_id}: the agent exited"
        data = json.loads(line)
        if "version" in data:
            self.version = data["version"]
        return data

    def wait_version(self, version: str, timeout: float = 10) -> None:
        end = time.monotonic() + timeout
        while self.version != version:
            assert time.monotonic() < end, f"{self.kiosk_id} runs v{self.version}, not v{version}"
            self._line(end - time.monotonic())

    def wait_any_version(self, timeout: float = 10) -> str:
        while self.version is None:
            self._line(timeout)
        return self.version

    def buy(
        self, product_id: str, type_id: str, coupon: str = "", keep: bool = False
    ) -> dict[str, Any]:
        """Buy one ticket as the kiosk does; `keep`: leave the order held (else cancelled)."""
        ask = {"buy": product_id, "type": type_id, "coupon": coupon, "keep": keep}
        self.proc.stdin.write(json.dumps(ask) + "\n")  # type: ignore[union-attr]
        self.proc.stdin.flush()  # type: ignore[union-attr]
        while True:
            data = self._line(15)
            if "version" not in data:
                return data

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.stdin.close()  # type: ignore[union-attr]
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


if __name__ == "__main__":
    asyncio.run(run(sys.argv[1], sys.argv[2], sys.argv[3]))
