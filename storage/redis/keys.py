"""Redis locks (SET NX PX with a token, extended and released by compare-and-set scripts), a dedupe set and shared
values."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any

import redis

_LOOK_BACK = 1  # buckets before today's that `seen` looks in

_EXTEND = """
if redis.call('get', KEYS[1]) == ARGV[1] then
    return redis.call('pexpire', KEYS[1], ARGV[2])
end
return 0
"""

# Which of ARGV are in any of KEYS (the day buckets): their positions (1-based), so the answer is as long as what was
# found, not one flag per key per bucket. SMISMEMBER goes a slice at a time: Lua's unpack has a bounded stack.
_SEEN = """
local found, out = {}, {}
for _, bucket in ipairs(KEYS) do
    for first = 1, #ARGV, 1000 do
        local flags = redis.call('smismember', bucket, unpack(ARGV, first, math.min(first + 999, #ARGV)))
        for n, flag in ipairs(flags) do
            if flag == 1 then found[first + n - 1] = true end
        end
    end
end
for n = 1, #ARGV do
    if found[n] then out[#out + 1] = n end
end
return out
"""

_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then
    return redis.call('del', KEYS[1])
end
return 0
"""


class RedisLocks:
    """Named locks with a TTL, shared by every process on the same Redis."""

    def __init__(self, client: redis.Redis, prefix: str = "squeaky:lock:") -> None:
        self._r = client
        self._prefix = prefix
        self._release = client.register_script(_RELEASE)
        self._extend = client.register_script(_EXTEND)

    def acquire(self, name: str, ttl_seconds: float) -> str | None:
        """Take the lock, or None if it is held."""
        token = uuid.uuid4().hex
        if self._r.set(self._prefix + name, token, nx=True, px=max(1, int(ttl_seconds * 1000))):
            return token
        return None

    def release(self, name: str, token: str) -> bool:
        """Release the lock if `token` still holds it."""
        return bool(self._release(keys=[self._prefix + name], args=[token]))

    def extend(self, name: str, token: str, ttl_seconds: float) -> bool:
        """Hold the lock `ttl_seconds` from now if `token` still holds it."""
        return bool(self._extend(keys=[self._prefix + name], args=[token, max(1, int(ttl_seconds * 1000))]))


class RedisDedupe:
    """Recently seen keys, shared by every process on the same Redis: one set per day, each expiring on its own.

    A set per day rather than a key per post keeps a batch to two round trips (one script
    asking today's and yesterday's sets, one SADD) instead of one SET per post. It answers for
    the last day or two: redeliveries come within minutes, and for anything older the
    database's unique key decides.
    """

    def __init__(
        self,
        client: redis.Redis,
        prefix: str = "squeaky:seen:",
        bucket_seconds: int = 86_400,
        now: Callable[[], float] = time.time,
    ) -> None:
        self._r = client
        self._prefix = prefix
        self._bucket = bucket_seconds
        self._now = now  # which bucket is today's (Redis itself expires each bucket at its EXPIREAT)
        self._seen = client.register_script(_SEEN)

    def _day(self, at: float) -> int:
        return int(at // self._bucket)

    def seen(self, keys: list[str]) -> set[str]:
        """Which of `keys` are in any bucket still alive (one round trip, each key sent once, the found ones
        answered)."""
        if not keys:
            return set()
        today = self._day(self._now())
        buckets = [f"{self._prefix}{day}" for day in range(today - _LOOK_BACK, today + 1)]
        positions: Any = self._seen(keys=buckets, args=keys)
        return {keys[int(n) - 1] for n in positions}

    def remember(self, keys: list[str], ttl_seconds: float) -> None:
        """Add `keys` to today's bucket, which lives `ttl_seconds` past the end of the day (one round trip)."""
        if not keys:
            return
        now = self._now()
        bucket = f"{self._prefix}{self._day(now)}"
        expire_at = (self._day(now) + 1) * self._bucket + int(ttl_seconds)
        pipe = self._r.pipeline(transaction=False)
        pipe.sadd(bucket, *keys)
        pipe.expireat(bucket, expire_at)
        pipe.execute()


class RedisValues:
    """Named values with a TTL, shared by every process on the same Redis."""

    def __init__(self, client: redis.Redis, prefix: str = "squeaky:value:") -> None:
        self._r = client
        self._prefix = prefix

    def get(self, name: str) -> str | None:
        """The value, unless it expired."""
        value = self._r.get(self._prefix + name)
        return value.decode() if isinstance(value, bytes) else None if value is None else str(value)

    def put(self, name: str, value: str, ttl_seconds: float) -> None:
        """Keep `value` for `ttl_seconds`."""
        self._r.set(self._prefix + name, value, px=max(1, int(ttl_seconds * 1000)))

    def delete(self, name: str) -> None:
        """Forget the value."""
        self._r.delete(self._prefix + name)
