"""What runs beside the journeys: the heartbeat, the catalog poll (ETag), the devices' health, and
the service state the start screen offers from.

`ServiceMonitor` (one per journey loop) knows what the start screen needs to offer only what the
kiosk can finish:

- the backend: `unknown` until the first call, `up` after any answer, `refused` (out of
  service, "credential revoked") while its answers refuse the kiosk's credential (a 401
  `unauthorized`: revoked in the console), `down` (out of service) after
  `timeouts.offline_after_failures` calls in a row that did not reach it or
  `timeouts.offline_after_seconds` of them, and at once when it has not answered since the
  start; `up` again at the next answer. Every call reports (`kiosk.client.Connectivity`); the
  heartbeat makes sure there is one every `heartbeat_seconds`, and every
  `heartbeat_retry_seconds` while the backend does not answer.
- the devices: their statuses, read every `device_poll_seconds` while the start screen shows and
  with each heartbeat; never while a journey runs (it owns the printer then: the last reading
  is sent instead). No printer that can print (missing, paper out, cover open): no purchase,
  pickup, add-ons or rebook.

Each change is logged once (the devices' in kiosk/devices.py) and wakes the start screen
(`await monitor.changed(version)`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from kiosk.client import BackendError
from kiosk.flows.base import Ports
from peripherals.status import DeviceState, DeviceStatus

log = logging.getLogger("kiosk.upkeep")

VERSION = "0.1.0"

# the start screen's taps whose journey ends at the printer
PRINTS = frozenset({"buy", "pickup", "addons", "seats", "rebook"})


@dataclass(frozen=True)
class ServiceView:
    """What the kiosk can finish now, as the start screen offers it."""

    backend: str = "unknown"  # unknown, up, down
    printer: DeviceStatus | None = None  # None: not read yet
    version: int = 0
    switched_off: bool = False  # the back office sent "out of service" (heartbeat answer)

    @property
    def in_service(self) -> bool:
        return self.backend not in ("down", "refused") and not self.switched_off

    @property
    def can_print(self) -> bool:
        return self.printer is None or self.printer.healthy

    def offers(self, taps: Iterable[str]) -> tuple[str, ...]:
        """`taps` less those that cannot be finished now."""
        return tuple(t for t in taps if self.can_print or t not in PRINTS)

    def as_data(self) -> dict[str, Any]:
        printer = self.printer
        return {
            "backend": self.backend,
            "switched_off": self.switched_off,
            "printer": {
                "state": printer.state.value if printer else "unknown",
                "code": printer.code if printer else "",
                "zh": printer.message_zh if printer else "",
                "en": printer.message_en if printer else "",
            },
        }


class ServiceMonitor:
    """The backend's and the devices' state for the start screen; logs each change once."""

    def __init__(self, ports: Ports) -> None:
        self.ports = ports
        self.backend = "unknown"
        self.printer: DeviceStatus | None = None
        self.statuses: dict[str, DeviceStatus] = {}  # the last reading of every device
        self.version = 0
        self.switched_off = False  # the console's "out of service" switch (heartbeat answer)
        self.journey_running = False  # set by the journey loop: the devices are the journey's
        self._event = asyncio.Event()
        self._reading = asyncio.Lock()
        self._last_heartbeat_error = ""
        self.close = ports.client.connectivity.subscribe(self.reconsider)
        self.reconsider()

    def view(self) -> ServiceView:
        return ServiceView(self.backend, self.printer, self.version, self.switched_off)

    def note_switch(self, off: bool) -> None:
        """The back office's out-of-service switch, from a heartbeat answer."""
        if off == self.switched_off:
            return
        if off:
            log.warning("out of service: switched off by the back office")
        else:
            log.info("back in service: switched on by the back office")
        self.switched_off = off
        self._bump()

    async def changed(self, version: int) -> None:
        """Returns once the view's version is past `version`."""
        while self.version == version:
            await self._event.wait()

    def _bump(self) -> None:
        self.version += 1
        self._event.set()
        self._event = asyncio.Event()

    # the backend ------------------------------------------------------------------------------
    def backend_state(self) -> str:
        link = self.ports.client.connectivity
        timeouts = self.ports.config.timeouts
        if not link.failures:
            if link.refused:  # it answers, but not to this kiosk's credential (revoked)
                return "refused"
            return "unknown" if link.answered_at is None else "up"
        if link.answered_at is None:  # not one answer since the start
            return "down"
        if link.failures >= timeouts.offline_after_failures:
            return "down"
        since = link.failing_since if link.failing_since is not None else link.clock()
        if link.clock() - since >= timeouts.offline_after_seconds:
            return "down"
        return self.backend if self.backend in ("down", "refused") else "up"

    def reconsider(self) -> None:
        """A call reported (kiosk.client.Connectivity): is the kiosk in service?"""
        state = self.backend_state()
        if state == self.backend:
            return
        link = self.ports.client.connectivity
        if state == "down":
            log.warning(
                "out of service: the backend does not answer (%d call(s), last %s)",
                link.failures,
                link.last_failure,
            )
        elif state == "refused":
            log.warning("out of service: the backend refuses this kiosk's credential")
        elif self.backend in ("down", "refused"):
            log.info("back in service: the backend answers again")
        self.backend = state
        self._bump()

    # the devices ------------------------------------------------------------------------------
    async def read_devices(self) -> dict[str, DeviceStatus]:
        """Every device's status now (or the last reading while a journey runs)."""
        devices = self.ports.devices
        if devices is None or self.journey_running:
            return dict(self.statuses)
        async with self._reading:  # one reading at a time: the printer answers one question
            statuses = await asyncio.to_thread(devices.statuses)
        self.statuses = statuses
        self.note_printer(statuses.get("printer") or _no_printer())
        return statuses

    def note_printer(self, status: DeviceStatus) -> None:
        before = self.printer
        if before is not None and (before.state, before.code) == (status.state, status.code):
            self.printer = status
            return
        self.printer = status
        if before is not None or not status.healthy:
            self._bump()

    def heartbeat_failed(self, exc: BackendError) -> None:
        """An answer that refused the heartbeat (a bad token, say): logged once per code; a
        backend that did not answer is the connectivity's to log."""
        if exc.unreachable or exc.code == self._last_heartbeat_error:
            log.debug("heartbeat failed: %s", exc.code)
        else:
            log.warning("heartbeat refused: %s", exc.code)
        self._last_heartbeat_error = "" if exc.unreachable else exc.code

    def heartbeat_ok(self) -> None:
        self._last_heartbeat_error = ""


def _no_printer() -> DeviceStatus:
    return DeviceStatus(
        "printer", DeviceState.MISSING, "not_configured", "未配置", "Not configured"
    )


def heartbeat_body(
    ports: Ports, statuses: dict[str, DeviceStatus] | None = None, switched_off: bool | None = None
) -> dict[str, Any]:
    if statuses is None:
        statuses = ports.devices.statuses() if ports.devices else {}
    printer = statuses.get("printer")
    if printer is None or printer.state == "missing":
        paper = "unknown"
    elif printer.code in ("paper_out", "paper_near_end"):
        paper = "out" if printer.code == "paper_out" else "near_end"
    else:
        paper = "ok" if printer.healthy else "unknown"
    catalog = ports.client.cached_catalog
    return {
        "devices": {name: st.as_dict() for name, st in statuses.items()},
        "paper_level": paper,
        "version": VERSION,
        "catalog_version": int(catalog.version) if catalog and catalog.version.isdigit() else None,
        "out_of_service": switched_off,
    }


async def send_heartbeat(ports: Ports, monitor: ServiceMonitor | None = None) -> bool:
    if monitor is not None:
        body = heartbeat_body(ports, await monitor.read_devices(), monitor.switched_off)
    else:
        body = await asyncio.to_thread(heartbeat_body, ports)
    try:
        answer = await ports.client.heartbeat(body)
    except BackendError as exc:
        if monitor is not None:
            monitor.heartbeat_failed(exc)
        else:
            log.warning("heartbeat failed: %s", exc.code)
        return False
    if monitor is not None:
        monitor.heartbeat_ok()
        monitor.note_switch(bool((answer or {}).get("out_of_service")))
    return True


async def heartbeat_loop(
    ports: Ports, monitor: ServiceMonitor | None = None, sent: bool | None = None
) -> None:
    """A heartbeat every `heartbeat_seconds`; every `heartbeat_retry_seconds` while it fails
    (so the kiosk notices soon when the backend is back). `sent`: the first one was just sent
    (True: answered, False: not), so the loop starts with the pause."""
    timeouts = ports.config.timeouts
    ok = sent
    while True:
        if ok is None:
            ok = await send_heartbeat(ports, monitor)
        pause = timeouts.heartbeat_seconds
        if not ok:
            pause = min(pause, timeouts.heartbeat_retry_seconds)
        await ports.clock.sleep(pause)
        ok = None


async def catalog_loop(ports: Ports) -> None:
    """Keep the cached catalog fresh (If-None-Match; a 304 costs nothing)."""
    while True:
        try:
            _, changed = await ports.client.poll_catalog()
            if changed:
                log.info("catalog now version %s", ports.client.cached_catalog.version)
        except BackendError as exc:  # not answering: the connectivity logged it, once
            (log.debug if exc.unreachable else log.warning)("catalog poll failed: %s", exc.code)
        await ports.clock.sleep(ports.config.timeouts.catalog_poll_seconds)


async def device_loop(ports: Ports, monitor: ServiceMonitor) -> None:
    """The devices' health every `device_poll_seconds` (between journeys only), so the start
    screen stops offering a purchase the moment the paper runs out, and offers it again."""
    failing = False
    while True:
        try:
            await monitor.read_devices()
            failing = False
        except Exception:  # a reading's surprise must not end the loop; logged once
            if not failing:
                log.exception("reading the devices failed")
            failing = True
        await ports.clock.sleep(ports.config.timeouts.device_poll_seconds)
