"""The rules behind binding, bundles, channels and the gate, without I/O."""

from __future__ import annotations

from datetime import datetime

import pytest

from kiosk.domain.catalog import (
    ParentCandidate,
    choose_parent,
    component_at_gate,
    components_of,
)
from kiosk.domain.errors import ERRORS, RuleError
from kiosk.domain.gate_rules import EntryWindow, check_entry_window, check_parent_at_gate
from kiosk.domain.refund_rules import (
    check_rebook_money_here,
    check_refund_here,
    collected_by_for,
    refund_elsewhere,
)

START, END = datetime(2026, 11, 23, 10), datetime(2026, 11, 23, 11)


def test_an_addon_binds_to_the_holders_own_parent_with_room_else_is_refused() -> None:
    dad = ParentCandidate("t-dad", "110101199003072375", False, 0)
    kid = ParentCandidate("t-kid", "", True, 0)
    assert choose_parent([dad, kid], 1) == "t-dad"  # the first of equals
    assert choose_parent([dad, kid], 1, is_child=True) == "t-kid"
    assert choose_parent([kid, dad], 1, doc_number="110101199003072375") == "t-dad"
    full = ParentCandidate("t-dad", "", False, 1)
    assert choose_parent([full, kid], 1) == "t-kid"
    with pytest.raises(RuleError, match="addon_limit_reached"):
        choose_parent([full], 1)
    with pytest.raises(RuleError, match="parent_ticket_required"):
        choose_parent([], 1)


def test_a_bundle_has_one_entry_per_component_and_a_gate_uses_its_own() -> None:
    parts = components_of("BUNDLE", "bundle", ["ADM", "CABLE", "GLASS"])
    assert parts == ("ADM", "CABLE", "GLASS")
    assert components_of("ADM", "admission", []) == ("ADM",)
    assert components_of("BUNDLE", "bundle", [""]) == ("BUNDLE",)
    assert component_at_gate(parts, None) == "ADM"  # no named gate: the entrance
    assert component_at_gate(parts, "GLASS") == "GLASS"
    with pytest.raises(RuleError, match="ticket_wrong_gate"):
        component_at_gate(parts, "SHOW")


@pytest.mark.parametrize(
    ("now", "code"),
    [
        (datetime(2026, 11, 23, 9, 29), "ticket_too_early"),
        (datetime(2026, 11, 23, 9, 30), None),
        (datetime(2026, 11, 23, 12, 0), None),
        (datetime(2026, 11, 23, 12, 1), "ticket_too_late"),
    ],
)
def test_the_entry_window_opens_before_the_slot_and_closes_after_it(now, code) -> None:
    if code is None:
        check_entry_window(START, END, now, EntryWindow(30, 60))
    else:
        with pytest.raises(RuleError, match=code):
            check_entry_window(START, END, now, EntryWindow(30, 60))


def test_an_addon_passes_only_with_a_valid_parent_entered_where_required() -> None:
    day = "2026-11-23"
    check_parent_at_gate("printed", day, day, needs_parent_entered=False, parent_entered=False)
    check_parent_at_gate("used", day, day, needs_parent_entered=True, parent_entered=True)
    for status, parent_day in (("refunded", day), ("void", day), ("printed", "2026-11-24")):
        with pytest.raises(RuleError, match="parent_not_valid"):
            check_parent_at_gate(
                status, parent_day, day, needs_parent_entered=False, parent_entered=False
            )
    with pytest.raises(RuleError, match="parent_not_entered"):
        check_parent_at_gate("printed", day, day, needs_parent_entered=True, parent_entered=False)


def test_who_took_the_money_decides_where_it_is_refunded() -> None:
    assert collected_by_for("kiosk") == "kiosk"
    assert collected_by_for("meituan") == "channel"
    assert collected_by_for("group") == "agency"
    assert collected_by_for("some_agency", "agency") == "agency"
    check_refund_here("kiosk", "kiosk")
    for collected, channel, code in (
        ("channel", "meituan", "refund_at_meituan"),
        ("channel", "ctrip", "refund_at_ctrip"),
        ("channel", "unknown_ota", "refund_at_channel"),
        ("agency", "group", "refund_at_agency"),
    ):
        err = refund_elsewhere(collected, channel)
        assert err.code == code and code in ERRORS
        assert err.extra == {"channel": channel, "collected_by": collected}
    assert ERRORS["refund_at_meituan"].zh == "请在美团申请退款"
    assert ERRORS["refund_at_agency"].en == "Please contact your travel agency"


def test_a_channel_order_moves_no_money_at_a_kiosk() -> None:
    check_rebook_money_here("channel", "ctrip", 0, 0)
    check_rebook_money_here("kiosk", "kiosk", 1200, 0)
    with pytest.raises(RuleError, match="refund_at_ctrip"):
        check_rebook_money_here("channel", "ctrip", 0, 1200)
    with pytest.raises(RuleError, match="rebook_elsewhere"):
        check_rebook_money_here("agency", "group", 1200, 0)
