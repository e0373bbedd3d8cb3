"""Seats on a vehicle (座位): a vehicle type's seat map, its seat classes and their fares, and
which free seats are "best" for a party. Pure rules: the backend prices and assigns seats with
them, the kiosk draws the map and picks the one-tap seats with the same code.

A layout (stored as JSON on a vehicle type):

    {"rows": 10, "pattern": "AB_CD", "back_row": "ABECD", "front_rows": 2,
     "classes": {"front": {"zh": "前排", "en": "Front", "extra_fen": 1000}, ...}}

`pattern` is one row seen from the front, `_` the aisle; `back_row` (optional) is a last row
without an aisle. Seat labels are row number + letter (`1A`, `11E`). A seat's class is `front`
in the first `front_rows` rows, else `window` for the seats at either side, else `aisle`.

Fares: a seat costs its ticket type's fare (adult, child, senior... by the eligibility rules)
plus its class's `extra_fen`, the same for every ticket type.

"Best" free seats for a party of n (`best_seats`), in this order of preference:
1. all n side by side (consecutive seats of one row, not across the aisle);
2. else all n in one row (across the aisle);
3. else the frontmost free seats;
and among equals: the cheapest classes, then the front rows, then window seats.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from kiosk.domain.errors import RuleError

SEATED = "seated"  # the product kind of rides with seats (bus, boat)
FRONT, WINDOW, AISLE = "front", "window", "aisle"
CLASS_ORDER = (FRONT, WINDOW, AISLE)
FREE, HELD, TAKEN = "free", "held", "taken"
AISLE_MARK = "_"
# ticket statuses that occupy a seat (a hold too, until it expires)
SEAT_STATUSES = ("held", "issued", "printed", "used")


@dataclass(frozen=True)
class SeatClass:
    code: str
    name_zh: str
    name_en: str
    extra_fen: int


@dataclass(frozen=True)
class Seat:
    label: str  # "3C"
    row: int  # 1 = the front row
    x: int  # column in the row's pattern (the aisle takes a column)
    seat_class: str
    window: bool


@dataclass(frozen=True)
class Layout:
    rows: int
    pattern: str
    back_row: str
    front_rows: int
    classes: Mapping[str, SeatClass]
    seats: tuple[Seat, ...]

    @property
    def width(self) -> int:
        return max(len(self.pattern), len(self.back_row))

    def seat(self, label: str) -> Seat:
        found = next((s for s in self.seats if s.label == label.strip().upper()), None)
        if found is None:
            raise RuleError("seat_unknown", label)
        return found

    def seat_rows(self) -> list[list[Seat | None]]:
        """The map row by row, `None` where the aisle is (what a screen draws)."""
        grid: list[list[Seat | None]] = []
        for row in range(1, self.last_row + 1):
            pattern = self.back_row if row > self.rows else self.pattern
            cells: list[Seat | None] = [None] * self.width
            for s in self.seats:
                if s.row == row:
                    cells[s.x] = s
            grid.append(cells[: len(pattern)] + [None] * (self.width - len(pattern)))
        return grid

    @property
    def last_row(self) -> int:
        return self.rows + (1 if self.back_row else 0)


def parse_layout(data: str | Mapping[str, Any]) -> Layout:
    """A layout from its JSON (or the decoded dict); layout_invalid when it makes no sense."""
    raw = json.loads(data) if isinstance(data, str) else dict(data)
    try:
        rows, pattern = int(raw["rows"]), str(raw["pattern"])
        back_row, front_rows = str(raw.get("back_row", "")), int(raw.get("front_rows", 0))
        classes = {
            code: SeatClass(code, str(c.get("zh", code)), str(c.get("en", code)),
                            int(c.get("extra_fen", 0)))
            for code, c in dict(raw.get("classes", {})).items()
        }  # fmt: skip
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise RuleError("layout_invalid", str(exc)) from exc
    if not 1 <= rows <= 40 or not pattern.strip(AISLE_MARK) or AISLE_MARK in back_row:
        raise RuleError("layout_invalid", "rows 1-40, a pattern with seats, no aisle at the back")
    letters = [c for c in pattern + back_row if c != AISLE_MARK]
    if len(set(pattern.replace(AISLE_MARK, ""))) != len(pattern.replace(AISLE_MARK, "")):
        raise RuleError("layout_invalid", "a letter twice in the pattern")
    if not all(c.isalpha() and c.isupper() for c in letters):
        raise RuleError("layout_invalid", "seat letters are A-Z")
    for code in CLASS_ORDER:
        classes.setdefault(code, SeatClass(code, code, code, 0))
    if any(c.extra_fen < 0 for c in classes.values()):
        raise RuleError("layout_invalid", "a class's extra fare is negative")
    seats: list[Seat] = []
    for row in range(1, rows + (2 if back_row else 1)):
        cells = back_row if row > rows else pattern
        sides = [x for x, c in enumerate(cells) if c != AISLE_MARK]
        for x, letter in enumerate(cells):
            if letter == AISLE_MARK:
                continue
            window = x in (sides[0], sides[-1])
            cls = FRONT if row <= front_rows else WINDOW if window else AISLE
            seats.append(Seat(f"{row}{letter}", row, x, cls, window))
    return Layout(rows, pattern, back_row, front_rows, classes, tuple(seats))


def seat_fare(type_fen: int, layout: Layout, label: str) -> int:
    """What a seat costs a ticket type whose fare is `type_fen`."""
    return type_fen + layout.classes[layout.seat(label).seat_class].extra_fen


def class_fares(layout: Layout, type_fares: Mapping[str, int]) -> dict[str, dict[str, int]]:
    """Per class, per ticket type: the fare (what a seat map shows)."""
    return {
        code: {t: fen + c.extra_fen for t, fen in type_fares.items()}
        for code, c in layout.classes.items()
    }


def adjacent(a: Seat, b: Seat) -> bool:
    """Side by side: one row, neighbouring columns (the aisle is a column, so never across)."""
    return a.row == b.row and abs(a.x - b.x) == 1


def _runs(seats: list[Seat]) -> list[list[Seat]]:
    """Free seats of one row in runs of side-by-side seats."""
    runs: list[list[Seat]] = []
    for s in sorted(seats, key=lambda s: s.x):
        if runs and adjacent(runs[-1][-1], s):
            runs[-1].append(s)
        else:
            runs.append([s])
    return runs


def best_seats(layout: Layout, free: Iterable[str], count: int, seat_class: str = "") -> list[str]:
    """The best `count` free seats (module docstring), of `seat_class` if given; [] when there
    are not that many."""
    wanted = {label.strip().upper() for label in free}
    pool = [s for s in layout.seats if s.label in wanted]
    if seat_class:
        pool = [s for s in pool if s.seat_class == seat_class]
    if count <= 0 or len(pool) < count:
        return []

    def cost(group: list[Seat], split: int) -> tuple[int, int, int, int]:
        extra = sum(layout.classes[s.seat_class].extra_fen for s in group)
        return (split, extra, max(s.row for s in group), -sum(s.window for s in group))

    candidates: list[tuple[tuple[int, int, int, int], list[Seat]]] = []
    by_row: dict[int, list[Seat]] = {}
    for s in pool:
        by_row.setdefault(s.row, []).append(s)
    for row_seats in by_row.values():
        for run in _runs(row_seats):
            for i in range(len(run) - count + 1):
                group = run[i : i + count]
                candidates.append((cost(group, 0), group))
        if len(row_seats) >= count:
            ordered = sorted(row_seats, key=lambda s: s.x)
            for i in range(len(ordered) - count + 1):
                group = ordered[i : i + count]
                candidates.append((cost(group, 1), group))
    if candidates:
        return [s.label for s in min(candidates, key=lambda c: c[0])[1]]
    front = sorted(pool, key=lambda s: (layout.classes[s.seat_class].extra_fen, s.row, s.x))
    return [s.label for s in front[:count]]


def side_by_side(layout: Layout, labels: list[str]) -> bool:
    """Whether these seats form one run of side-by-side seats."""
    seats = sorted((layout.seat(x) for x in labels), key=lambda s: (s.row, s.x))
    return all(adjacent(a, b) for a, b in itertools.pairwise(seats))
