"""Redis locks (SET NX PX with a token, released by a compare-and-delete script) and a dedupe set (SET NX EX)."""

from __future__ import annotations

import uuid

import redis

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

    def acquire(self, name: str, ttl_seconds: float) -> str | None:
        """Take the lock, or None if it is held."""
        token = uuid.uuid4().hex
        if self._r.set(self._prefix + name, token, nx=True, px=max(1, int(ttl_seconds * 1000))):
            return token
        return None

    def release(self, name: str, token: str) -> bool:
        """Release the lock if `token` still holds it."""
        return bool(self._release(keys=[self._prefix + name], args=[token]))


class RedisDedupe:
    """Recently seen keys, shared by every process on the same Redis."""

    def __init__(self, client: redis.Redis, prefix: str = "squeaky:seen:") -> None:
        self._r = client
        self._prefix = prefix

    def seen(self, keys: list[str]) -> set[str]:
        """Which of `keys` are remembered (one round trip)."""
        if not keys:
            return set()
        values = self._r.mget([self._prefix + key for key in keys])
        return {key for key, value in zip(keys, values, strict=True) if value is not None}

    def remember(self, keys: list[str], ttl_seconds: float) -> None:
        """Remember `keys` for `ttl_seconds` (one round trip)."""
        pipe = self._r.pipeline(transaction=False)
        for key in keys:
            pipe.set(self._prefix + key, "1", ex=max(1, int(ttl_seconds)))
        pipe.execute()
