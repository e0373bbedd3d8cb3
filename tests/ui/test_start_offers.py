"""The start screen offers only what the kiosk can finish (issue 11), in the real app under X:
no printer -> no purchase or pickup, greyed with the reason; no backend -> out of service."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.fixtures.common import free_port

pytestmark = [pytest.mark.ui]

MODULE = "tests.ui.scenarios_service"
FAST = {"KIOSK_TIMEOUTS_HEARTBEAT_RETRY_SECONDS": "0.5", "KIOSK_TIMEOUTS_HTTP_SECONDS": "1"}


def nothing_there() -> str:
    return f"127.0.0.1:{free_port()}"


@pytest.mark.parametrize("size", ["1080x1920", "1920x1080"])
def test_start_screen_without_a_printer_greys_purchase_and_pickup(run_ui, kiosk_rig, size):
    env = {**kiosk_rig, **FAST, "KIOSK_DEVICES_PRINTER": f"tcp://{nothing_there()}"}
    result = run_ui("start_without_printer", size=size, env=env, module=MODULE, timeout=90)
    result = result["result"]
    zh, en = result["zh"], result["en"]
    assert "打印机故障，暂不能购票取票" in zh["texts"]
    assert zh["buttons"] == {"buy": False, "pickup": False, "addons": False,
                             "membership": True, "change_refund": True}  # fmt: skip
    assert "购票\n打印机故障" in zh["texts"]  # greyed with the reason on the button
    assert result["after_tap"] == "start"  # tapping the greyed button opened nothing
    assert "Printer fault: tickets can't be printed now" in en["texts"]
    assert en["buttons"] == zh["buttons"]


def test_a_new_user_without_backend_or_printer_is_not_offered_a_purchase(run_ui, tmp_path: Path):
    """Switched on with the backend unreachable and no printer: out of service, never the
    normal start screen offering 购票."""
    config = tmp_path / "kiosk.toml"
    config.write_text(
        f'backend_url = "http://{nothing_there()}"\n'
        f'[devices]\nprinter = "tcp://{nothing_there()}"\nidcard = ""\ncamera = ""\n',
        encoding="utf-8",
    )
    env = {**FAST, "KIOSK_CONFIG": str(config)}
    result = run_ui("start_without_backend_or_printer", env=env, module=MODULE, timeout=60)
    result = result["result"]
    assert "暂停服务" in result["zh"] and "Out of service" in result["en"]
    assert any("售票窗口" in text for text in result["zh"])  # what to do instead
    assert "购票" not in result["zh"] and "Buy tickets" not in result["en"]
    assert "start" not in result["screens"]  # the normal start screen never came up
    assert result["buttons"] == {}
