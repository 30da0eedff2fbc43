"""In-process locks, dedupe set and shared values, with expiry, for a single process."""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable


class _ExpiringKeys:
    """A dict of key -> (value, expiry) behind one lock; `now` is the clock it expires by (seconds)."""

    def __init__(self, now: Callable[[], float] = time.monotonic) -> None:
        self._items: dict[str, tuple[str, float]] = {}
        self._lock = threading.Lock()
        self._now = now

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
        now = self._now()
        with self._lock:
            if self._live(name, now) is not None:
                return None
            token = uuid.uuid4().hex
            self._items[name] = (token, now + ttl_seconds)
            return token

    def release(self, name: str, token: str) -> bool:
        """Release the lock if `token` still holds it."""
        with self._lock:
            if self._live(name, self._now()) != token:
                return False
            del self._items[name]
            return True

    def extend(self, name: str, token: str, ttl_seconds: float) -> bool:
        """Hold the lock `ttl_seconds` from now if `token` still holds it."""
        now = self._now()
        with self._lock:
            if self._live(name, now) != token:
                return False
            self._items[name] = (token, now + ttl_seconds)
            return True


class MemoryDedupe(_ExpiringKeys):
    """A set of recently seen keys, for one process."""

    _SWEEP_EVERY = 10_000

    def __init__(self, now: Callable[[], float] = time.monotonic) -> None:
        super().__init__(now)
        self._added = 0

    def seen(self, keys: list[str]) -> set[str]:
        """Which of `keys` are remembered."""
        now = self._now()
        with self._lock:
            return {key for key in keys if self._live(key, now) is not None}

    def remember(self, keys: list[str], ttl_seconds: float) -> None:
        """Remember `keys` for `ttl_seconds`; expired keys are swept now and then, so memory stays bounded."""
        now = self._now()
        with self._lock:
            for key in keys:
                self._items[key] = ("1", now + ttl_seconds)
            self._added += len(keys)
            if self._added >= self._SWEEP_EVERY:
                self._added = 0
                for key in [k for k, (_v, expiry) in self._items.items() if expiry <= now]:
                    del self._items[key]


class MemoryValues(_ExpiringKeys):
    """Named values with a TTL, for the threads of one process."""

    def get(self, name: str) -> str | None:
        """The value, unless it expired."""
        with self._lock:
            return self._live(name, self._now())

    def put(self, name: str, value: str, ttl_seconds: float) -> None:
        """Keep `value` for `ttl_seconds`."""
        with self._lock:
            self._items[name] = (value, self._now() + ttl_seconds)

    def delete(self, name: str) -> None:
        """Forget the value."""
        with self._lock:
            self._items.pop(name, None)
