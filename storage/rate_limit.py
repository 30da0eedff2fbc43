"""Rate limits keyed by name, on the `limits` library: in memory for one process, in Redis across many."""

from __future__ import annotations

import math
import time

from limits import RateLimitItemPerSecond
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter


class WindowRateLimiter:
    """A moving-window limiter: `burst` calls within any `burst / per_second` seconds."""

    def __init__(self, storage_uri: str) -> None:
        self._storage = storage_from_string(storage_uri)
        self._limiter = MovingWindowRateLimiter(self._storage)

    def block(self, key: str, seconds: float) -> None:
        """Refuse every slot under `key` for `seconds`, for every process on the same storage."""
        self._storage.clear(f"blocked:{key}")
        self._storage.incr(f"blocked:{key}", expiry=max(1, math.ceil(seconds)))

    def acquire(self, key: str, per_second: float, burst: int) -> float:
        """Take one slot under `key`; 0 if taken, else how many seconds until one frees up (or the block ends)."""
        if self._storage.get(f"blocked:{key}"):
            until = self._storage.get_expiry(f"blocked:{key}")
            return max(0.01, float(until) - time.time())  # type: ignore[arg-type]  # sync storage, never a coroutine
        window = max(1, math.ceil(burst / per_second))
        item = RateLimitItemPerSecond(burst, window)
        if self._limiter.hit(item, key):
            return 0.0
        reset_at = self._limiter.get_window_stats(item, key).reset_time
        return max(0.01, reset_at - time.time())
