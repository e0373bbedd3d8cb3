"""A lookup the backend refuses on an identify screen (pickup's orders, the add-ons' admission
ticket): shared by kiosk.flows.pickup and kiosk.flows.addons.

- Refused for a few seconds (429 with `Retry-After`, the backend's lookups per ID number, phone,
  order number or kiosk): said on the screen and waited out, at most MAX_WAITS times in a row;
  the flow then asks again (the ID card still lying on the reader: `ID_CARD_AGAIN`). A longer
  wait, or waited in vain: the tourist is told to try later.
- The backend not answering or failing (5xx): asked again for
  `timeouts.network_retry_seconds` (a GET, safe to repeat), the tourist told `net.retrying`;
  then told what to do next (lift the card and place it again, or the ticket window).
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from kiosk.client import BackendError
from kiosk.flows.base import Flow, Msg
from kiosk.flows.checkout import RETRYING

MAX_WAIT_SECONDS = 30.0
MAX_WAITS = 3
# the backend not answering (or failing, 5xx): asked again after these pauses, doubling
RETRY_PAUSE = 0.5
RETRY_PAUSE_MAX = 4.0

T = TypeVar("T")


@dataclass(frozen=True)
class RefusalCodes:
    """The error table's rows (kiosk/domain/errors.py) a flow's lookup refusals are told with."""

    network_down: str  # the backend not reached, after the retries
    failed: str  # the backend failing (5xx), after the retries
    later: str  # refused for longer than the kiosk waits, or waited in vain
    wait_card: str = "pickup_lookup_wait_card"  # waiting: leave the ID card on the reader
    wait: str = "pickup_lookup_wait"  # waiting (a code or number asked again)


class LookupRetry:
    """The refusals of one identify screen's lookups: `ask` retries a backend away; `refused`
    waits out a short 429 or says what to do next."""

    def __init__(self, flow: Flow, screen: str, codes: RefusalCodes) -> None:
        self.flow = flow
        self.screen = screen
        self.codes = codes
        self.waits = 0  # waits in a row

    async def ask(self, call: Callable[[], Awaitable[T]]) -> T:
        """`call()`, asked again while the backend does not answer (or answers 5xx), for
        `timeouts.network_retry_seconds`, `net.retrying` shown meanwhile (cancel only).
        Raises the last BackendError."""
        loop = asyncio.get_running_loop()
        give_up = loop.time() + self.flow.ports.config.timeouts.network_retry_seconds
        tries = 0
        while True:
            try:
                return await call()
            except BackendError as exc:
                if not transient(exc) or loop.time() >= give_up:
                    raise
            tries += 1
            if tries == 1:
                self.flow.publish(self.screen, Msg(RETRYING), actions=("cancel",))
            await self.pause(min(RETRY_PAUSE_MAX, RETRY_PAUSE * 2 ** (tries - 1)))

    async def refused(self, exc: BackendError, by_card: bool) -> Msg | None:
        """After a refused lookup: None once a short refusal was waited out (ask again: the ID
        card still on the reader when `by_card`), else what the tourist is told."""
        self.waits = self.waits + 1 if waitable(exc) else 0
        if not self.waits or self.waits > MAX_WAITS:
            self.waits = 0
            return self.refusal_msg(exc)
        await self.wait_out(exc.retry_after, by_card)
        return None

    async def wait_out(self, seconds: float, by_card: bool) -> None:
        """Say why and wait `seconds` (a cancel still ends the journey). An ID card placed
        meanwhile is not taken now: the screen offers none, so the hub keeps it while it lies
        there and the screen after the wait takes it."""
        code = self.codes.wait_card if by_card else self.codes.wait
        params = {**self.flow.rule_msg(code).params, "seconds": math.ceil(seconds)}
        self.flow.publish(self.screen, Msg(f"error.{code}", params), actions=("cancel",))
        await self.pause(seconds)

    async def pause(self, seconds: float) -> None:
        """`seconds` of waiting on the screen shown; a cancel tapped meanwhile ends the journey."""
        loop = asyncio.get_running_loop()
        end = loop.time() + seconds
        while (left := end - loop.time()) > 0:
            await self.flow.poll_action()  # raises FlowCancelled on cancel
            await asyncio.sleep(min(0.1, left))

    def refusal_msg(self, exc: BackendError) -> Msg:
        """What the tourist is told when a lookup was refused, and what to do next."""
        if exc.unreachable:
            return self.flow.rule_msg(self.codes.network_down)
        if exc.status >= 500:
            return self.flow.rule_msg(self.codes.failed)
        if exc.status == 429:  # a wait too long to keep them at the screen, or waited in vain
            return self.flow.rule_msg(self.codes.later)
        return self.flow.error_msg(exc)


def transient(exc: BackendError) -> bool:
    """A lookup worth asking again at once: the backend was not reached, or failed (5xx)."""
    return exc.unreachable or exc.status >= 500


def waitable(exc: BackendError) -> bool:
    """Refused for a few seconds only (429 with `Retry-After`): the kiosk waits it out."""
    return exc.status == 429 and 0 < exc.retry_after <= MAX_WAIT_SECONDS
