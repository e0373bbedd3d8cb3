"""The kiosk's devices built from its config, and the hub that turns their events into actions.

`build_devices(config)` opens each configured driver with its package's `open_<device>(setting)`
(the setting's scheme picks the transport: peripherals.transport); a device left out, or whose
setting no driver speaks, is None and reports `missing` in `statuses()`. `DeviceHub` runs the
camera scanner, an ID card watcher and a smart card watch, and hands each event to the flow on
screen (`hub.target = flow`) as a `scan`, `id_card` or `smart_card` action, on the flow's
asyncio loop.

A device's state is logged when it changes, not at every reading: `statuses()` (heartbeat, the
start screen's device poll) and the ID card watcher's polls both report to `Devices.note`, which
logs a device going missing or failing once and its coming back once.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from kiosk.config import KioskConfig
from kiosk.domain.code_kinds import CodeKind, classify
from kiosk.flows.base import ID_CARD_AGAIN
from peripherals.camera.protocol import CodeScanner
from peripherals.idcard.protocol import IdCardData, IdCardReader
from peripherals.printer.protocol import TicketPrinter
from peripherals.smartcard.protocol import SmartCardData, SmartCardReader
from peripherals.status import DeviceError, DeviceState, DeviceStatus

log = logging.getLogger("kiosk.devices")


@dataclass
class Devices:
    printer: TicketPrinter | None = None
    idcard: IdCardReader | None = None
    smartcard: SmartCardReader | None = None
    scanner: CodeScanner | None = None
    # device -> why it is None though configured (a setting no driver speaks)
    problems: dict[str, DeviceStatus] = field(default_factory=dict)
    # device -> (state, code) last logged
    _seen: dict[str, tuple[str, str]] = field(default_factory=dict, repr=False)
    _seen_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def note(self, status: DeviceStatus) -> None:
        """Log `status` when it differs from the device's last one (state and code): once when
        it goes missing or fails, once when it is back; never at every reading."""
        now = (status.state.value, status.code)
        with self._seen_lock:
            before = self._seen.get(status.device)
            self._seen[status.device] = now
        if before == now or (before is None and status.healthy):
            return
        if status.healthy:
            log.info("%s: %s again", status.device, status.state.value)
        elif status.code == "not_configured":  # left out on purpose
            log.info("%s: not configured", status.device)
        else:
            log.warning(
                "%s: %s (%s: %s)", status.device, status.state.value, status.code, status.message_en
            )

    def statuses(self) -> dict[str, DeviceStatus]:
        out = self._read_statuses()
        for status in out.values():
            self.note(status)
        return out

    def _read_statuses(self) -> dict[str, DeviceStatus]:
        out: dict[str, DeviceStatus] = {}
        for name in ("printer", "idcard", "smartcard", "camera"):
            device = getattr(self, "scanner" if name == "camera" else name)
            if device is None:
                out[name] = self.problems.get(name) or DeviceStatus(
                    name, DeviceState.MISSING, "not_configured", "未配置", "Not configured"
                )
                continue
            try:
                out[name] = device.status()
            except Exception as exc:  # a driver breaking its promise is still only a status
                out[name] = DeviceStatus(
                    name,
                    DeviceState.ERROR,
                    "status_failed",
                    "状态读取失败",
                    f"Status failed: {type(exc).__name__}",
                )
        return out

    def close(self) -> None:
        for device in (self.printer, self.idcard, self.smartcard):
            if device is not None:
                try:
                    device.close()
                except Exception:
                    log.exception("closing a device failed")
        if self.scanner is not None:
            self.scanner.stop()


def smartcard_wanted(config: KioskConfig) -> bool:
    """True when the config names a smart card reader or PC/SC lists one now; False (never an
    error) when pyscard or pcscd is absent: a missing reader is a status."""
    if config.devices.smartcard:
        return True
    try:
        from peripherals.smartcard.pcsc_calls import list_readers

        return bool(list_readers())
    except Exception as exc:
        log.info("no smart card reader found: %s", type(exc).__name__)
        return False


def known_code(text: str) -> bool:
    """The Code 128 reads the camera may trust: a code the kiosk knows (a payment, order,
    member or ticket code). QR reads are trusted anyway (Reed-Solomon). bench.scan uses the
    same, so the benchmark measures the kiosk's own pipeline."""
    return classify(text).kind != CodeKind.UNKNOWN


def _opened(devices: Devices, name: str, setting: str, open_device: Callable[[], Any]) -> Any:
    """What `open_device()` opens, or None with the reason kept as the device's status."""
    try:
        return open_device()
    except DeviceError as exc:  # a setting no driver speaks: a status, not a crash
        log.warning("%s not opened: %s", name, exc)
        devices.problems[name] = DeviceStatus(
            name,
            DeviceState.MISSING,
            exc.code,
            exc.message_zh,
            exc.message_en,
            {"setting": setting},
        )
        return None


def build_devices(config: KioskConfig, *, with_smartcard: bool = True) -> Devices:
    """Open the drivers the config names; an empty setting leaves that device out. Each device
    package is imported only when its device is configured (OpenCV alone is ~45 MB)."""
    dev = config.devices
    devices = Devices()
    if dev.printer:
        from peripherals.printer import open_printer

        devices.printer = _opened(
            devices,
            "printer",
            dev.printer,
            lambda: open_printer(dev.printer, baudrate=dev.printer_baud),
        )
    if dev.idcard:
        from peripherals.idcard import open_idcard_reader

        devices.idcard = _opened(
            devices,
            "idcard",
            dev.idcard,
            lambda: open_idcard_reader(dev.idcard, baudrate=dev.idcard_baud),
        )
    if dev.camera:
        from peripherals.camera import open_camera

        devices.scanner = _opened(
            devices,
            "camera",
            dev.camera,
            lambda: open_camera(dev.camera, accept_code128=known_code),
        )
    if with_smartcard:
        try:
            from peripherals.smartcard import open_smartcard_reader
        except Exception as exc:  # pyscard absent: the kiosk runs without member cards
            log.warning("smart card reader unavailable: %s", type(exc).__name__)
        else:
            devices.smartcard = _opened(
                devices, "smartcard", dev.smartcard, lambda: open_smartcard_reader(dev.smartcard)
            )
    return devices


class DeviceHub:
    """Delivers device events to the flow on screen, from the drivers' threads to its loop."""

    def __init__(self, devices: Devices, loop: asyncio.AbstractEventLoop) -> None:
        self.devices = devices
        self.loop = loop
        self._target: Any = None
        self._unsubscribe: Callable[[], None] | None = None
        # an ID card read while no screen took cards, still on the reader (see `target`)
        self._untaken_card: IdCardData | None = None
        # the ID card lying on the reader now, taken or not (for a screen offering id_card_again)
        self._card_on_reader: IdCardData | None = None
        self._stops: list[Callable[[], None]] = []
        self._smartcard_stop: Callable[[], None] | None = None

    @property
    def target(self) -> Any:
        """The flow on screen (anything with .act(name, **params))."""
        return self._target

    @target.setter
    def target(self, flow: Any) -> None:
        """Set on the loop's thread. An ID card is read once per placement, so a card read
        while the screen took no card (the last tourist's `done` screen, the moment between two
        screens) is kept while it lies on the reader and goes to the first screen that offers
        `id_card`: the start screen that comes back, say. A card a screen took is given again
        only to a screen that asks for it (`id_card_again`, kiosk.flows.base.ID_CARD_AGAIN: a
        pickup looking again after a refused lookup), while it still lies there."""
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        self._target = flow
        subscribe = getattr(flow, "subscribe", None)
        if callable(subscribe):
            self._unsubscribe = subscribe(lambda state: self._offer_untaken_card(flow, state))

    def start(self) -> DeviceHub:
        if self.devices.scanner is not None:
            self.devices.scanner.start(lambda text: self._deliver("scan", text=text))
            self._stops.append(self.devices.scanner.stop)
        if self.devices.idcard is not None:
            from peripherals.idcard import IdCardWatcher

            watcher = IdCardWatcher(
                self.devices.idcard,
                self._on_id_card,
                on_removed=self._on_id_card_removed,
                on_state=self.devices.note,
            ).start()
            self._stops.append(watcher.stop)
        if self.devices.smartcard is not None:
            self._watch_smartcard(self.devices.smartcard)
        return self

    def add_smartcard(self, reader: SmartCardReader) -> bool:
        """Use `reader` for member and staff cards from now on (a hub already started, e.g. a
        reader opened later): its cards reach the flow on screen as `smart_card` actions.
        False (a status, logged) when the reader cannot be watched."""
        if self.devices.smartcard is reader and self._smartcard_stop is not None:
            return True
        if self._smartcard_stop is not None:  # replacing a reader: stop watching the old one
            self._smartcard_stop()
        self.devices.smartcard = reader
        return self._watch_smartcard(reader)

    def _watch_smartcard(self, reader: SmartCardReader) -> bool:
        try:
            stop = reader.watch(self._on_smart_card)
        except Exception as exc:  # a driver breaking its promise is still only a status
            log.warning("smart card watch failed: %s", type(exc).__name__)
            return False

        def stop_once() -> None:
            if self._smartcard_stop is stop_once:
                self._smartcard_stop = None
                stop()

        self._smartcard_stop = stop_once
        self._stops.append(stop_once)
        return True

    def stop(self) -> None:
        while self._stops:
            try:
                self._stops.pop()()
            except Exception:
                log.exception("stopping a device watcher failed")

    def _on_id_card(self, card: IdCardData) -> None:
        self._on_loop(self._id_card_read, card)

    def _on_id_card_removed(self) -> None:
        self._on_loop(self._forget_untaken_card)

    def _id_card_read(self, card: IdCardData) -> None:
        """On the loop: the card to the flow on screen, or kept when its screen takes none.
        With no flow yet (the kiosk starting) it is dropped, as a card left on the reader."""
        self._card_on_reader = card
        target = self._target
        if target is None:
            return
        state = getattr(target, "state", None)
        if state is None or "id_card" in state.actions:
            target.act("id_card", card=card)
        else:
            self._untaken_card = card

    def _offer_untaken_card(self, flow: Any, state: Any) -> None:
        if flow is not self._target or "id_card" not in state.actions:
            return
        card = self._untaken_card
        if card is None and ID_CARD_AGAIN in state.actions:
            card = self._card_on_reader  # asked for again: the card still lying there
        if card is not None:
            self._untaken_card = None
            flow.act("id_card", card=card)

    def _forget_untaken_card(self) -> None:
        """The card was lifted: neither kept for the next screen nor given again."""
        self._untaken_card = None
        self._card_on_reader = None

    def _on_smart_card(self, card: SmartCardData) -> None:
        self._deliver("smart_card", card=card)

    def _deliver(self, name: str, **params: Any) -> None:
        target = self.target
        if target is not None:
            self._on_loop(lambda: target.act(name, **params))

    def _on_loop(self, call: Callable[..., None], *args: Any) -> None:
        """`call(*args)` on the loop's thread (a device watcher's thread calls in); nothing
        once the loop is closed."""
        if not self.loop.is_closed():
            self.loop.call_soon_threadsafe(call, *args)
