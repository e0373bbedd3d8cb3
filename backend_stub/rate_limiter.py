"""Rate limits as token buckets behind one small interface (`RateLimiter`).

A `Rate` of `count` per `seconds` is a bucket of `count` tokens refilled at `count / seconds`
tokens a second: a burst of `count` calls, then one call every `seconds / count`. A call takes a
token, or is refused with the seconds until one is back (the `Retry-After` of the 429).

`InProcessRateLimiter` keeps the buckets in this process's memory: right for one backend
process (SQLite), lost on restart (a restart hands an attacker one burst, no more).
`DatabaseRateLimiter` keeps them in the database's `rate_buckets` table (UNLOGGED on
PostgreSQL), one atomic upsert per call, so N worker processes share one bucket per key and the
limits mean what they say however many workers run. Callers (services.limits, request_limits)
don't know which they have (context.Backend picks by the store).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from backend_stub.stores import Store


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


# one statement: refill by the time since `stamp`, take a token when one is there; no row back
# when refused (the bucket stays as it was)
TAKE_SQL = """
INSERT INTO rate_buckets AS b (bucket, key, tokens, stamp) VALUES (?, ?, ?, ?)
ON CONFLICT (bucket, key) DO UPDATE SET
  tokens = LEAST(?, b.tokens + (excluded.stamp - b.stamp) * ?) - 1, stamp = excluded.stamp
  WHERE LEAST(?, b.tokens + (excluded.stamp - b.stamp) * ?) >= 1
RETURNING tokens
"""


class DatabaseRateLimiter:
    """Token buckets in the store's `rate_buckets` table, shared by every worker process.

    Times are wall-clock seconds (`time.time()`: the same in every process of a host; hosts
    keep their clocks in step with NTP).

    `wait_needed` runs before every request (request_limits: has this address failed too
    often?); the answer "a token is there" is kept for `FREE_FOR` seconds, forgotten at once
    when this process takes from that bucket: a query per address per second, not per request.
    Failures counted by another worker are seen within that second."""

    PRUNE_EVERY = 1024
    FREE_FOR = 1.0

    def __init__(self, store: Store) -> None:
        self.store = store
        self._calls = 0
        self._free_until: dict[tuple[str, str], float] = {}

    def _level(self, bucket: str, key: str, rate: Rate, now: float) -> float:
        row = self.store.one(
            "SELECT tokens, stamp FROM rate_buckets WHERE bucket = ? AND key = ?", (bucket, key)
        )
        if row is None:
            return float(rate.count)
        refill = (now - row["stamp"]) * rate.count / rate.seconds
        return min(float(rate.count), row["tokens"] + refill)

    def take(self, bucket: str, key: str, rate: Rate, now: float | None = None) -> float:
        now = time.time() if now is None else now
        self._calls += 1
        self._free_until.pop((bucket, key), None)
        if self._calls % self.PRUNE_EVERY == 0:
            self.store.run("DELETE FROM rate_buckets WHERE stamp < ?", (now - 3600,))
            self._free_until.clear()
        per_second = rate.count / rate.seconds
        count = float(rate.count)
        taken = self.store.one(
            TAKE_SQL, (bucket, key, count - 1, now, count, per_second, count, per_second)
        )
        if taken is not None:
            return 0.0
        tokens = self._level(bucket, key, rate, now)
        return max((1.0 - tokens) * rate.seconds / rate.count, 0.001)

    def wait_needed(self, bucket: str, key: str, rate: Rate, now: float | None = None) -> float:
        now = time.time() if now is None else now
        if self._free_until.get((bucket, key), 0.0) > now:
            return 0.0
        tokens = self._level(bucket, key, rate, now)
        if tokens >= 1.0:
            if len(self._free_until) > 10_000:  # many addresses: start again
                self._free_until.clear()
            self._free_until[(bucket, key)] = now + self.FREE_FOR
            return 0.0
        return (1.0 - tokens) * rate.seconds / rate.count
