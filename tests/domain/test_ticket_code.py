from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk.domain.code_kinds import CodeKind, classify
from kiosk.domain.ticket_code import (
    TicketClaims,
    TicketCodeError,
    new_private_key,
    public_key_from_b64,
    public_key_to_b64,
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
