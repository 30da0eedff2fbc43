"""In-process locks and dedupe set, with expiry, for a single process."""

from __future__ import annotations

import threading
import time
import uuid


class _ExpiringKeys:
    """A dict of key -> (value, expiry) behind one lock."""

    def __init__(self) -> None:
        self._items: dict[str, tuple[str, float]] = {}
        self._lock = threading.Lock()

    def _live(self, key: str, now: float) -> str | None:
        item = self._items.get(key)
        if item is None:
            return None
        if item[1] <= now:
            del self._items[key]
            return None
        return item[0]


class MemoryLocks(_ExpiringKeys):
    """Named locks with a TTL, for threads of one process."""

    def acquire(self, name: str, ttl_seconds: float) -> str | None:
        """Take the lock, or None if it is held."""
        now = time.monotonic()
        with self._lock:
            if self._live(name, now) is not None:
                return None
            token = uuid.uuid4().hex
            self._items[name] = (token, now + ttl_seconds)
            return token

    def release(self, name: str, token: str) -> bool:
        """Release the lock if `token` still holds it."""
        with self._lock:
            if self._live(name, time.monotonic()) != token:
                return False
            del self._items[name]
            return True


class MemoryDedupe(_ExpiringKeys):
    """A set of recently seen keys, for one process."""

    def seen(self, key: str) -> bool:
        """True if `key` is remembered."""
        with self._lock:
            return self._live(key, time.monotonic()) is not None

    def remember(self, key: str, ttl_seconds: float) -> None:
        """Remember `key` for `ttl_seconds`."""
        with self._lock:
            self._items[key] = ("1", time.monotonic() + ttl_seconds)
