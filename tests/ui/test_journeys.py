"""Every journey through the real app: real backend process, real emulators, touch events on
the real widgets; what the tourist reads on each screen, and the taps it took."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.ui]

MODULE = "tests.ui.scenarios_kiosk"
FAST_IDLE = {"KIOSK_TIMEOUTS_IDLE_SECONDS": "1.5", "KIOSK_TIMEOUTS_STILL_THERE_SECONDS": "2"}


def joined(texts: list[str]) -> str:
    return " ".join(texts)


def test_purchase_pickup_and_addon_through_the_screens(run_ui, kiosk_rig):
    result = run_ui("purchase_pickup_addon", env=kiosk_rig, module=MODULE, timeout=150)["result"]
    bought = result["purchase"]
    # two adults for the next slot: buy, admission, slot, "2", next, confirm
    assert bought["taps_to_pay"] <= 6
    assert f"应付金额: {bought['total']}" in joined(bought["read"]["pay"])
    assert "请将手机付款码对准摄像头" in joined(bought["read"]["pay"])
    done = joined(bought["read"]["done"])
    assert "已出票 2 张，请取走您的门票" in done
    # "Take your tickets" sums up the order; no member identified, so no points line
    assert "大门票" in done and "入园时段" in done and "实付金额" in done
    assert bought["total"] in done
    assert "本次获得积分" not in done
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
    assert f"Amount to pay: {bought['total']}" in joined(bought["read"]["pay"])
    assert "2 tickets printed: please take your tickets" in joined(bought["read"]["done"])


def test_addon_without_admission_is_greyed_and_offers_both(run_ui, kiosk_rig):
    result = run_ui("addon_refused_without_admission", env=kiosk_rig, module=MODULE, timeout=90)[
        "result"
    ]
    assert "请先购买景区大门票" in joined(result["read"])
    assert result["cable_disabled"]
    # buying both: the admission's time first, then the add-on's on the same day
    assert "请先选择大门票的入园时段" in joined(result["admission_slot"])
    assert "的加购项目场次" in joined(result["addon_slot"])


def test_member_refund_native_qr_and_paper_out_through_the_screens(run_ui, kiosk_rig):
    result = run_ui("more_journeys", env=kiosk_rig, module=MODULE, timeout=200)["result"]
    # membership by the member QR: tier, points, the ledger
    member = joined(result["member"]["member"])
    assert "M2002" in member and "金卡" in member and "积分" in member
    # scan-to-pay: the QR and its countdown, paid through the provider simulator, printed
    qr = result["native_qr"]
    assert qr["has_qr"] and qr["seconds_left"] > 0
    assert qr["expected_total"] in joined(qr["qr"])
    assert qr["scan_status"] == 200
    assert "已出票 1 张" in joined(qr["done"])
    # paper out mid-order: staff called, the missing ticket named, the order safe; refill resumes
    stopped = result["paper_out"]
    assert "工作人员" in joined(stopped["stopped"]) and "还差 1 张" in joined(stopped["stopped"])
    assert "安全" in joined(stopped["stopped"])
    assert "staff" in joined(stopped["stopped_en"]).lower()
    assert "已出票 2 张" in joined(stopped["done"])
    # refund: the ticket chosen, the fee and the money back shown, refunded
    refund = result["refund"]
    assert "手续费 ¥" in joined(refund["confirm"]) and "退回金额 ¥" in joined(refund["confirm"])
    assert "已退款 ¥" in joined(refund["done"])


def test_bundle_for_a_child_without_id_by_name_and_buyer_phone(run_ui, kiosk_rig):
    result = run_ui("child_without_id", env=kiosk_rig, module=MODULE, timeout=120)["result"]
    read = result["read"]
    assert "儿童无证件" in joined(read["holder"])
    # the letters as typed, the phone grouped 3-4-4
    assert "CHEN CHEN" in read["wrong"]["name"]
    assert "138 0013 8000" in read["typed"]["phone"]
    # a short phone: the flow refuses (holder_required) in words, back on the visitor screen
    assert "实名票需要每位游客的证件" in joined(read["refused"])
    # the flow holds one visitor: no document, the name and the buyer's phone as typed
    assert result["holders"] == [
        {"doc_type": "none", "doc_number": "", "name": "CHEN CHEN", "phone": "13800138000"}
    ]
    summary = joined(read["summary"])
    assert "儿童无证件" in summary and "C********" in summary and "CHEN CHEN" not in summary
    # the backend holds the child bundle (¥90 on a weekday off-peak) and the payment prompt
    # shows it, in both languages
    assert "应付金额" in joined(read["pay"]) and read["price"] in joined(read["pay"])
    assert read["price"] in joined(read["pay_en"])


def test_start_screen_still_works_after_idle_on_the_change_or_refund_choice(run_ui, kiosk_rig):
    env = {**kiosk_rig, **FAST_IDLE}
    result = run_ui("idle_on_the_change_or_refund_choice", env=env, module=MODULE, timeout=90)
    assert "退票" in joined(result["result"]["chose"])
    assert any("大门票" in t or "Admission" in t for t in result["result"]["after_idle"])
