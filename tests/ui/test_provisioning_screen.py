"""Connect to backend on the real screen (tests/ui/scenarios_provisioning.py): the QR the console
made for a new kiosk id is read by the camera emulator in staff mode; the confirm screen shows
the backend, the kiosk id and the credential masked, in zh and en; saving says connected."""

from __future__ import annotations

import re

import pytest

from kiosk.config import load_config
from tests.flows.test_provisioning import provision_on_console

pytestmark = [pytest.mark.ui]


def test_staff_confirm_the_provisioning_qr_on_screen(run_ui, staff_rig):
    backend_url = load_config(staff_rig["KIOSK_CONFIG"], env={}).backend_url
    payload, token = provision_on_console(backend_url, "kiosk-screen")
    env = {**staff_rig, "KIOSK_TEST_PROVISION_QR": payload}
    read = run_ui("provision_confirm", env=env, module="tests.ui.scenarios_provisioning",
                  timeout=150)["result"]["read"]  # fmt: skip
    masked = f"{token[:4]}…{token[-4:]}"
    zh, en = " ".join(read["confirm_zh_CN"]), " ".join(read["confirm_en"])
    for text in (zh, en):
        assert backend_url in text and "kiosk-screen" in text and masked in text
        assert token not in text
    assert "接入后台" in zh and "连接并保存" in zh
    assert re.search(r"Connect to backend", en) and "Connect and save" in en
    assert "Connected: this kiosk is now kiosk-screen" in " ".join(read["after_en"])
