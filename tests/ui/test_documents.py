"""Real-name documents through the real app: a passport typed on screen reaches the payment
prompt (the wrong number first refused, naming the passport, in zh and en); each document's
keypad takes only what its number can hold. Screenshots: artifacts/ui/passport/ and
artifacts/ui/document_keypads/ (portrait)."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.ui]

MODULE = "tests.ui.scenarios_documents"


def joined(texts: list[str]) -> str:
    return " ".join(texts)


def test_passport_typed_on_screen_reaches_the_payment_prompt(run_ui, kiosk_rig):
    result = run_ui("passport_typed_on_screen", env=kiosk_rig, module=MODULE, timeout=150)
    read = result["result"]["read"]
    number = result["result"]["number"]
    assert "其他证件" in joined(read["holder"])
    choice = joined(read["choice"]["zh"])
    assert "护照" in choice and "港澳居民来往内地通行证" in choice
    assert "台湾居民来往大陆通行证" in choice
    assert "外国人永久居留身份证" in choice and "无证件·工作人员放行" in choice
    assert "Passport" in joined(read["choice"]["en"])
    assert "护照号码" in joined(read["passport_keypad"]["zh"])
    assert "Passport number" in joined(read["passport_keypad"]["en"])
    assert "SMITH JOHN" in joined(read["name"])
    # the wrong number: refused on the kiosk, the passport named, what to do next; kept to fix
    refused_zh, refused_en = joined(read["refused"]["zh"]), joined(read["refused"]["en"])
    assert "护照号码不对" in refused_zh and "资料页" in refused_zh
    assert "passport number is not valid" in refused_en
    assert "E12" in refused_zh
    assert number in joined(read["typed"])
    # one holder: the passport as typed and the name, to the backend
    assert result["result"]["holders"] == [
        {"doc_type": "passport", "doc_number": number, "name": "SMITH JOHN", "phone": ""}
    ]
    # the summary names the passport with number and name masked
    summary = joined(read["summary"]["zh"])
    assert "护照" in summary and "S*********" in summary and number[-2:] in summary
    assert number not in summary and "SMITH JOHN" not in summary
    assert "Passport" in joined(read["summary"]["en"])
    # held by the backend: the payment prompt (an adult bundle, ¥180 on a weekday off-peak)
    assert "应付金额" in joined(read["pay"]) and result["result"]["price"] in joined(read["pay"])
    for step in read.values():
        texts = step if isinstance(step, list) else step["zh"] + step["en"]
        assert not any("Traceback" in t for t in texts)


# portrait only: which keys each document's number allows does not depend on the orientation;
# the keypads' layouts (letters and digits, H/M before the digits) are drawn and measured in both
# orientations and every language by the accessibility check (tests/ui/accessibility_samples.py)
def test_each_document_keypad_takes_what_its_number_holds(run_ui):
    result = run_ui("document_keypads", size="1080x1920", module=MODULE, timeout=90)["result"]
    passport = result["passport"]["keys"]
    assert passport["A"] and passport["Z"] and passport["0"] and passport["9"]
    # H or M, then digits: after "H1234" the letters are greyed
    hk = result["hk_macau_permit"]["keys"]
    assert set(hk) >= {"H", "M", "0", "9", "del"} and not hk["H"] and not hk["M"] and hk["5"]
    assert "A" not in hk
    # digits only for a Taiwan permit
    taiwan = result["taiwan_permit"]["keys"]
    assert "A" not in taiwan and "H" not in taiwan and taiwan["8"]
    # a foreign card: 3 letters, then digits (X only ends the 18-digit card)
    foreign = result["foreign_permanent"]["keys"]
    assert not foreign["A"] and not foreign["X"] and foreign["5"]
    assert "外国人永居证号码" in joined(result["foreign_permanent"]["read"]["zh"])
    assert "USA 1100" in joined(result["foreign_permanent"]["read"]["zh"])
    assert "Foreign PR card number" in joined(result["foreign_permanent"]["read"]["en"])


def test_staff_allow_an_adult_without_a_document_on_screen(run_ui, kiosk_rig):
    result = run_ui("staff_allows_on_screen", env=kiosk_rig, module=MODULE, timeout=120)
    read = result["result"]["read"]
    assert "请工作人员插入员工卡" in joined(read["card"]["zh"])
    assert "staff card" in joined(read["card"]["en"])
    assert "放行第 1 位游客" in joined(read["pin"])
    assert "密码错误，还可尝试 4 次" in joined(read["wrong_pin"]["zh"])
    assert "Wrong PIN" in joined(read["wrong_pin"]["en"])
    # one holder: no document, the supervisor's grant (a credential: never shown)
    assert result["result"]["holders"] == [
        {"doc_type": "none", "doc_number": "", "name": "", "phone": "", "staff_grant": True}
    ]
    assert "无证件·工作人员放行" in joined(read["summary"]["zh"])
    assert "No document, allowed by staff" in joined(read["summary"]["en"])
