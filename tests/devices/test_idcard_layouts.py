"""The text block layouts, checked against blocks written by hand at the standard's offsets."""

from __future__ import annotations

from dataclasses import replace

from kiosk.idcard_view import card_as_dict
from peripherals.idcard.card_tables import ETHNICITY_NAMES, ethnicity_name, sex_name
from peripherals.idcard.emulator import DEMO_CARDS, encode_text_block
from peripherals.idcard.layouts import decode_text_block


def _block(fields: dict[int, str]) -> bytes:
    """256 bytes of UCS-2LE spaces with each text written at its byte offset."""
    block = bytearray(" ".encode("utf-16-le") * 128)
    for offset, text in fields.items():
        raw = text.encode("utf-16-le")
        block[offset : offset + len(raw)] = raw
    return bytes(block)


def test_resident_card_fields_sit_at_the_standard_offsets():
    text = _block(
        {
            0: "张伟",
            30: "1",
            32: "01",
            36: "19900307",
            52: "北京市东城区景山前街4号",
            122: "110101199003072375",
            158: "北京市公安局东城分局",
            188: "20200315",
            204: "20400315",
        }
    )
    card = decode_text_block(text)
    assert card.doc_type == "resident"
    assert (card.name, card.sex, card.ethnicity, card.birth_date) == (
        "张伟",
        "男",
        "汉",
        "19900307",
    )
    assert card.address == "北京市东城区景山前街4号"
    assert card.id_number == "110101199003072375"
    assert card.authority == "北京市公安局东城分局"
    assert (card.valid_from, card.valid_until) == ("20200315", "20400315")
    assert text == encode_text_block(replace(DEMO_CARDS["zhang_wei"]))  # the emulator agrees


def test_long_term_validity_reads_as_changqi():
    text = _block({0: "王秀英", 30: "2", 32: "01", 122: "510107195208156622", 204: "长期"})
    assert decode_text_block(text).valid_until == "长期"
    assert decode_text_block(text).sex == "女"


def test_foreign_permanent_residence_card_2017_layout():
    text = _block(
        {
            0: "SMITH, JOHN MICHAEL",
            120: "1",
            122: "USA110080051501",
            152: "USA",
            158: "史密斯",
            188: "20190410",
            204: "20290410",
            220: "19800515",
            236: "02",
            240: "1100",
            248: "I",
        }
    )
    card = decode_text_block(text)
    assert card.doc_type == "foreign_permanent"
    assert (card.name, card.english_name) == ("史密斯", "SMITH, JOHN MICHAEL")
    assert (card.id_number, card.ethnicity, card.sex) == ("USA110080051501", "USA", "男")
    assert (card.birth_date, card.valid_from, card.valid_until) == (
        "19800515",
        "20190410",
        "20290410",
    )
    assert (card.card_version, card.authority, card.type_flag) == ("02", "1100", "I")
    assert text == encode_text_block(DEMO_CARDS["foreign_smith"])


def test_foreign_card_without_chinese_name_uses_the_english_one():
    text = _block({0: "DOE, JANE", 120: "2", 122: "CAN310085020202", 152: "CAN", 248: "I"})
    card = decode_text_block(text)
    assert card.name == "DOE, JANE" and card.sex == "女"


def test_hk_macau_taiwan_residence_permit_layout():
    text = _block(
        {
            0: "陈家明",
            30: "1",
            36: "19920101",
            52: "广东省深圳市福田区福田街道福华一路6号",
            122: "810000199201011235",
            158: "深圳市公安局福田分局",
            188: "20220301",
            204: "20270301",
            220: "H12345678",
            238: "01",
            248: "J",
        }
    )
    card = decode_text_block(text)
    assert card.doc_type == "gat_residence"
    assert (card.name, card.id_number, card.ethnicity) == ("陈家明", "810000199201011235", "")
    assert (card.permit_number, card.issue_count) == ("H12345678", "01")
    assert text == encode_text_block(DEMO_CARDS["hk_chan"])


def test_foreign_card_2023_layout_round_trips_through_the_emulator_encoder():
    card = replace(
        DEMO_CARDS["foreign_smith"],
        type_flag="Y",
        id_number="911840198005150018",
        english_name="SMITH JOHN MICHAEL ALEXANDER WILLIAM BARTHOLO",  # 44 > 35
        issue_count="01",
        card_version="2023",
        authority="",
    )
    decoded = decode_text_block(encode_text_block(card))
    assert decoded.doc_type == "foreign_permanent" and decoded.type_flag == "Y"
    assert decoded.english_name == card.english_name  # split over two fields, joined again
    assert (decoded.name, decoded.id_number, decoded.ethnicity) == (
        "史密斯",
        "911840198005150018",
        "USA",
    )


def test_sex_and_ethnicity_codes_map_to_names():
    assert (sex_name("1"), sex_name("2"), sex_name("9")) == ("男", "女", "未说明")
    assert len([code for code in ETHNICITY_NAMES if int(code) <= 56]) == 56
    assert (ethnicity_name("01"), ethnicity_name("03"), ethnicity_name("56")) == (
        "汉",
        "回",
        "基诺",
    )
    assert ethnicity_name("99") == "99"  # unknown codes are kept, not guessed


def test_a_card_never_prints_unmasked():
    card = DEMO_CARDS["zhang_wei"]
    shown = repr(card) + str(card) + str(card_as_dict(card))
    assert "110101199003072375" not in shown and "张伟" not in shown
    assert "110***********2375" in shown and "张*" in shown
