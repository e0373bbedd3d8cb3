"""How a route answers an idempotent call that creates something: 201 with the first answer,
200 with the same answer when the call is a replay (same Idempotency-Key, channel order id or
group reference)."""

from __future__ import annotations

from typing import TypeVar

from fastapi import Response

T = TypeVar("T")


def created_or_replayed(response: Response, outcome: tuple[T, bool]) -> T:
    """The answer of a service's `(answer, replayed)`; a replay turns the route's 201 into 200."""
    answer, replayed = outcome
    if replayed:
        response.status_code = 200
    return answer
