"""The console's "out of service" switch reaches a real kiosk app: the Kivy app (ui.main, under
Xvfb, as tests/ui runs it) with its kiosk configured against the session backend and the printer
emulator shows its start screen; operations press "Take out of service" in Chromium; at its
next heartbeat the kiosk shows the out-of-service screen (screenshots of both, from the kiosk).
Run under `flock /tmp/kiosk-ui.lock` like the other UI tests."""

from __future__ import annotations

import os
import re
import threading
import time
from pathlib import Path
from typing import Any

from selenium.webdriver.common.by import By

from peripherals.printer.emulator.server import PrinterEmulator
from tests.fixtures.backend import query
from tests.fixtures.console import http_login, login, open_page, submit
from tests.ui.conftest import run_ui, ui_display  # noqa: F401 - the UI tests' fixtures
from tests.ui.scenarios import shot_path

KIOSK = "kiosk-screen"
MODULE = "tests.console.test_fleet_kiosk_screen"


async def switched_off_from_the_console(d: Any) -> dict[str, Any]:
    """In the app: the start screen, tell the test, then wait for the out-of-service screen."""
    screens: list[str] = []
    d.app.navigator.bind(on_screen=lambda _nav, name: screens.append(name))
    await d.wait_screen("start", timeout=40)
    await d.frames(5)
    await d.screenshot(shot_path(d, "console_switch_before"))
    Path(os.environ["FLEET_READY"]).write_text("ready")
    await d.wait_for(text="暂停服务", timeout=40)
    await d.frames(5)
    await d.screenshot(shot_path(d, "console_switched_off"))
    return {"screens": screens, "texts": d.texts()}


def _config(folder: Path, url: str, token: str, printer_port: int) -> Path:
    path = folder / "kiosk.toml"
    path.write_text(
        f'kiosk_id = "{KIOSK}"\nkiosk_token = "{token}"\nbackend_url = "{url}"\n'
        f'data_dir = "{folder / "kiosk"}"\n[devices]\nprinter = "tcp://127.0.0.1:{printer_port}"\n'
        'idcard = ""\ncamera = ""\nsmartcard = ""\nspeaker = ""\n'
        "[timeouts]\nheartbeat_seconds = 1.0\n",
        encoding="utf-8",
    )
    return path


def test_out_of_service_screen_on_a_real_kiosk(run_ui, driver, console_backend, tmp_path):  # noqa: F811
    admin = http_login(console_backend.url, "admin")
    page = admin.post("/console/kiosks", data={"csrf_token": admin.csrf, "kiosk_id": KIOSK,
                                               "name": "Screen test", "group": ""})  # fmt: skip
    token = re.search(r'id="kiosk-token">([^<]+)<', page.text).group(1).strip()
    printer = PrinterEmulator(port=0, out_dir=tmp_path / "tickets", paper_mm=5_000).start()
    ready = tmp_path / "ready"
    env = {"KIOSK_CONFIG": str(_config(tmp_path, console_backend.url, token, printer.port)),
           "FLEET_READY": str(ready)}  # fmt: skip
    outcome: dict[str, Any] = {}

    def app() -> None:
        try:
            outcome.update(run_ui("switched_off_from_the_console", env=env, module=MODULE,
                                  timeout=120))  # fmt: skip
        except BaseException as exc:  # (pytest.fail in the thread: reported below)
            outcome["error"] = exc

    thread = threading.Thread(target=app, daemon=True)
    thread.start()
    try:
        end = time.monotonic() + 90
        while not ready.exists():
            assert thread.is_alive(), f"the app ended early: {outcome.get('error')}"
            assert time.monotonic() < end, "the kiosk never showed its start screen"
            time.sleep(0.2)
        login(driver, "ops")
        open_page(driver, f"/console/fleet/{KIOSK}", "en")
        submit(driver, driver.find_element(By.ID, "service-switch"))
        assert "Out of service" in driver.find_element(By.ID, "service-state").text
        thread.join(90)
        assert "error" not in outcome, outcome.get("error")
        seen = outcome["result"]
        assert seen["screens"][-1] == "out_of_service", seen["screens"]
        assert any("暂停服务" in text for text in seen["texts"])
        assert query(console_backend, "SELECT out_of_service FROM kiosk_service WHERE "
                     "kiosk_id = ?", KIOSK) == [(1,)]  # fmt: skip
    finally:
        admin.post(f"/console/fleet/{KIOSK}/service", data={"csrf_token": admin.csrf,
                                                             "out_of_service": "off"})  # fmt: skip
        thread.join(30)
        printer.stop()
