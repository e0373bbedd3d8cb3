"""The kiosk card record (pure functions) and the emulated card's APDU answers."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from peripherals.smartcard.card_layout import (
    GET_UID_APDU,
    KIOSK_AID,
    CardRecord,
    decode_record,
    encode_record,
    encode_tlv,
    read_record_apdu,
    select_apdu,
    split_status,
)
from peripherals.smartcard.emulator import DEMO_CARDS, CardApplet, make_atr
from peripherals.smartcard.errors import SmartCardError

ids = st.text(
    alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1, max_size=32
)


def test_staff_record_bytes_follow_the_documented_layout() -> None:
    record = encode_record(CardRecord("staff", staff_id="S001", role="supervisor"))
    assert record.hex(" ").upper() == (
        "70 18 80 01 01 81 01 02 83 04 53 30 30 31 84 0A 73 75 70 65 72 76 69 73 6F 72"
    )


def test_apdus_are_the_documented_ones() -> None:
    assert select_apdu().hex(" ").upper() == "00 A4 04 00 07 F0 4B 49 4F 53 4B 01 00"
    assert read_record_apdu().hex(" ").upper() == "00 B2 01 0C 00"
    assert GET_UID_APDU.hex(" ").upper() == "FF CA 00 00 00"


@given(member_id=ids)
def test_member_record_round_trips(member_id: str) -> None:
    record = CardRecord("member", member_id=member_id)
    assert decode_record(encode_record(record)) == record


@given(staff_id=ids, role=ids)
def test_staff_record_round_trips(staff_id: str, role: str) -> None:
    record = CardRecord("staff", staff_id=staff_id, role=role)
    assert decode_record(encode_record(record)) == record


def test_unknown_tags_are_skipped_for_later_layouts() -> None:
    body = encode_tlv(0x80, b"\x01") + encode_tlv(0x81, b"\x01") + encode_tlv(0x85, b"x")
    body += bytes.fromhex("9F2A0201FF") + encode_tlv(0x82, b"M1001")
    assert decode_record(encode_tlv(0x70, body)) == CardRecord("member", member_id="M1001")


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        bytes.fromhex("70"),
        bytes.fromhex("7005800101"),  # value cut short
        bytes.fromhex("7006800102810101"),  # version 2
        bytes.fromhex("7006800101810109"),  # kind 9
        bytes.fromhex("7006800101810101"),  # member without a number
        encode_tlv(0x70, bytes.fromhex("800101810101") + encode_tlv(0x82, "张伟".encode())),
    ],
)
def test_malformed_records_are_rejected_with_the_driver_error(raw: bytes) -> None:
    with pytest.raises(SmartCardError) as raised:
        decode_record(raw)
    assert raised.value.code == "bad_record"


@given(st.binary(max_size=300))
def test_random_bytes_never_raise_anything_but_the_driver_error(raw: bytes) -> None:
    try:
        decode_record(raw)
    except SmartCardError as exc:
        assert exc.code == "bad_record"


@given(st.binary(max_size=1))
def test_short_responses_are_a_transmit_error(raw: bytes) -> None:
    with pytest.raises(SmartCardError):
        split_status(raw)


def test_emulated_card_refuses_record_before_select_and_foreign_aids() -> None:
    applet = CardApplet(DEMO_CARDS["M1001"])
    assert applet.respond(read_record_apdu())[-2:] == b"\x69\x85"
    assert applet.respond(select_apdu(bytes.fromhex("A000000003101001")))[-2:] == b"\x6a\x82"
    assert applet.respond(select_apdu(KIOSK_AID))[-2:] == b"\x90\x00"
    record, sw = split_status(applet.respond(read_record_apdu()))
    assert sw == 0x9000
    assert decode_record(record) == CardRecord("member", member_id="M1001")
    assert applet.respond(bytes.fromhex("00200000"))[-2:] == b"\x6d\x00"


def test_atr_check_byte_makes_the_xor_zero() -> None:
    atr = make_atr(b"KIOSK-CARD")
    check = 0
    for byte in atr[1:]:
        check ^= byte
    assert atr[0] == 0x3B and check == 0
