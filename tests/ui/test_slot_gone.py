"""An entry time sold out between the summary and "Confirm and pay", through the real app over
the real backend (run under `flock /tmp/kiosk-ui.lock`): the entry times again, saying why and
what to do next in Chinese and English, the sold-out time greyed, the cart kept; another time,
paid and printed (portrait; landscape shows the entry times' own layout, then leaves).
Screenshots under artifacts/ui/kiosk/<orientation>/NN_slot_gone_<lang>.png."""

from __future__ import annotations

import httpx
import pytest

from kiosk.config import load_config

pytestmark = [pytest.mark.ui]

MODULE = "tests.ui.scenarios_slot_gone"


def joined(texts: list[str]) -> str:
    return " ".join(texts)


@pytest.mark.parametrize("size", ["1080x1920", "1920x1080"], ids=["portrait", "landscape"])
def test_entry_time_sold_out_before_confirm_is_chosen_again_on_screen(run_ui, kiosk_rig, size):
    result = run_ui("slot_gone_before_confirm", size=size, env=kiosk_rig, module=MODULE,
                    timeout=150)["result"]  # fmt: skip
    read = result["read"]
    assert read["messages"] == ["error.sold_out", "purchase.choose_slot"]
    # why, and what to do next, in each language
    # (the entry time by its label, not the backend's slot id), and that the tickets are kept
    time = result["gone"]["label"]
    assert read["reason_zh"] == f"{time}：该场次余票不足"
    assert read["reason_en"] == f"{time}: Not enough tickets left for this time slot"
    assert read["prompt_zh"] == "请选择入园日期和时段"
    assert read["prompt_en"] == "Choose the day and entry time"
    assert read["note_zh"] == "您选的 2 张票已为您保留"
    assert read["note_en"] == "Your 2 tickets are kept"
    assert "ADM-" not in joined(read["gone_zh"]) + joined(read["gone_en"])
    # every label's text fits its room (nothing clipped), in both languages
    for layout in (read["layout_zh"], read["layout_en"]):
        assert all(label["fits"] for label in layout["labels"]), layout
    # the time that went is greyed as sold out; the cart kept while choosing again
    assert read["gone_button"]["disabled"]
    assert "已售完" in read["gone_button"]["text"]
    assert read["cart_while_choosing"] == {"ADM-ADULT": 2}
    if size == "1920x1080":
        assert result["paid"] is False
        return
    # the summary again: two adults at the new time, then paid and printed
    again = joined(read["again"])
    assert "× 2" in again and result["chosen"]["slot"]["label"] in again
    assert result["gone"]["label"] not in again
    assert read["again_buttons"] == []
    assert "已出票 2 张" in joined(read["done"])
    config = load_config(kiosk_rig["KIOSK_CONFIG"], env={})
    order = httpx.get(
        f"{config.backend_url.rstrip('/')}/api/v1/orders/{result['chosen']['order_id']}",
        headers={"Authorization": f"Bearer {config.kiosk_token}", "X-Kiosk-Id": config.kiosk_id},
        timeout=5,
    ).json()
    assert order["status"] == "paid"
    assert {t["slot_id"] for t in order["tickets"]} == {result["chosen"]["slot"]["id"]}
