"""The seat map's pure rules (kiosk.domain.seats): the 45-seat coach's classes, fares, and the
best free seats for a party (side by side first, then the cheapest, then the front)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backend_stub.seed_seats import COACH_LAYOUT
from kiosk.domain.errors import RuleError
from kiosk.domain.seats import adjacent, best_seats, parse_layout, seat_fare, side_by_side

COACH = parse_layout(COACH_LAYOUT)
LABELS = [s.label for s in COACH.seats]


def test_the_coach_has_45_seats_in_three_classes_and_a_back_row():
    assert len(COACH.seats) == 45 and COACH.last_row == 11
    classes = {s.label: s.seat_class for s in COACH.seats}
    assert classes["1A"] == classes["2D"] == "front"
    assert classes["3A"] == classes["10D"] == classes["11A"] == "window"
    assert classes["3B"] == classes["3C"] == classes["11E"] == "aisle"
    assert not adjacent(COACH.seat("3B"), COACH.seat("3C"))  # across the aisle
    assert adjacent(COACH.seat("11B"), COACH.seat("11E"))  # the back row has no aisle
    assert seat_fare(2000, COACH, "1A") == 3000 and seat_fare(1000, COACH, "5a") == 1500


def test_a_layout_that_makes_no_sense_is_refused_with_its_code():
    for bad in ({"rows": 0, "pattern": "AB"}, {"rows": 2, "pattern": "A_A"}, {"rows": 2}):
        with pytest.raises(RuleError) as caught:
            parse_layout(bad)
        assert caught.value.code == "layout_invalid"
    with pytest.raises(RuleError) as caught:
        COACH.seat("12Z")
    assert caught.value.code == "seat_unknown"


def test_best_seats_side_by_side_then_cheapest_then_front():
    assert best_seats(COACH, LABELS, 2) == ["11B", "11E"]  # together and no extra fare
    assert best_seats(COACH, LABELS, 2, "window") == ["3A", "3D"]  # never touch: one row
    assert best_seats(COACH, LABELS, 1, "front") == ["1A"]
    free = [x for x in LABELS if x not in ("11B", "11E", "11C")]
    assert best_seats(COACH, free, 2) == ["3A", "3B"]
    assert best_seats(COACH, ["1A"], 2) == []


@given(
    st.sets(st.sampled_from(LABELS)), st.integers(1, 5), st.sampled_from(["", "window", "aisle"])
)
def test_best_seats_are_free_distinct_of_the_class_and_together_when_they_can_be(
    free: set[str], count: int, seat_class: str
):
    chosen = best_seats(COACH, free, count, seat_class)
    pool = [
        s for s in COACH.seats if s.label in free and (not seat_class or s.seat_class == seat_class)
    ]
    if len(pool) < count:
        assert chosen == []
        return
    assert len(set(chosen)) == count and set(chosen) <= free
    assert all(COACH.seat(x).seat_class == seat_class for x in chosen if seat_class)
    runs_exist = any(
        side_by_side(COACH, [s.label for s in pool if s.row == row][i : i + count])
        and len([s for s in pool if s.row == row][i : i + count]) == count
        for row in range(1, 12)
        for i in range(5)
    )
    if runs_exist:
        assert side_by_side(COACH, chosen)
