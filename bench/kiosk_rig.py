"""What bench.journey and bench.startup share: the machine, percentiles, and a rig that runs the
scripted journeys (appliance/scenarios/) in this process against the bundled backend process
and the emulators, with a timeline of what the flows and the devices did.

The timeline is fed by hooks, nothing is patched: the flows' `Ports.observers` (run, publish,
wait, act; see kiosk/flows/base.py), the printer emulator's `on_bytes`, and the camera and ID
card reader the rig hands the scenarios, which note when the tourist shows a code or places a
card before passing the call on. The ID card reader's line speed is the emulator's `baud`.
"""

from __future__ import annotations

import asyncio
import os
import platform
import random
import statistics
import time
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import ExitStack, asynccontextmanager
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx

from appliance import scenarios
from appliance.backend import backend_process
from appliance.tourist import Emulators
from kiosk.config import KioskConfig
from kiosk.domain.ids import resident_id_check_char
from kiosk.flows.base import FlowEvent
from kiosk.startup import Kiosk, open_kiosk
from peripherals.idcard.emulator.cards import demo_card
from peripherals.idcard.protocol import IdCardData

OPS_HEADERS = {"Authorization": "Bearer demo-ops-token"}
KIOSK_HEADERS = {"Authorization": "Bearer demo-kiosk-token"}
PAPER_MM = 10_000_000.0  # a roll that lasts the whole bench (a ticket is ~130 mm)


def machine() -> dict[str, Any]:
    model = ""
    with open("/proc/cpuinfo", encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return {
        "cpu": model or platform.processor() or platform.machine(),
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "system": f"{platform.system()} {platform.release()}",
    }


def stats_ms(samples: list[float]) -> dict[str, float]:
    """median / p95 / min / max of millisecond samples (p95 by nearest rank)."""
    if not samples:
        return {"median": 0.0, "p95": 0.0, "min": 0.0, "max": 0.0}
    ordered = sorted(samples)
    rank = max(0, min(len(ordered) - 1, round(0.95 * len(ordered) + 0.5) - 1))
    return {
        "median": round(statistics.median(ordered), 1),
        "p95": round(ordered[rank], 1),
        "min": round(ordered[0], 1),
        "max": round(ordered[-1], 1),
    }


def rss_mb(pid: int | str = "self") -> float:
    """Resident memory (VmRSS) of a process in MB (2**20 bytes)."""
    with open(f"/proc/{pid}/status", encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


# --- the timeline ---------------------------------------------------------------------------


@dataclass
class Timeline:
    """Events (perf_counter seconds, kind, detail) of one journey, in order."""

    events: list[tuple[float, str, str]] = field(default_factory=list)

    def add(self, kind: str, detail: str = "") -> None:
        self.events.append((time.perf_counter(), kind, detail))

    def first(self, kind: str, detail: str | None = None, after: float = 0.0) -> float | None:
        for t, k, d in self.events:
            if k == kind and t >= after and (detail is None or d == detail):
                return t
        return None

    def kiosk_seconds(self) -> tuple[float, float]:
        """(kiosk busy, waiting for the tourist) summed over every flow run in the journey.

        Busy from a flow's start until it waits for an action; waiting from there until the
        action it gets was delivered (a tap, or a device event: a decoded code, a read card);
        busy again until the next wait or the end. An action delivered before the wait began
        costs no waiting."""
        busy = waiting = 0.0
        since = None  # busy since
        wait_from = None
        acts: list[tuple[float, str]] = []
        for t, kind, detail in self.events:
            if kind == "run_start":
                since, acts = t, []
            elif kind == "act":
                acts.append((t, detail))
            elif kind == "wait_start" and since is not None:
                busy += t - since
                since, wait_from = None, t
            elif kind == "wait_end" and wait_from is not None:
                delivered = wait_from
                while acts:  # the queue is FIFO: actions not allowed were dropped on the way
                    at, name = acts.pop(0)
                    if name == detail or name == "cancel":
                        delivered = max(wait_from, at)
                        break
                waiting += delivered - wait_from
                since, wait_from = delivered, None
            elif kind == "run_end" and since is not None:
                busy += t - since
                since = None
        return busy, waiting


class Recorder:
    """Notes what the flows, the tourist and the printer did into the current journey's
    timeline: `flow_event` is a flow observer (`Ports.observers`), `printer_bytes` a printer
    emulator `on_bytes` listener (called on the emulator's thread)."""

    def __init__(self) -> None:
        self.timeline = Timeline()

    def flow_event(self, event: FlowEvent) -> None:
        self.timeline.events.append((event.at, event.kind, event.detail))

    def printer_bytes(self, data: bytes) -> None:
        if _not_status(data):
            self.timeline.add("printer_bytes", str(len(data)))

    def new_journey(self) -> Timeline:
        self.timeline = Timeline()
        return self.timeline


def _not_status(data: bytes) -> bytes:
    """The bytes of a chunk with its status queries (DLE EOT n) taken out."""
    for n in (1, 2, 3, 4):
        data = data.replace(bytes([0x10, 0x04, n]), b"")
    return data


class NotedCamera:
    """The camera emulator as the rig hands it to the tourist: notes `code_shown` (the code's
    first 3 characters), then shows the code. Everything else is the emulator's."""

    def __init__(self, camera: Any, recorder: Recorder) -> None:
        self._camera = camera
        self._recorder = recorder

    def show_code(self, text: str, *args: Any, **kw: Any) -> None:
        self._recorder.timeline.add("code_shown", text[:3])
        self._camera.show_code(text, *args, **kw)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._camera, name)


class NotedIdCard:
    """The ID card reader emulator as the rig hands it to the tourist: notes `card_placed`
    (the demo card's name), then places the card. Everything else is the emulator's."""

    def __init__(self, idcard: Any, recorder: Recorder) -> None:
        self._idcard = idcard
        self._recorder = recorder

    def place_card(self, card: Any) -> None:
        self._recorder.timeline.add("card_placed", card if isinstance(card, str) else "card")
        self._idcard.place_card(card)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._idcard, name)


# --- the rig --------------------------------------------------------------------------------


@dataclass
class Rig:
    k: Kiosk
    emulators: Emulators
    backend_url: str
    recorder: Recorder
    imported: int = 0

    async def next_tourist(self, gap: float = 1.7) -> None:
        """The last tourist walks away: the camera shows nothing for longer than the scanner's
        once-per-presentation window (1.5 s), so the same code shown again reads again. The
        random part puts the next card at a random phase of the ID card watcher's 0.3 s poll."""
        self.emulators.camera.clear()
        self.emulators.idcard.lift_card()
        await asyncio.sleep(gap + random.uniform(0.0, 0.3))

    async def import_order(self, holder_id: str = "", tickets: int = 1) -> str:
        """A paid OTA order (adults) through the ops API, so a pickup can repeat. With a holder,
        the orders are spread over the next 30 days (the seed's days ahead)."""
        self.imported += 1
        ahead = 1 + (self.imported - 1) % 30 if holder_id else 1
        day = (date.today() + timedelta(days=ahead)).isoformat()
        async with httpx.AsyncClient(base_url=self.backend_url, timeout=10) as http:
            slots = await http.get(
                "/api/v1/slots", params={"product_id": "ADM", "date": day}, headers=KIOSK_HEADERS
            )
            slots.raise_for_status()
            slot = next(s for s in slots.json() if s["status"] == "open")
            ref = "BN" + uuid.uuid4().hex[:10].upper()
            holders = (
                [
                    {
                        "doc_type": "id_card",
                        "doc_number": holder_id,
                        "name": "张伟",
                        "phone": "13800138000",
                    }
                ]
                if holder_id
                else []
            )
            body = {
                "channel_order_id": ref,
                "buyer_phone": "13800138000",
                "lines": [{"product_id": "ADM", "slot_id": slot["id"],
                           "ticket_type_id": "ADM-ADULT", "quantity": tickets,
                           "holders": holders}],
            }  # fmt: skip
            made = await http.post("/api/v1/channels/ctrip/orders", json=body, headers=OPS_HEADERS)
            made.raise_for_status()
            return str(made.json()["order_no"])


@asynccontextmanager
async def rig(out: Path, idcard_baud: int = 115200) -> AsyncIterator[Rig]:
    """Backend process + emulators (no physical delay but the ID card line at `idcard_baud`)
    + the kiosk's brain, the recorder listening."""
    out.mkdir(parents=True, exist_ok=True)
    # Every run measures a fresh demo backend and journal: a second run into the same folder
    # must not meet the orders (and idempotency keys) of the first.
    for stale in [*out.glob("backend.db*"), *(out / "kiosk").glob("journal.sqlite*")]:
        stale.unlink()
    config = KioskConfig(data_dir=str(out / "kiosk"))
    config.timeouts.idle_seconds = 10.0  # a run that went wrong ends soon (no tourist waits 10 s)
    config.timeouts.still_there_seconds = 2.0
    recorder = Recorder()
    with ExitStack() as stack:
        emulators = Emulators.start(out / "tickets", paper_mm=PAPER_MM)
        stack.callback(emulators.stop)
        emulators.configure(config)
        # a pty has no line speed: the emulator paces its answers as a serial line would
        emulators.idcard.baud = idcard_baud or None
        emulators.printer.on_bytes.append(recorder.printer_bytes)
        url = stack.enter_context(backend_process(out / "backend.db"))
        config.backend_url = url
        # what the scenarios get: the same emulators, the tourist's camera and card reader noted
        noted = replace(
            emulators,
            camera=NotedCamera(emulators.camera, recorder),
            idcard=NotedIdCard(emulators.idcard, recorder),
        )
        async with open_kiosk(config) as k:
            k.ports.observers.append(recorder.flow_event)
            if k.devices.scanner is not None:
                # the same code twice in one journey (a payment code, a member QR) reads twice
                # when the tourist lowered the phone in between: 0.5 s, not 1.5 s, of absence
                k.devices.scanner.repeat_after = 0.5
            yield Rig(k, noted, url, recorder)


# --- journeys the bench can repeat ----------------------------------------------------------


def tourist_card(n: int) -> IdCardData:
    """The ID card of the bench's n-th tourist: the demo card of 张伟 with a resident ID number
    of its own (born n days after 1 Jan 1990; valid check character). Each run is another
    person, as at a kiosk: the backend limits lookups to 10 a minute per ID number
    (backend_stub.settings lookup_per_person), so one card placed every 2.3 s is refused
    (429 `rate_limited`) from the ~15th run on."""
    born = date(1990, 1, 1) + timedelta(days=n % 10_000)
    first17 = f"110101{born:%Y%m%d}123"
    return replace(
        demo_card("zhang_wei"),
        id_number=first17 + resident_id_check_char(first17),
        birth_date=f"{born:%Y%m%d}",
    )


async def pickup_id_fresh(r: Rig) -> dict[str, Any]:
    """pickup-id (appliance.scenarios.pickup_id: place the ID card, print) by the next tourist
    in the queue: a card of their own and a freshly imported paid order naming them. A lost run
    raises with the errors the journey showed (the scripted tourist's timeout names them)."""
    card = tourist_card(r.imported + 1)
    await r.import_order(card.id_number)
    r.recorder.new_journey()
    return await scenarios.pickup_id(r.k, r.emulators, card=card)


async def pickup_order_fresh(r: Rig) -> dict[str, Any]:
    """pickup-order (appliance.scenarios.pickup_order: show the order QR, print) on a freshly
    imported 3-ticket order."""
    order_no = await r.import_order(tickets=3)
    r.recorder.new_journey()
    return await scenarios.pickup_order(r.k, r.emulators, order_no=order_no)


def plain(name: str) -> Callable[[Rig], Any]:
    async def run(r: Rig) -> dict[str, Any]:
        r.recorder.new_journey()
        return await scenarios.SCENARIOS[name](r.k, r.emulators)

    return run


REPEATABLE: dict[str, Callable[[Rig], Any]] = {
    "purchase": plain("purchase"),
    "pickup-id": pickup_id_fresh,
    "pickup-order": pickup_order_fresh,
    "addon-with-parent": plain("addon-with-parent"),
    "addon-without-parent": plain("addon-without-parent"),
    "member-points": plain("member-points"),
    "rebook": plain("rebook"),
    "refund": plain("refund"),
    "payment-userpaying": plain("payment-userpaying"),
}


def pay_code(n: int) -> str:
    """A distinct WeChat payment code (18 digits, 10-15 first) that the simulator pays at once
    (last digit 0): a fresh code needs no gap for the scanner to read it as new."""
    return f"13{n % 10**15:015d}0"
