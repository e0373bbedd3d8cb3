"""Every journey through the real app: real backend process, real emulators, touch events on
the real widgets; what the tourist reads on each screen, and the taps it took."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.ui]

MODULE = "tests.ui.scenarios_kiosk"


def joined(texts: list[str]) -> str:
    return " ".join(texts)


def test_purchase_pickup_and_addon_through_the_screens(run_ui, kiosk_rig):
    result = run_ui("purchase_pickup_addon", env=kiosk_rig, module=MODULE, timeout=150)["result"]
    bought = result["purchase"]
    # two adults for the next slot: buy, admission, slot, "2", next, confirm
    assert bought["taps_to_pay"] <= 6
    assert "应付金额: ¥240" in joined(bought["read"]["pay"])
    assert "请将手机付款码对准摄像头" in joined(bought["read"]["pay"])
    done = joined(bought["read"]["done"])
    assert "已出票 2 张，请取走您的门票" in done
    assert "本次获得积分" in done
    # pickup by ID card: no tap at all, the card placed on the start screen prints
    picked = result["pickup"]
    assert picked["taps"] == 0
    assert "已出票 1 张" in joined(picked["read"]["done"])
    # the add-on for the holder of today's admission
    addon = result["addon"]
    assert "索道" in joined(addon["read"]["choose"])
    assert "已出票 1 张" in joined(addon["read"]["done"])


def test_purchase_reads_in_english(run_ui, kiosk_rig):
    result = run_ui("purchase_in_english", env=kiosk_rig, module=MODULE, timeout=120)["result"]
    bought = result["purchase"]
    assert "Amount to pay: ¥240" in joined(bought["read"]["pay"])
    assert "2 tickets printed: please take your tickets" in joined(bought["read"]["done"])


def test_addon_without_admission_is_greyed_and_offers_both(run_ui, kiosk_rig):
    result = run_ui("addon_refused_without_admission", env=kiosk_rig, module=MODULE, timeout=90)[
        "result"
    ]
    assert "请先购买景区大门票" in joined(result["read"])
    assert result["cable_disabled"]
