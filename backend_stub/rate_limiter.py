"""Rate limits as token buckets behind one small interface (`RateLimiter`).

A `Rate` of `count` per `seconds` is a bucket of `count` tokens refilled at `count / seconds`
tokens a second: a burst of `count` calls, then one call every `seconds / count`. A call takes a
token, or is refused with the seconds until one is back (the `Retry-After` of the 429).

`InProcessRateLimiter` keeps the buckets in this process's memory: right for one backend
process, lost on restart (a restart hands an attacker one burst, no more). Several workers
(issue 12) need one shared state: implement `RateLimiter` on the database (a row per bucket:
tokens, updated_at; one UPDATE ... RETURNING per call) and hand it to the Backend instead;
callers (services.limits, request_limits) don't change.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Rate:
    """`count` calls per `seconds` (a burst of `count`, then the average rate)."""

    count: int
    seconds: float

    @classmethod
    def parse(cls, text: str) -> Rate:
        """`30/60` -> Rate(30, 60.0)."""
        count, _, seconds = text.partition("/")
        rate = cls(int(count), float(seconds or 1))
        if rate.count < 1 or rate.seconds <= 0:
            raise ValueError(f"a rate is COUNT/SECONDS with both above 0, not {text!r}")
        return rate

    def __str__(self) -> str:
        return f"{self.count}/{self.seconds:g}"


class RateLimiter(Protocol):
    def take(self, bucket: str, key: str, rate: Rate, now: float | None = None) -> float:
        """Take one token from `bucket` for `key`: 0.0 when allowed, else the seconds to wait
        (nothing is taken)."""
        ...

    def wait_needed(self, bucket: str, key: str, rate: Rate, now: float | None = None) -> float:
        """The seconds until `key` may call again, taking nothing (0.0: it may now)."""
        ...


class InProcessRateLimiter:
    """Token buckets in a dict, guarded by a lock; full buckets are dropped now and then."""

    PRUNE_EVERY = 1024  # calls between sweeps of full (idle) buckets

    def __init__(self) -> None:
        self._buckets: dict[tuple[str, str], tuple[float, float]] = {}
        self._lock = threading.Lock()
        self._calls = 0

    def _level(self, bucket: str, key: str, rate: Rate, now: float) -> float:
        tokens, stamp = self._buckets.get((bucket, key), (float(rate.count), now))
        return min(float(rate.count), tokens + (now - stamp) * rate.count / rate.seconds)

    def take(self, bucket: str, key: str, rate: Rate, now: float | None = None) -> float:
        now = time.monotonic() if now is None else now
        with self._lock:
            self._calls += 1
            if self._calls % self.PRUNE_EVERY == 0:
                self._prune(now)
            tokens = self._level(bucket, key, rate, now)
            if tokens < 1.0:
                return (1.0 - tokens) * rate.seconds / rate.count
            self._buckets[(bucket, key)] = (tokens - 1.0, now)
            return 0.0

    def wait_needed(self, bucket: str, key: str, rate: Rate, now: float | None = None) -> float:
        now = time.monotonic() if now is None else now
        with self._lock:
            tokens = self._level(bucket, key, rate, now)
        return 0.0 if tokens >= 1.0 else (1.0 - tokens) * rate.seconds / rate.count

    def _prune(self, now: float) -> None:
        """Forget buckets idle long enough to be full again (at most an hour's worth)."""
        stale = [k for k, (_, stamp) in self._buckets.items() if now - stamp > 3600]
        for k in stale:
            del self._buckets[k]
