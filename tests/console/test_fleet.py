"""Fleet and alerts in a real Chromium, with a kiosk's own heartbeat running against the
session backend: kiosk/upkeep.py's heartbeat loop and ServiceMonitor, the real printer driver
(peripherals/printer over TCP) reading the ESC/POS emulator (a full kiosk app is the Xvfb test
of ui; this is the same heartbeat code without the screens).

- The paper runs out in the emulator -> the `paper_low` alert shows in the console and reaches
  the webhook receiver (a WeCom/DingTalk-style robot on 127.0.0.1) within one heartbeat
  interval; ops acknowledges it; a refill clears it (and the clearing is sent too).
- Operations switch the kiosk out of service -> the kiosk's monitor goes out of service at its
  next heartbeat (the start screen shows `out_of_service`) and reports it; back on again.
"""

from __future__ import annotations

import asyncio
import json
import re
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace
from typing import Any

import pytest
from selenium.webdriver.common.by import By

from kiosk.client import BackendClient
from kiosk.clock import SystemClock
from kiosk.config import DeviceConfig, KioskConfig, TimeoutConfig
from kiosk.devices import build_devices
from kiosk.upkeep import ServiceMonitor, heartbeat_loop
from peripherals.printer.emulator.server import PrinterEmulator
from tests.console.layout_checks import role_badge_problem, words_broken
from tests.fixtures.backend import query
from tests.fixtures.console import LAPTOP, TABLET, http_login, login, open_page, shots, submit

HEARTBEAT = 1.5  # seconds between the kiosk's heartbeats here
KIOSK = "kiosk-fleet"


class Robot:
    """A group robot's webhook on 127.0.0.1: keeps every JSON body, answers errcode 0."""

    def __init__(self) -> None:
        self.messages: list[tuple[float, dict[str, Any]]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                outer.messages.append((time.monotonic(), json.loads(body)))
                answer = b'{"errcode": 0, "errmsg": "ok"}'
                self.send_response(200)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/cgi-bin/webhook/send?key=test"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait_for(self, text: str, timeout: float) -> float:
        """When (monotonic) the first message containing `text` came."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            for at, body in self.messages:
                if text in body["text"]["content"]:
                    return at
            time.sleep(0.05)
        raise AssertionError(f"no robot message with {text!r}: {self.messages}")


class KioskBeat:
    """The kiosk's heartbeat loop (kiosk/upkeep.py) in a thread of its own."""

    def __init__(self, url: str, token: str, printer_port: int) -> None:
        config = KioskConfig(
            kiosk_id=KIOSK, kiosk_token=token, backend_url=url,
            devices=DeviceConfig(printer=f"tcp://127.0.0.1:{printer_port}", idcard="", camera="",
                                 speaker=""),
            timeouts=TimeoutConfig(heartbeat_seconds=HEARTBEAT),
        )  # fmt: skip
        self.config = config
        self.monitor: ServiceMonitor | None = None
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_until_complete, args=(self._run(),),
                                       daemon=True)  # fmt: skip
        self.thread.start()

    async def _run(self) -> None:
        config = self.config
        devices = build_devices(config, with_smartcard=False)
        client = BackendClient(config.backend_url, config.kiosk_id, config.kiosk_token)
        ports = SimpleNamespace(client=client, devices=devices, config=config, clock=SystemClock())
        self.monitor = ServiceMonitor(ports)  # type: ignore[arg-type]
        self.task = asyncio.current_task()
        try:
            await heartbeat_loop(ports, self.monitor)  # type: ignore[arg-type]
        except asyncio.CancelledError:
            pass
        finally:
            devices.close()

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.task.cancel)
        self.thread.join(10)


@pytest.fixture(scope="module")
def rig(console_backend, tmp_path_factory) -> Iterator[SimpleNamespace]:
    robot = Robot()
    admin = http_login(console_backend.url, "admin")
    page = admin.post("/console/kiosks", data={"csrf_token": admin.csrf, "kiosk_id": KIOSK,
                                               "name": "Fleet test", "group": ""})  # fmt: skip
    token = re.search(r'id="kiosk-token">([^<]+)<', page.text).group(1).strip()
    printer = PrinterEmulator(port=0, out_dir=tmp_path_factory.mktemp("fleet-tickets"),
                              paper_mm=5_000).start()  # fmt: skip
    beat = KioskBeat(console_backend.url, token, printer.port)
    try:
        yield SimpleNamespace(robot=robot, printer=printer, beat=beat, admin=admin)
    finally:
        beat.stop()
        admin.post("/console/alerts/webhook", data={"csrf_token": admin.csrf, "webhook_url": ""})
        printer.stop()
        robot.server.shutdown()


def _wait(check, timeout: float, what: str) -> None:
    end = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < end, what
        time.sleep(0.05)


def _reads_well_in_zh_and_en(driver) -> None:
    """Device states in words (the raw code in the tooltip), no label broken mid-word, the
    role badge whole: in zh and en, at laptop and tablet width."""
    words = {"zh": "打印机：缺纸", "en": "Printer: Paper out"}
    try:
        for size in (LAPTOP, TABLET):
            driver.set_window_size(*size)
            for lang in ("zh", "en"):
                open_page(driver, "/console/fleet", lang)
                row = driver.find_element(By.CSS_SELECTOR, f'tr[data-kiosk="{KIOSK}"]')
                badge = row.find_element(
                    By.CSS_SELECTOR, '.badge[title="printer: paper_out (error)"]'
                )
                assert badge.text == words[lang]
                assert "paper_out" not in row.text and "not_configured" not in row.text
                error = row.find_element(By.CSS_SELECTOR, "td.last-error span")
                assert (error.text, error.get_attribute("title")) == (
                    words[lang],
                    "printer: paper_out",
                )
                broken = words_broken(driver, ["#fleet-table th", "#fleet-table .health-label",
                                               "#fleet-table td.paper", "#fleet-table code",
                                               "#fleet-table .badge:not(.quiet)",
                                               "#fleet-table td.last-error span"])  # fmt: skip
                assert not broken, f"{lang} at {size}: broken over lines: {broken}"
                assert role_badge_problem(driver) == "", (lang, size)
    finally:
        driver.set_window_size(*LAPTOP)


def test_paper_out_alert_reaches_console_and_robot_then_clears(driver, console_backend, rig):
    # admin points the alerts at the robot (a wrong URL first: said next to the field)
    login(driver, "admin")
    open_page(driver, "/console/alerts", "en")
    driver.find_element(By.ID, "f-webhook_url").send_keys("ftp://example.com/hook")
    submit(driver, driver.find_element(By.ID, "webhook-save"))
    assert "https://" in driver.find_element(By.ID, "err-webhook_url").text
    driver.find_element(By.ID, "f-webhook_url").clear()
    driver.find_element(By.ID, "f-webhook_url").send_keys(rig.robot.url)
    submit(driver, driver.find_element(By.ID, "webhook-save"))
    now = driver.find_element(By.ID, "webhook-now").text
    assert "127.0.0.1" in now and "key=test" not in now  # the robot's key is not shown
    _wait(lambda: query(console_backend, "SELECT COUNT(*) FROM kiosk_heartbeats WHERE "
                        "kiosk_id = ?", KIOSK)[0][0] > 0, 10, "no heartbeat")  # fmt: skip
    open_page(driver, "/console/fleet", "en")
    row = driver.find_element(By.CSS_SELECTOR, f'tr[data-kiosk="{KIOSK}"]')
    assert row.get_attribute("data-colour") == "green", row.text
    # the paper runs out: raised at the next heartbeat, sent at once
    emptied = time.monotonic()
    rig.printer.empty_paper()
    came = rig.robot.wait_for(f"Paper low: {KIOSK}", timeout=HEARTBEAT + 5)
    assert came - emptied <= HEARTBEAT + 1.0, f"the robot heard after {came - emptied:.1f} s"
    open_page(driver, "/console/alerts", "en")
    alert = driver.find_element(By.CSS_SELECTOR, f'tr[data-alert="paper_low:{KIOSK}"]')
    assert "Paper low" in alert.text
    detail = alert.find_element(By.CSS_SELECTOR, "td.detail span")
    assert (detail.text, detail.get_attribute("title")) == ("Out", "out")
    open_page(driver, "/console/fleet", "en")
    row = driver.find_element(By.CSS_SELECTOR, f'tr[data-kiosk="{KIOSK}"]')
    assert row.get_attribute("data-colour") == "red" and "Out" in row.text
    _reads_well_in_zh_and_en(driver)
    shots(driver, "/console/fleet", "fleet")
    shots(driver, "/console/alerts", "alerts", tablet=False)
    # operations acknowledge it: who and when are shown
    login(driver, "ops")
    open_page(driver, "/console/alerts", "en")
    alert = driver.find_element(By.CSS_SELECTOR, f'tr[data-alert="paper_low:{KIOSK}"]')
    submit(driver, alert.find_element(By.CSS_SELECTOR, "button.ack"))
    alert = driver.find_element(By.CSS_SELECTOR, f'tr[data-alert="paper_low:{KIOSK}"]')
    assert "ops" in alert.find_element(By.CSS_SELECTOR, ".acked").text
    # raised once: still one row, one message, however many heartbeats since
    time.sleep(HEARTBEAT)
    assert query(console_backend, "SELECT COUNT(*) FROM console_alerts WHERE alert_key = ?",
                 f"paper_low:{KIOSK}") == [(1,)]  # fmt: skip
    assert sum(f"Paper low: {KIOSK}" in b["text"]["content"] for _, b in rig.robot.messages) == 1
    # refilled: cleared at the next heartbeat, and the robot is told
    rig.printer.refill()
    rig.robot.wait_for("[cleared] Paper low", timeout=HEARTBEAT + 5)
    open_page(driver, "/console/alerts", "en")
    assert not driver.find_elements(By.CSS_SELECTOR, f'tr[data-alert="paper_low:{KIOSK}"]')


def test_out_of_service_reaches_the_kiosk_at_its_next_heartbeat(driver, console_backend, rig):
    monitor = rig.beat.monitor
    assert monitor is not None and monitor.view().in_service
    login(driver, "ops")
    open_page(driver, f"/console/fleet/{KIOSK}", "zh")
    submit(driver, driver.find_element(By.ID, "service-switch"))
    assert "暂停服务" in driver.find_element(By.ID, "service-state").text
    _wait(lambda: not monitor.view().in_service, HEARTBEAT + 3, "the kiosk stays in service")
    assert monitor.view().switched_off and monitor.view().backend == "up"
    _wait(lambda: query(console_backend, "SELECT reported FROM kiosk_service WHERE kiosk_id = ?",
                        KIOSK) == [(1,)], HEARTBEAT + 3, "the kiosk did not report it")  # fmt: skip
    shots(driver, f"/console/fleet/{KIOSK}", "fleet-kiosk", tablet=False)
    open_page(driver, f"/console/fleet/{KIOSK}", "zh")
    assert "暂停服务画面" in driver.find_element(By.ID, "service-reported").text
    history = driver.find_element(By.ID, "beat-history").text
    assert "缺纸" in history  # the paper-out heartbeats of the test before are in the history
    submit(driver, driver.find_element(By.ID, "service-switch"))
    _wait(lambda: monitor.view().in_service, HEARTBEAT + 3, "the kiosk stays out of service")
    # a viewer sees the page but cannot switch
    viewer = http_login(console_backend.url, "viewer")
    assert "service-switch" not in viewer.get(f"/console/fleet/{KIOSK}").text
    refused = viewer.post(f"/console/fleet/{KIOSK}/service",
                          data={"csrf_token": viewer.csrf, "out_of_service": "on"})  # fmt: skip
    assert refused.status_code == 403
