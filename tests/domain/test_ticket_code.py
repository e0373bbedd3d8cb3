from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk.domain.code_kinds import CodeKind, classify
from kiosk.domain.ticket_code import (
    TicketClaims,
    TicketCodeError,
    key_id,
    new_private_key,
    public_key_from_b64,
    public_key_to_b64,
    read_claims,
    sign_ticket,
    verify_ticket,
)

KEY = new_private_key()
PUBLIC = public_key_from_b64(public_key_to_b64(KEY.public_key()))
ident = st.text(st.characters(whitelist_categories=("Lu", "Ll", "Nd"), max_codepoint=0x7F),
                min_size=1, max_size=12)  # fmt: skip
claims_st = st.builds(TicketClaims, ident, ident, st.dates(date(2000, 1, 1), date(2099, 12, 31)),
                      ident, ident)  # fmt: skip


@given(claims_st)
def test_a_signed_code_verifies_to_the_same_claims(claims: TicketClaims) -> None:
    code = sign_ticket(claims, KEY)
    assert classify(code).kind == CodeKind.TICKET
    assert verify_ticket(code, PUBLIC) == claims


@given(claims_st, st.data())
def test_any_changed_character_is_rejected(claims: TicketClaims, data: st.DataObject) -> None:
    code = sign_ticket(claims, KEY)
    pos = data.draw(st.integers(4, len(code) - 1))
    if code[pos] == ".":
        return
    new_char = data.draw(st.sampled_from("ABCabc012-_").filter(lambda c: c != code[pos]))
    forged = code[:pos] + new_char + code[pos + 1 :]
    with pytest.raises(TicketCodeError):
        verify_ticket(forged, PUBLIC)


def test_a_code_signed_by_another_key_is_rejected() -> None:
    claims = TicketClaims("T1", "ADM", date(2026, 11, 23), "S1", "ADULT")
    with pytest.raises(TicketCodeError):
        verify_ticket(sign_ticket(claims, new_private_key()), PUBLIC)


def test_a_payload_swapped_from_another_ticket_is_rejected() -> None:
    one = sign_ticket(TicketClaims("T1", "ADM", date(2026, 11, 23), "S1", "CHILD"), KEY)
    two = sign_ticket(TicketClaims("T1", "ADM", date(2026, 11, 23), "S1", "ADULT"), KEY)
    forged = ".".join([*two.split(".")[:2], one.split(".")[2]])
    with pytest.raises(TicketCodeError):
        verify_ticket(forged, PUBLIC)


@pytest.mark.parametrize("text", ["", "KT1", "KT1.a.b", "KO1:123", "KT1..", "KT1.!!.??"])
def test_garbage_is_rejected(text: str) -> None:
    with pytest.raises(TicketCodeError):
        verify_ticket(text, PUBLIC)


def test_a_code_names_its_key_and_a_key_set_picks_it():
    old, new = new_private_key(), new_private_key()
    keys = {key_id(k.public_key()): k.public_key() for k in (old, new)}
    claims = TicketClaims("T1", "ADM", date(2026, 11, 23), "S1", "ADULT", key_id(old.public_key()))
    code = sign_ticket(claims, old)
    assert read_claims(code).kid == key_id(old.public_key())
    assert verify_ticket(code, keys) == claims  # a retired key still verifies its codes
    with pytest.raises(TicketCodeError):  # a kid the set does not hold (retired and gone)
        verify_ticket(code, {key_id(new.public_key()): new.public_key()})
    lying = TicketClaims("T1", "ADM", date(2026, 11, 23), "S1", "ADULT", key_id(new.public_key()))
    with pytest.raises(TicketCodeError):  # names one key, signed by another
        verify_ticket(sign_ticket(lying, old), keys)


def test_a_code_from_before_key_ids_verifies_against_the_key_set():
    claims = TicketClaims("T1", "ADM", date(2026, 11, 23), "S1", "ADULT")
    code = sign_ticket(claims, KEY)
    assert read_claims(code).kid == ""
    assert verify_ticket(code, {key_id(KEY.public_key()): PUBLIC}) == claims
    with pytest.raises(TicketCodeError):
        verify_ticket(code, {"other": new_private_key().public_key()})
