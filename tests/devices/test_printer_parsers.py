"""The ESC/POS parsers on their own: the emulator's stream parser and the driver's status bytes.

Fuzzed with hypothesis: random and truncated input never raises anything but PrinterError.
"""

from __future__ import annotations

import pytest
from escpos.printer import Dummy
from hypothesis import given, settings
from hypothesis import strategies as st
from pyzbar.pyzbar import decode

from peripherals.printer.emulator import (
    Cut,
    EscposParser,
    QrPrint,
    RasterImage,
    StatusQuery,
    TextRow,
    render_ticket,
)
from peripherals.printer.errors import PrinterError
from peripherals.printer.status_bytes import (
    QUERIES,
    PrinterFlags,
    parse_status,
    problem_code,
)
from peripherals.printer.ticket_bytes import write_ticket, yuan
from tests.fixtures.printer import sample_ticket


def ticket_bytes(native_qr: bool = True) -> bytes:
    dummy = Dummy()
    write_ticket(dummy, sample_ticket(), native_qr=native_qr)
    return dummy.output


def test_ticket_bytes_use_chinese_mode_gb18030_native_qr_and_cut() -> None:
    data = ticket_bytes()
    assert data.startswith(b"\x1b@\x1c&")
    assert "云台山风景区".encode("gb18030") in data
    assert b"\x1d(k" in data and sample_ticket().qr_text.encode() in data
    assert data.rstrip(b"\x00").endswith(b"\x1dV\x00") or b"\x1dV" in data[-8:]


def test_parser_reads_back_the_ticket_the_driver_writes() -> None:
    events = EscposParser().feed(ticket_bytes())
    rows = [e.text for e in events if isinstance(e, TextRow)]
    assert rows[:2] == ["云台山风景区", "大门票 Admission"]
    assert "票价 Price    ￥120.00" in rows
    assert [e.data.decode() for e in events if isinstance(e, QrPrint)] == [sample_ticket().qr_text]
    assert isinstance(events[-1], Cut)


def test_raster_qr_parses_as_an_image() -> None:
    events = EscposParser().feed(ticket_bytes(native_qr=False))
    [raster] = [e for e in events if isinstance(e, RasterImage)]
    assert raster.width_bytes * 8 >= raster.height > 100
    assert not [e for e in events if isinstance(e, QrPrint)]
    codes = [c.data.decode() for c in decode(render_ticket(events))]
    assert codes == [sample_ticket().qr_text]


def test_bytes_split_anywhere_give_the_same_rows() -> None:
    data = ticket_bytes()
    whole = EscposParser().feed(data)
    for cut_at in range(1, len(data), 37):
        parser = EscposParser()
        assert parser.feed(data[:cut_at]) + parser.feed(data[cut_at:]) == whole


def test_long_rows_wrap_at_the_print_width() -> None:
    events = EscposParser().feed(b"\x1c&" + ("景" * 30).encode("gb18030") + b"\n")
    rows = [e.text for e in events if isinstance(e, TextRow)]
    assert rows == ["景" * 24, "景" * 6]  # 24 full-width cells of 24 dots in 576 dots


def test_status_queries_are_seen_between_other_commands() -> None:
    events = EscposParser().feed(b"abc\x10\x04\x04def\n\x10\x04\x02")
    assert [e.n for e in events if isinstance(e, StatusQuery)] == [4, 2]


def test_status_bytes_decode_the_printer_states() -> None:
    for flags in (
        PrinterFlags(),
        PrinterFlags(paper_near_end=True),
        PrinterFlags(offline=True, paper_out=True, paper_near_end=True),
        PrinterFlags(offline=True, cover_open=True),
    ):
        assert parse_status({n: bytes([flags.encode(n)]) for n in QUERIES}) == flags
    assert problem_code(PrinterFlags(offline=True, cover_open=True)) == "cover_open"
    assert problem_code(PrinterFlags(paper_near_end=True)) is None


def test_a_byte_without_the_fixed_bits_is_refused() -> None:
    with pytest.raises(PrinterError) as bad:
        parse_status({1: b"\x12", 2: b"\x12", 3: b"\x12", 4: b"\xff"})
    assert bad.value.code == "bad_status"


def test_yuan_from_fen() -> None:
    assert [yuan(12000), yuan(5), yuan(0), yuan(-150)] == [
        "￥120.00",
        "￥0.05",
        "￥0.00",
        "-￥1.50",
    ]


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=600), st.integers(min_value=1, max_value=64))
def test_emulator_parser_never_raises_on_garbage(data: bytes, chunk: int) -> None:
    parser = EscposParser()
    for start in range(0, len(data), chunk):
        for event in parser.feed(data[start : start + chunk]):
            assert event is not None
    assert parser.pending <= len(data)


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_emulator_parser_and_renderer_survive_truncated_and_mutated_tickets(
    data: st.DataObject,
) -> None:
    ticket = bytearray(ticket_bytes(native_qr=data.draw(st.booleans())))
    end = data.draw(st.integers(min_value=0, max_value=len(ticket)))
    for _ in range(data.draw(st.integers(min_value=0, max_value=8))):
        at = data.draw(st.integers(min_value=0, max_value=len(ticket) - 1))
        ticket[at] = data.draw(st.integers(min_value=0, max_value=255))
    events = EscposParser().feed(bytes(ticket[:end]))
    image = render_ticket(events)
    assert image.width > 0


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.integers(min_value=-2, max_value=6), st.binary(max_size=3)))
def test_status_parser_raises_only_printer_error(answers: dict[int, bytes]) -> None:
    try:
        flags = parse_status(answers)
    except PrinterError as exc:
        assert exc.code == "bad_status"
    else:
        assert isinstance(flags, PrinterFlags)


def test_titles_break_between_words_not_inside_them() -> None:
    from peripherals.printer.ticket_bytes import fit_words

    lines = fit_words("云台山风景区 Yuntai Mountain Scenic Area", 24)
    assert lines == ["云台山风景区 Yuntai", "Mountain Scenic Area"]
    assert fit_words("", 24) == [""]
