"""The SAM driver over the emulator's real pty: what a kiosk reads off each card, and faults."""

from __future__ import annotations

import json
import logging
import statistics
import time
from pathlib import Path

import pytest

from kiosk.idcard_view import card_as_dict
from peripherals.idcard.driver import SamIdCardReader
from peripherals.idcard.emulator import IdCardEmulator
from peripherals.status import DeviceState

# What the person holding the card would check on screen: (name, ID, birth, address, validity).
RESIDENTS = {
    "zhang_wei": (
        "张伟",
        "男",
        "110101199003072375",
        "19900307",
        "北京市东城区景山前街4号",
        ("20200315", "20400315"),
    ),
    "li_na": (
        "李娜",
        "女",
        "440304198510121540",
        "19851012",
        "广东省深圳市福田区福华三路100号",
        ("20150601", "20350601"),
    ),
    "wang_xiuying": (
        "王秀英",
        "女",
        "510107195208156622",
        "19520815",
        "四川省成都市武侯区武侯祠大街231号",
        ("20100820", "长期"),
    ),
    "chen_chen": (
        "陈晨",
        "男",
        "320583201506013321",
        "20150601",
        "江苏省昆山市玉山镇前进中路1号",
        ("20230701", "20280701"),
    ),
}


@pytest.mark.parametrize("person", sorted(RESIDENTS))
def test_each_demo_card_reads_as_printed(
    person: str, idcard_emulator: IdCardEmulator, idcard_reader: SamIdCardReader
):
    name, sex, number, born, address, (valid_from, valid_until) = RESIDENTS[person]
    idcard_emulator.place_card(person)
    card = idcard_reader.read_card()
    assert card is not None
    assert (card.doc_type, card.name, card.sex, card.ethnicity) == ("resident", name, sex, "汉")
    assert (card.id_number, card.birth_date, card.address) == (number, born, address)
    assert (card.valid_from, card.valid_until) == (valid_from, valid_until)
    assert card.authority.endswith(("分局", "公安局"))
    assert len(card.photo) == 1024
    assert card.photo == idcard_emulator.card.photo  # the card's own photo, byte for byte
    assert idcard_reader.last_status.state == DeviceState.OK


def test_foreign_permanent_residence_card_reads(idcard_emulator, idcard_reader):
    idcard_emulator.place_card("foreign_smith")
    card = idcard_reader.read_card()
    assert card is not None and card.doc_type == "foreign_permanent"
    assert (card.name, card.english_name) == ("史密斯", "SMITH, JOHN MICHAEL")
    assert (card.id_number, card.ethnicity, card.birth_date) == (
        "USA110080051501",
        "USA",
        "19800515",
    )
    assert (card.valid_from, card.valid_until, card.card_version) == ("20190410", "20290410", "02")
    assert len(card.photo) == 1024


def test_hk_residence_permit_reads(idcard_emulator, idcard_reader):
    idcard_emulator.place_card("hk_chan")
    card = idcard_reader.read_card()
    assert card is not None and card.doc_type == "gat_residence"
    assert (card.name, card.id_number, card.birth_date) == (
        "陈家明",
        "810000199201011235",
        "19920101",
    )
    assert (card.permit_number, card.issue_count) == ("H12345678", "01")
    assert card.address.startswith("广东省深圳市")


def test_fingerprint_read_carries_the_fingerprint_block(idcard_emulator, idcard_reader):
    idcard_emulator.place_card("zhang_wei")
    card = idcard_reader.read_card(with_fingerprint=True)
    assert card is not None and card.name == "张伟"
    assert len(card.fingerprint) == 1024 and card.fingerprint == idcard_emulator.card.fingerprint
    assert idcard_emulator.commands[(0x30, 0x10)] == 1


def test_no_card_reads_none_and_the_reader_stays_healthy(idcard_emulator, idcard_reader):
    assert idcard_reader.read_card() is None
    assert idcard_reader.last_status.state == DeviceState.OK
    assert idcard_emulator.commands[(0x30, 0x01)] == 0  # no read without a card found


def test_status_reports_the_sam_and_its_id(idcard_emulator, idcard_reader):
    status = idcard_reader.status()
    assert status.state == DeviceState.OK
    assert status.details["sam_id"] == "05.01-20240101-000012345-000067890"


def test_sam_fault_is_an_error_status_not_an_exception(idcard_emulator, idcard_reader):
    idcard_emulator.place_card("li_na")
    idcard_emulator.set_fault("sam")
    assert idcard_reader.read_card() is None
    status = idcard_reader.status()
    assert (status.state, status.code) == (DeviceState.ERROR, "sam_self_test_failed")
    assert status.message_zh == "SAM自检失败"
    idcard_emulator.set_fault(None)
    assert idcard_reader.status().state == DeviceState.OK
    assert idcard_reader.read_card().name == "李娜"


def test_bad_checksum_reads_none_then_recovers(idcard_emulator, idcard_reader):
    idcard_emulator.place_card("li_na")
    idcard_emulator.set_fault("bad_checksum")
    result = idcard_reader.poll()
    assert result is not None and not isinstance(result, type(idcard_emulator.card))
    assert (result.state, result.code) == (DeviceState.ERROR, "bad_checksum")
    assert idcard_reader.read_card() is None
    idcard_emulator.set_fault(None)
    assert idcard_reader.read_card().id_number == "440304198510121540"


def test_card_lifted_mid_read_reads_none_and_leaves_no_card(idcard_emulator, idcard_reader):
    idcard_emulator.place_card("chen_chen")
    idcard_emulator.set_fault("lift_mid_read")
    assert idcard_reader.read_card() is None
    assert idcard_reader.last_status.code == "read_failed"
    idcard_emulator.set_fault(None)
    assert idcard_reader.read_card() is None  # the card is gone
    idcard_emulator.place_card("chen_chen")
    assert idcard_reader.read_card().name == "陈晨"


def test_reply_cut_short_times_out_into_a_status(idcard_emulator, idcard_reader):
    idcard_emulator.place_card("zhang_wei")
    idcard_emulator.set_fault("truncated")
    started = time.monotonic()
    assert idcard_reader.read_card() is None
    assert time.monotonic() - started < 2.0  # two tries of a 0.3 s read timeout
    assert idcard_reader.last_status.code == "bad_frame"
    idcard_emulator.set_fault(None)
    assert idcard_reader.read_card().name == "张伟"  # the stale half-reply was discarded


def test_a_port_that_does_not_exist_is_missing():
    reader = SamIdCardReader("/dev/does-not-exist-idcard", timeout=0.2)
    status = reader.status()
    assert (status.state, status.code) == (DeviceState.MISSING, "not_connected")
    assert reader.read_card() is None


def test_reader_unplugged_while_open_becomes_missing():
    emulator = IdCardEmulator("li_na").start()
    reader = SamIdCardReader(emulator.port, timeout=0.2, read_timeout=0.2)
    try:
        assert reader.read_card().name == "李娜"
        emulator.stop()
        first = reader.status()
        assert first.state == DeviceState.MISSING
        assert reader.read_card() is None
        assert reader.status().state == DeviceState.MISSING
    finally:
        reader.close()


def test_full_read_is_well_under_200_ms(idcard_emulator, idcard_reader, artifacts_dir: Path):
    idcard_emulator.place_card("zhang_wei")
    idcard_reader.read_card()  # opens the port
    times = []
    for _ in range(30):
        started = time.perf_counter()
        card = idcard_reader.read_card()
        times.append((time.perf_counter() - started) * 1000)
        assert card is not None
    figures = {
        "reads": len(times),
        "median_ms": round(statistics.median(times), 3),
        "max_ms": round(max(times), 3),
        "bytes_on_wire": 10 * 3 + 15 + 19 + 1295,  # find + IIN, select + chip serial, read
        "wire_ms_at_115200": round((10 * 3 + 15 + 19 + 1295) * 10 / 115200 * 1000, 1),
    }
    (artifacts_dir / "idcard_read_timing.json").write_text(json.dumps(figures, indent=2))
    assert figures["median_ms"] < 200 and figures["max_ms"] < 200


def test_decoded_card_json_and_logs_mask_the_person(
    idcard_emulator, idcard_reader, artifacts_dir: Path, caplog: pytest.LogCaptureFixture
):
    idcard_emulator.place_card("zhang_wei")
    caplog.set_level(logging.DEBUG)
    card = idcard_reader.read_card()
    assert card is not None
    (artifacts_dir / "zhang_wei.json").write_text(
        json.dumps(card_as_dict(card, mask=False), ensure_ascii=False, indent=2)
    )
    assert "110***********2375" in caplog.text
    assert "110101199003072375" not in caplog.text and "张伟" not in caplog.text


def test_the_driver_reads_over_socket_url_too():
    emulator = IdCardEmulator("hk_chan").start(tcp_port=0)
    reader = SamIdCardReader(emulator.url, timeout=0.5, read_timeout=0.5)
    try:
        assert emulator.url.startswith("socket://127.0.0.1:")
        assert reader.status().state == DeviceState.OK
        card = reader.read_card()
        assert card is not None and card.permit_number == "H12345678"
    finally:
        reader.close()
        emulator.stop()


def test_sam_reset_answers_and_leaves_the_reader_healthy(idcard_emulator, idcard_reader):
    status = idcard_reader.reset_sam()
    assert status.state == DeviceState.OK
    assert idcard_emulator.commands[(0x10, 0xFF)] == 1
    idcard_emulator.set_fault("sam")
    assert idcard_reader.reset_sam().code == "sam_self_test_failed"


def test_select_names_the_chip_so_two_cards_differ_without_a_read(idcard_emulator, idcard_reader):
    """The select reply carries the card chip's serial (8 bytes, as vendor SDKs hand back from
    SDT_SelectIDCard): the read card has it, and find + select alone tells another card apart."""
    assert idcard_reader.card_in_field() == (False, "")
    idcard_emulator.place_card("zhang_wei")
    card = idcard_reader.read_card()
    assert card is not None and len(card.chip_serial) == 16
    assert idcard_reader.card_in_field() == (True, card.chip_serial)
    idcard_emulator.place_card("li_na")
    reads = idcard_emulator.commands[(0x30, 0x01)]
    present, serial = idcard_reader.card_in_field() or (False, "")
    assert present and serial and serial != card.chip_serial
    assert idcard_emulator.commands[(0x30, 0x01)] == reads  # told apart without reading it
    assert "chip_serial" not in card_as_dict(card)  # the masked view leaves it out
