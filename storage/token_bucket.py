"""A token bucket per key with a reserve: in Redis (one Lua script, Redis's own clock) or in one process.

A channel's posting budget is a bucket: `per_second` tokens a second, at most `burst`.
Ordinary messages leave `keep` tokens behind; a message that may use the reserve (a VIP's
card) takes the last one. So the channel keeps its steady pace, and a VIP's card goes at
once instead of waiting for the next slot.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import redis

_TAKE = """
local rate, burst, keep = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local state = redis.call('HMGET', KEYS[1], 'tokens', 'stamp')
local tokens = tonumber(state[1]) or burst
local stamp = tonumber(state[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - stamp) * rate)
local wait = 0
if tokens >= 1 + keep then
    tokens = tokens - 1
else
    wait = (1 + keep - tokens) / rate
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'stamp', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(burst / rate * 1000) + 1000)
return tostring(wait)
"""


def _refill(tokens: float, stamp: float, now: float, per_second: float, burst: int) -> float:
    return min(float(burst), tokens + max(0.0, now - stamp) * per_second)


class MemoryTokenBuckets:
    """Token buckets for the threads of one process."""

    def __init__(self, now: Callable[[], float] = time.monotonic) -> None:
        self._now = now
        self._buckets: dict[str, tuple[float, float]] = {}  # key -> (tokens, when counted)
        self._lock = threading.Lock()

    def take(self, key: str, per_second: float, burst: int, keep: int = 0) -> float:
        """Take a token leaving `keep` behind: 0 if taken, else the seconds until one can be."""
        now = self._now()
        with self._lock:
            tokens, stamp = self._buckets.get(key, (float(burst), now))
            tokens = _refill(tokens, stamp, now, per_second, burst)
            wait = 0.0
            if tokens >= 1 + keep:
                tokens -= 1
            else:
                wait = (1 + keep - tokens) / per_second
            self._buckets[key] = (tokens, now)
            return wait


class RedisTokenBuckets:
    """Token buckets shared by every process on the same Redis, counted on Redis's clock."""

    def __init__(self, client: redis.Redis, prefix: str = "squeaky:bucket:") -> None:
        self._prefix = prefix
        self._take = client.register_script(_TAKE)

    def take(self, key: str, per_second: float, burst: int, keep: int = 0) -> float:
        """Take a token leaving `keep` behind: 0 if taken, else the seconds until one can be."""
        return float(self._take(keys=[self._prefix + key], args=[per_second, burst, keep]))
