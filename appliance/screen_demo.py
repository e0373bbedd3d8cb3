"""A tourist played through the real screens: `kiosk app --drive appliance.screen_demo:play`
(what a headless `kiosk demo` runs) plays a purchase, a pickup by ID card and an add-on, tapping
real widgets and using the emulators' control endpoint ($KIOSK_CONTROL_URL) to place the ID card
and show the payment code, and saves a screenshot of every screen under $KIOSK_DEMO_OUT.

The UI tests play the same journeys (tests/ui/scenarios_kiosk.py) and assert on what they read.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import Any

import httpx

from appliance.scenarios.common import pay_code as fresh_code
from ui.driver import Driver
from ui.presenters.texts import yuan

PAY_OK = "134567890123456780"  # WeChat; the backend's simulator: last digit 0-5 succeeds
# a payment code is new for every payment (WeChat and Alipay codes are one-time): each payment
# shows a fresh one like these (`fresh_code`; the same text again within a second or two of the
# first is, to the scanner, the same presentation, reported once)
PAY_OK_ADDON = "134567890123456781"
PAY_USERPAYING = "134567890123456786"
PAY_FAILS = "134567890123456788"


class Control:
    """The emulators' control endpoint, called off the UI thread."""

    def __init__(self, url: str | None = None) -> None:
        self.url = (url or os.environ.get("KIOSK_CONTROL_URL", "")).rstrip("/")

    def post_now(self, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        reply = httpx.post(f"{self.url}{path}", json=body or {}, timeout=5.0)
        reply.raise_for_status()
        return reply.json() if reply.content else {}

    async def post(self, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        return await asyncio.to_thread(self.post_now, path, body)

    async def get(self, path: str) -> Any:
        reply = await asyncio.to_thread(httpx.get, f"{self.url}{path}", timeout=5.0)
        reply.raise_for_status()
        return reply.json()

    async def place_card(self, name: str) -> None:
        await self.post("/idcard/lift")
        await asyncio.sleep(1.0)  # the reader's watcher sees the card go before a new one
        await self.post("/idcard/place", {"card": name})

    async def show_code(self, text: str, kind: str = "payment", seconds: float = 4) -> None:
        await self.post("/camera/show", {"text": text, "kind": kind, "seconds": seconds})


class Shots:
    """Screenshots named in order: 01_start_zh_CN.png, 02_choose_slot_zh_CN.png, ..."""

    def __init__(self, d: Driver, folder: Path | None) -> None:
        self.d = d
        self.folder = folder
        self.count = 0
        self.taken: list[str] = []

    async def __call__(self, name: str) -> Path | None:
        if self.folder is None:
            return None
        self.count += 1
        path = self.folder / f"{self.count:02d}_{name}_{self.d.app.tr.lang}.png"
        await self.d.screenshot(path)
        self.taken.append(path.name)
        return path


async def texts_of(d: Driver) -> list[str]:
    await d.frames(2)
    return d.texts()


async def at_start(d: Driver, timeout: float = 30) -> None:
    """Back on the start screen with the home flow listening (a journey's last screen may
    linger: tap Finish when it shows)."""
    finish = d.find(wid="finish")
    if finish is not None and d.app.navigator.current != "start":
        await d.tap(finish)
    await d.wait_screen("start", timeout=timeout)
    await d.until(lambda: _home_listening(d), "the home flow", timeout)


async def leave(d: Driver) -> None:
    """The tourist gives up: back, back... cancel, to the start screen without buying."""
    for _ in range(8):
        if d.app.navigator.current == "start":
            break
        button = d.find(wid="cancel") or await d.wait_for(wid="back", timeout=10)
        await d.tap(button)
        await asyncio.sleep(0.4)
    await at_start(d)


def _home_listening(d: Driver) -> bool:
    view = d.app.navigator.flow_view
    flow = getattr(view, "flow", None)
    return flow is not None and flow.name == "home" and flow.state.screen == "home"


async def purchase(d: Driver, control: Control, shot: Shots, pay_code: str | None = None) -> dict:
    """Two adults for the next slot: buy, admission, slot, "2", next, confirm -> pay."""
    await at_start(d)
    await shot("start")
    taps = d.taps
    await d.tap(await d.wait_for(wid="buy"))
    await d.wait_screen("choice", timeout=10)
    await shot("choose_product")
    await d.tap(await d.wait_for(wid="product_ADM"))
    await d.wait_screen("choose_slot", timeout=10)
    await shot("choose_slot")
    index = await first_open_slot(d)
    adult_fen = int(d.app.navigator.current_screen.params["slots"][index]["prices"]["ADM-ADULT"])
    await d.tap(await d.wait_for(wid=f"slot_{index}"))
    await d.wait_screen("ticket_counter", timeout=10)
    await d.tap(await d.wait_for(wid="count_ADM-ADULT_2"))
    total = f"¥{yuan(2 * adult_fen)}"  # the day's and the slot's price (weekend, early/late)
    await d.until(lambda: total in " ".join(d.texts()), "the total for two adults")
    await shot("ticket_counter")
    await d.tap(await d.wait_for(wid="next"))
    await d.wait_screen("summary", timeout=10)
    await shot("summary")
    await d.tap(await d.wait_for(wid="confirm"))
    await d.wait_screen("device_prompt", timeout=15)
    taps_to_pay = d.taps - taps
    await asyncio.sleep(0.6)  # a few preview frames
    await shot("pay")
    read = {"pay": await texts_of(d)}
    await control.show_code(pay_code or fresh_code(PAY_OK))
    await d.wait_screen("progress", timeout=30)
    read["progress"] = await texts_of(d)
    await shot("printing")
    await d.wait_screen("summary", timeout=40)
    await d.wait_for(wid="finish", timeout=10)
    read["done"] = await texts_of(d)
    await shot("done")
    await d.tap(await d.wait_for(wid="finish"))
    return {"taps_to_pay": taps_to_pay, "read": read, "adult_fen": adult_fen, "total": total}


async def adults_to_summary(d: Driver, adults: int) -> None:
    """From the start screen: admission, the first open entry time, `adults` adult tickets, on
    to the order summary (what the UI scenarios of the summary start from)."""
    await at_start(d)
    await d.tap(await d.wait_for(wid="buy"))
    await d.tap(await d.wait_for(wid="product_ADM", timeout=10))
    await d.wait_screen("choose_slot", timeout=10)
    await d.tap(await d.wait_for(wid=f"slot_{await first_open_slot(d)}"))
    await d.tap(await d.wait_for(wid=f"count_ADM-ADULT_{adults}", timeout=10))
    await d.tap(await d.wait_for(wid="next"))
    await d.wait_screen("summary", timeout=10)


async def first_open_slot(d: Driver) -> int:
    """Today's first open slot with room for two; after the last slot of the day has closed,
    tomorrow's (one tap on the date row, not counted in `d.taps`)."""
    params = d.app.navigator.current_screen.params
    for index, slot in enumerate(params.get("slots", [])):
        if slot.get("open") and slot.get("remaining", 0) >= 2:
            return index
    if len(params.get("dates", [])) < 2:
        raise AssertionError(f"no open slot today: {params.get('slots')}")
    today = params.get("date")
    await d.tap(await d.wait_for(wid="date_1"))
    d.taps -= 1
    await d.until(
        lambda: d.app.navigator.current_screen.params.get("date") != today, "tomorrow's slots"
    )
    params = d.app.navigator.current_screen.params
    for index, slot in enumerate(params.get("slots", [])):
        if slot.get("open") and slot.get("remaining", 0) >= 2:
            return index
    raise AssertionError(f"no open slot today or tomorrow: {params.get('slots')}")


async def to_bundle_holder(d: Driver, ticket_type_id: str) -> str:
    """From the start screen to the holder screen of one bundle ticket (real-name) of
    `ticket_type_id`: buy, the bundle, the first open slot, one ticket, next. The ticket's
    price on that day (weekend and peak rules), as shown: "¥180"."""
    await at_start(d)
    await d.tap(await d.wait_for(wid="buy"))
    await d.tap(await d.wait_for(wid="product_BUNDLE", timeout=10))
    await d.wait_screen("choose_slot", timeout=10)
    index = await first_open_slot(d)
    price = d.app.navigator.current_screen.params["slots"][index]["prices"][ticket_type_id]
    await d.tap(await d.wait_for(wid=f"slot_{index}"))
    await d.tap(await d.wait_for(wid=f"count_{ticket_type_id}_1", timeout=10))
    await d.tap(await d.wait_for(wid="next"))
    await d.wait_screen("device_prompt", timeout=10)
    return f"¥{yuan(int(price))}"


async def pickup_by_id(d: Driver, control: Control, shot: Shots, card: str = "zhang_wei") -> dict:
    """No tap: the card placed on the start screen prints the order waiting for it."""
    await at_start(d)
    taps = d.taps
    await control.place_card(card)
    await d.wait_screen("progress", timeout=15)
    read = {"progress": await texts_of(d)}
    await shot("pickup_printing")
    await d.wait_for(wid="finish", timeout=40)
    read["done"] = await texts_of(d)
    await shot("pickup_done")
    taps_used = d.taps - taps
    await d.tap(await d.wait_for(wid="finish"))
    return {"taps": taps_used, "read": read}


async def last_ticket_code(control: Control) -> str:
    """The code (KT1.…) of the newest ticket the printer printed."""
    printed = await control.get("/printer/tickets")
    return next(q for t in reversed(printed) for q in t["qr"] if q.startswith("KT1."))


async def addon(d: Driver, control: Control, shot: Shots, ticket: str = "") -> dict:
    """The cable car for the holder of an admission, who shows it: `ticket` (a KT1.… code),
    else the ticket just printed."""
    await at_start(d)
    await d.tap(await d.wait_for(wid="addons"))
    await d.wait_screen("device_prompt", timeout=10)
    await shot("addon_identify")
    ticket = ticket or await last_ticket_code(control)
    await control.show_code(ticket, kind="qr", seconds=3)
    await d.wait_for(wid="addon_CABLE", timeout=15)
    read = {"choose": await texts_of(d)}
    await shot("addon_choose")
    await d.tap(await d.wait_for(wid="addon_CABLE"))
    await d.wait_screen("choose_slot", timeout=10)
    await d.tap(await d.wait_for(wid="slot_" + str(await first_open_slot(d))))
    await d.wait_screen("ticket_counter", timeout=10)
    await d.tap(await d.wait_for(wid="count_CABLE-ADULT_1"))
    await d.tap(await d.wait_for(wid="next"))
    await d.wait_screen("summary", timeout=10)
    await d.tap(await d.wait_for(wid="confirm"))
    await d.wait_screen("device_prompt", timeout=15)
    await control.show_code(fresh_code(PAY_OK_ADDON))
    await d.wait_for(wid="finish", timeout=40)
    read["done"] = await texts_of(d)
    await shot("addon_done")
    await d.tap(await d.wait_for(wid="finish"))
    return {"read": read}


async def play(d: Driver) -> dict[str, Any]:
    """The headless demo: purchase, pickup by ID card, add-on; screenshots to $KIOSK_DEMO_OUT."""
    out = Path(os.environ.get("KIOSK_DEMO_OUT", "var/demo/run")) / "screens"
    out.mkdir(parents=True, exist_ok=True)
    control = Control()
    shot = Shots(d, out)
    bought = await purchase(d, control, shot)
    # the cable car goes with the admission just bought: its day has open slots at any hour
    # (after the last slot has closed, tomorrow's), the seeded order picked up is today's
    admission = await last_ticket_code(control)
    result = {
        "purchase": bought,
        "pickup": await pickup_by_id(d, control, shot),
        "addon": await addon(d, control, shot, ticket=admission),
    }
    await at_start(d)
    return {"screens": shot.taken, "taps_to_pay": result["purchase"]["taps_to_pay"],
            "pickup_taps": result["pickup"]["taps"]}  # fmt: skip
