from datetime import date, datetime, timedelta

import pytest

from kiosk.domain.catalog import (
    Eligibility,
    HeldTicket,
    check_children_accompanied,
    is_eligible,
    require_parent,
)
from kiosk.domain.errors import ERRORS, RuleError, error_body
from kiosk.domain.refund_rules import (
    check_ticket_changeable,
    rebook_balance_fen,
    rebook_fee_fen,
    refund_fee_fen,
)

TODAY = date(2026, 11, 23)
CHILD = Eligibility(min_age=6, max_age=18)
SENIOR = Eligibility(min_age=60)


def test_child_and_senior_eligibility_by_birth_date() -> None:
    assert is_eligible(CHILD, date(2015, 6, 1), TODAY)
    assert not is_eligible(CHILD, date(1990, 3, 7), TODAY)
    assert is_eligible(SENIOR, date(1952, 8, 15), TODAY)
    assert not is_eligible(SENIOR, date(1985, 10, 12), TODAY)
    assert is_eligible(SENIOR, None, TODAY)  # no document read: the gate checks


def test_addon_refused_without_admission() -> None:
    with pytest.raises(RuleError, match="parent_ticket_required"):
        require_parent("ADM", TODAY, [])
    other_day = HeldTicket("ADM", "admission", TODAY + timedelta(days=1), "issued")
    with pytest.raises(RuleError):
        require_parent("ADM", TODAY, [other_day])
    refunded = HeldTicket("ADM", "admission", TODAY, "refunded")
    with pytest.raises(RuleError):
        require_parent("ADM", TODAY, [refunded])


def test_addon_allowed_with_admission_bundle_or_same_order() -> None:
    require_parent("ADM", TODAY, [HeldTicket("ADM", "admission", TODAY, "used")])
    require_parent("ADM", TODAY, [HeldTicket("BUNDLE", "bundle", TODAY, "printed")])
    require_parent("ADM", TODAY, [], in_order=2)


def test_one_child_per_adult() -> None:
    check_children_accompanied(2, 2)
    with pytest.raises(RuleError, match="child_needs_adult"):
        check_children_accompanied(2, 1)


def test_refund_fee_by_hours_before_the_slot() -> None:
    start = datetime(2026, 11, 25, 9, 0)
    assert refund_fee_fen(10000, start, start - timedelta(hours=30)) == 0
    assert refund_fee_fen(10000, start, start - timedelta(hours=5)) == 1000
    assert refund_fee_fen(10000, start, start - timedelta(minutes=30)) == 2000
    with pytest.raises(RuleError, match="refund_too_late"):
        refund_fee_fen(10000, start, start + timedelta(minutes=1))


def test_rebook_cut_off_and_balance() -> None:
    start = datetime(2026, 11, 25, 9, 0)
    assert rebook_fee_fen(start, start - timedelta(hours=3)) == 0
    with pytest.raises(RuleError, match="rebook_too_late"):
        rebook_fee_fen(start, start - timedelta(hours=1))
    assert rebook_balance_fen(12000, 10000, 0) == -2000


def test_used_and_refunded_tickets_cannot_change() -> None:
    check_ticket_changeable("issued")
    for status, code in [("used", "ticket_used"), ("refunded", "ticket_refunded")]:
        with pytest.raises(RuleError, match=code):
            check_ticket_changeable(status)


def test_every_error_has_both_languages_and_a_4xx_or_5xx_status() -> None:
    for code, info in ERRORS.items():
        assert info.zh and info.en, code
        assert 400 <= info.status < 600
    body = error_body("sold_out", "slot S1")
    assert body["error"]["code"] == "sold_out"
    assert "slot S1" in body["error"]["message"]["en"]
