"""Rate limits keyed by name: moving windows on the `limits` library (X's windows), token buckets with a reserve
(a Slack channel's posting budget); in memory for one process, in Redis across many."""

from __future__ import annotations

import math
import time
from collections.abc import Callable

import redis
from limits import RateLimitItemPerSecond
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter

from storage.token_bucket import MemoryTokenBuckets, RedisTokenBuckets


class WindowRateLimiter:
    """Moving windows (`burst` calls within any `burst / per_second` seconds) and token buckets with a reserve."""

    def __init__(self, storage_uri: str, now: Callable[[], float] = time.monotonic) -> None:
        self._storage = storage_from_string(storage_uri)
        self._limiter = MovingWindowRateLimiter(self._storage)
        self._buckets: MemoryTokenBuckets | RedisTokenBuckets = (
            MemoryTokenBuckets(now)  # the clock in-process buckets count by (Redis's own clock in Redis)
            if storage_uri.startswith("memory://")
            else RedisTokenBuckets(redis.from_url(storage_uri))
        )

    def block(self, key: str, seconds: float) -> None:
        """Refuse every slot under `key` for `seconds`, for every process on the same storage; a longer block stands."""
        if self._blocked(key) >= seconds:
            return
        self._storage.clear(f"blocked:{key}")
        self._storage.incr(f"blocked:{key}", expiry=max(1, math.ceil(seconds)))

    def _blocked(self, key: str) -> float:
        if self._storage.get(f"blocked:{key}"):
            until = self._storage.get_expiry(f"blocked:{key}")
            return max(0.01, float(until) - time.time())  # type: ignore[arg-type]  # sync storage, never a coroutine
        return 0.0

    def take(self, key: str, per_second: float, burst: int, keep: int = 0) -> float:
        """Take a token from `key`'s bucket leaving `keep` behind (the reserve); 0 if taken, else seconds to wait."""
        return self._blocked(key) or self._buckets.take(key, per_second, burst, min(keep, burst - 1))

    def acquire(self, key: str, per_second: float, burst: int, keep: int = 0) -> float:
        """Take one slot under `key` leaving `keep` free (the reserve: a call that may use it passes 0); 0 if taken,
        else how many seconds until one frees up (or the block ends)."""
        if blocked := self._blocked(key):
            return blocked
        window = max(1, math.ceil(burst / per_second))
        item = RateLimitItemPerSecond(max(burst, int(per_second * window)), window)  # a rate above the burst holds
        keep = min(max(0, keep), item.amount - 1)
        if (not keep or self._limiter.test(item, key, cost=keep + 1)) and self._limiter.hit(item, key):
            return 0.0
        reset_at = self._limiter.get_window_stats(item, key).reset_time
        return max(0.01, reset_at - time.time())
