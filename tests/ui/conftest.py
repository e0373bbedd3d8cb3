"""UI test fixtures: a display (Xvfb started here when none is set) and `run_ui`, which starts
the real app in its own process with a driver script playing the tourist inside the app loop."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.backend.clocked import offset_to
from tests.fixtures.common import ARTIFACTS

ROOT = Path(__file__).resolve().parents[2]
SCREEN_SHOTS = ARTIFACTS / "ui"
# the UI rigs' backend reads today at 10:10: not at a slot's end (at 10:00 sharp the 09:00 slot
# closed within the first second while the backend's whole-second clock still listed it:
# tests/flows/conftest.py CLOCK_AT)
BUSINESS_TIME = (10, 10)


@contextlib.contextmanager
def start_xvfb(size: str = "1920x1920") -> Iterator[str]:
    """A private Xvfb screen of `size` (WxH); yields its DISPLAY."""
    if not shutil.which("Xvfb"):
        pytest.skip("no Xvfb")
    read_fd, write_fd = os.pipe()
    proc = subprocess.Popen(
        ["Xvfb", "-displayfd", str(write_fd), "-screen", "0", f"{size}x24", "-nolisten", "tcp"],
        pass_fds=(write_fd,),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    os.close(write_fd)
    with os.fdopen(read_fd) as pipe:
        number = pipe.readline().strip()
    if not number:
        proc.kill()
        pytest.fail("Xvfb did not start")
    try:
        yield f":{number}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture(scope="session")
def ui_display() -> Iterator[str]:
    """The X display the app draws on: $DISPLAY, or a private Xvfb big enough for both
    orientations."""
    if os.environ.get("DISPLAY"):
        yield os.environ["DISPLAY"]
        return
    with start_xvfb("1920x1920") as display:
        yield display


@pytest.fixture
def run_ui(ui_display: str, tmp_path: Path) -> Callable[..., dict[str, Any]]:
    """run_ui("scenario_name", size=..., lang=..., env={...}) plays tests.ui.scenarios.<name>
    in a fresh app process and returns its outcome; fails with the script's traceback."""

    def run(
        scenario: str,
        size: str = "1080x1920",
        lang: str = "zh_CN",
        env: dict[str, str] | None = None,
        timeout: float = 60,
        module: str = "tests.ui.scenarios",
    ) -> dict[str, Any]:
        out = tmp_path / f"{scenario}.json"
        data_dir = tmp_path / "data"
        full_env = {
            **os.environ,
            "DISPLAY": ui_display,
            "KIOSK_DATA_DIR": str(data_dir),
            "KIOSK_UI_SHOTS": str(SCREEN_SHOTS),
            **(env or {}),
        }
        if not env or "KIOSK_CONFIG" not in env:
            full_env.pop("KIOSK_CONFIG", None)
        args = [sys.executable, "-m", "ui.main", "--windowed", "--size", size, "--lang", lang]
        args += ["--drive", f"{module}:{scenario}", "--drive-out", str(out)]
        if "KIOSK_CONFIG" not in full_env:
            args.append("--screens-only")
        proc = subprocess.run(
            args, cwd=ROOT, env=full_env, capture_output=True, text=True, timeout=timeout
        )
        if not out.exists():
            pytest.fail(
                f"the app exited ({proc.returncode}) without an outcome:\n{proc.stderr[-4000:]}"
            )
        outcome = json.loads(out.read_text())
        outcome["data_dir"] = str(data_dir)
        if not outcome["ok"]:
            pytest.fail(f"{scenario} failed in the app:\n{outcome.get('traceback')}")
        return outcome

    return run


@pytest.fixture(scope="session")
def kiosk_rig(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """The bundled backend (its own process), the emulators and their control endpoint, and a
    kiosk.toml pointing at them: the env a real app process needs."""
    from appliance.backend import backend_process
    from appliance.demo import write_demo_config
    from appliance.emulators.bundle import EmulatorBundle
    from appliance.emulators.control import ControlServer

    folder = tmp_path_factory.mktemp("kiosk_rig")
    with backend_process(
        folder / "backend.db", clock_offset_seconds=offset_to(*BUSINESS_TIME)
    ) as url:
        bundle = EmulatorBundle.start(folder / "tickets", smartcard=False)
        control = ControlServer(bundle, 0).start()
        try:
            config = write_demo_config(folder, url, bundle.device_settings())
            yield {"KIOSK_CONFIG": str(config), "KIOSK_CONTROL_URL": control.url,
                   "KIOSK_TICKETS": str(folder / "tickets")}  # fmt: skip
        finally:
            control.stop()
            bundle.stop()


@pytest.fixture(scope="module")
def staff_rig(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """Like `kiosk_rig`, with the smart card emulator on (pcscd + the vpcd card) and the config
    naming its reader: staff and member cards go through the real PC/SC path. Module-scoped so
    the vpcd port is free again for other tests when the module ends."""
    from appliance.backend import backend_process
    from appliance.demo import write_demo_config
    from appliance.emulators.bundle import EmulatorBundle
    from appliance.emulators.control import ControlServer

    folder = tmp_path_factory.mktemp("staff_rig")
    with backend_process(
        folder / "backend.db", clock_offset_seconds=offset_to(*BUSINESS_TIME)
    ) as url:
        bundle = EmulatorBundle.start(folder / "tickets", smartcard=True)
        if bundle.smartcard is None:
            bundle.stop()
            pytest.skip(f"no smart card emulator: {bundle.problems.get('smartcard')}")
        control = ControlServer(bundle, 0).start()
        try:
            config = write_demo_config(folder, url, bundle.device_settings())
            yield {"KIOSK_CONFIG": str(config), "KIOSK_CONTROL_URL": control.url,
                   "KIOSK_TICKETS": str(folder / "tickets")}  # fmt: skip
        finally:
            control.stop()
            bundle.stop()  # stops pcscd too when it started it
