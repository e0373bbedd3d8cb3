"""SAM frames and text blocks: golden bytes from GA 467-2013 and fuzzing of every parser."""

from __future__ import annotations

import contextlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from peripherals.idcard import frames
from peripherals.idcard.emulator import DEMO_CARDS, encode_text_block
from peripherals.idcard.errors import IdCardError
from peripherals.idcard.layouts import decode_read_payload, decode_text_block


def test_commands_are_the_well_known_byte_strings():
    assert frames.build_command(*frames.CMD_FIND_CARD).hex(" ") == "aa aa aa 96 69 00 03 20 01 22"
    assert frames.build_command(*frames.CMD_SELECT_CARD).hex(" ") == "aa aa aa 96 69 00 03 20 02 21"
    assert frames.build_command(*frames.CMD_READ_BASE).hex(" ") == "aa aa aa 96 69 00 03 30 01 32"
    assert frames.build_command(*frames.CMD_SAM_STATUS).hex(" ") == "aa aa aa 96 69 00 03 11 ff ed"


def test_no_card_and_card_found_replies_parse_to_their_status():
    no_card = bytes.fromhex("aaaaaa9669 0004 000080 84")
    found = bytes.fromhex("aaaaaa9669 0004 00009f 9b")
    assert frames.build_reply(0x80) == no_card
    assert frames.parse_reply(no_card).sw3 == 0x80
    assert frames.parse_reply(found).sw3 == 0x9F
    assert frames.parse_reply(found).data == b""


def test_a_flipped_checksum_is_refused():
    frame = bytearray(frames.build_reply(0x90, b"\x01\x02"))
    frame[-1] ^= 0x01
    with pytest.raises(IdCardError) as err:
        frames.parse_reply(bytes(frame))
    assert err.value.code == "bad_checksum"


def test_frames_are_found_after_junk_and_across_chunks():
    reply = frames.build_reply(0x90, b"\xaa\xaa\xaa\x96\x69" * 3)  # a preamble inside the data
    buffer = bytearray(b"\x00\xff\xaa\x96")
    assert frames.take_frame(buffer) is None
    buffer += reply[:9]
    assert frames.take_frame(buffer) is None
    buffer += reply[9:] + b"\xaa\xaa"
    assert frames.take_frame(buffer) == reply
    assert buffer == b"\xaa\xaa"  # what may begin the next frame is kept


def test_a_whole_read_reply_decodes_to_the_card():
    card = DEMO_CARDS["li_na"]
    data = b"\x01\x00\x04\x00" + encode_text_block(card) + card.photo
    reply = frames.parse_reply(frames.build_reply(0x90, data))
    assert len(frames.build_reply(0x90, data)) == 1295  # 7 + 0x0508
    decoded = decode_read_payload(reply.data)
    assert (decoded.name, decoded.id_number, decoded.photo) == (
        "李娜",
        "440304198510121540",
        card.photo,
    )


def test_read_reply_whose_lengths_do_not_add_up_is_refused():
    card = DEMO_CARDS["li_na"]
    data = b"\x01\x00\x04\x00" + encode_text_block(card) + card.photo[:1000]
    with pytest.raises(IdCardError) as err:
        decode_read_payload(data)
    assert err.value.code == "bad_payload"


def _drain(data: bytes) -> list[bytes]:
    buffer = bytearray(data)
    found = []
    for _ in range(len(data) + 1):
        try:
            frame = frames.take_frame(buffer)
        except IdCardError:
            continue
        if frame is None:
            break
        found.append(frame)
    return found


def _every_parser(data: bytes) -> None:
    for parse in (
        frames.parse_reply,
        frames.parse_command,
        decode_read_payload,
        lambda d: decode_read_payload(d, with_fingerprint=True),
        decode_text_block,
    ):
        with contextlib.suppress(IdCardError):
            parse(data)
    for frame in _drain(data):
        try:
            reply = frames.parse_reply(frame)
            decode_read_payload(reply.data)
        except IdCardError:
            pass


@settings(max_examples=400, deadline=None)
@given(st.binary(max_size=3000))
def test_random_bytes_raise_nothing_but_idcard_error(data: bytes):
    _every_parser(data)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(sorted(DEMO_CARDS)), st.integers(0, 1294), st.binary(max_size=8))
def test_truncated_and_damaged_read_replies_raise_nothing_but_idcard_error(
    name: str, cut: int, tail: bytes
):
    card = DEMO_CARDS[name]
    frame = frames.build_reply(0x90, b"\x01\x00\x04\x00" + encode_text_block(card) + card.photo)
    _every_parser(frame[:cut] + tail)
    _every_parser(frame[7:cut])


@settings(max_examples=300, deadline=None)
@given(st.binary(min_size=256, max_size=256))
def test_random_text_blocks_decode_or_raise_idcard_error(text: bytes):
    try:
        card = decode_text_block(text)
    except IdCardError:
        return
    assert card.doc_type in ("resident", "foreign_permanent", "gat_residence")
