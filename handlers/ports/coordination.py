"""Coordination ports: the stream, locks, rate limits and the dedupe set (Redis, or in-process for one process)."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True)
class StreamEntry:
    """One delivery from the stream; ack it by id once handled."""

    id: str
    payload: Mapping[str, Any]
    deliveries: int = 1


class StreamQueue(Protocol):
    """A durable stream with a consumer group: at-least-once delivery to many consumers."""

    def add(self, payload: Mapping[str, Any]) -> str:
        """Append an entry; return its id."""
        ...

    def add_many(self, payloads: list[Mapping[str, Any]]) -> list[str]:
        """Append entries all together or not at all; return their ids."""
        ...

    def read(self, consumer: str, count: int, block_ms: int) -> list[StreamEntry]:
        """Deliver up to `count` new entries to `consumer`, waiting up to `block_ms` for one."""
        ...

    def ack(self, entry_ids: list[str]) -> None:
        """Mark entries handled."""
        ...

    def own_pending(self, consumer: str, count: int) -> list[StreamEntry]:
        """Entries delivered to `consumer` and not acknowledged (it failed mid-batch and is trying again)."""
        ...

    def reclaim(self, consumer: str, min_idle_ms: int, count: int) -> list[StreamEntry]:
        """Take over entries another consumer left unacknowledged for at least `min_idle_ms`."""
        ...

    def take_over(self, consumers: Collection[str], consumer: str, count: int) -> list[StreamEntry]:
        """Give `consumer` up to `count` unacknowledged entries of these consumers (silent workers) at once, without
        waiting for them to go idle as `reclaim` does."""
        ...

    def newest_pending(self) -> str | None:
        """The newest entry delivered and not yet acknowledged (a batch being stored right now), or None."""
        ...

    def rewrite(self, change: Callable[[Mapping[str, Any]], Mapping[str, Any] | None]) -> int:
        """Pass every entry still on the stream through `change`: an entry it returns unchanged stays, a new mapping
        replaces it (at the stream's end), None deletes it; return how many changed."""
        ...

    def trim_done(self) -> int:
        """Delete the entries every consumer has acknowledged (retention); return how many went."""
        ...

    def pending(self) -> int:
        """Count delivered entries not yet acknowledged."""
        ...

    def epoch(self) -> str:
        """An id that changes whenever the stream is lost and created anew."""
        ...

    def is_done(self, entry_id: str) -> bool:
        """True when `entry_id` and every entry before it were delivered and acknowledged."""
        ...


class Locks(Protocol):
    """Named locks that expire on their own."""

    def acquire(self, name: str, ttl_seconds: float) -> str | None:
        """Take the lock; return a token to release it with, or None if someone holds it."""
        ...

    def release(self, name: str, token: str) -> bool:
        """Release the lock if `token` still holds it."""
        ...

    def extend(self, name: str, token: str, ttl_seconds: float) -> bool:
        """Hold the lock for `ttl_seconds` from now if `token` still holds it; False if it was lost."""
        ...


class RateLimiter(Protocol):
    """Rate limits keyed by name, shared by every process that shares the backend."""

    def acquire(self, key: str, per_second: float, burst: int, keep: int = 0) -> float:
        """Take a slot of a moving window (`burst` in any `burst / per_second` s) leaving `keep` free for those who may
        use the reserve; 0 if taken, else seconds to wait."""
        ...

    def take(self, key: str, per_second: float, burst: int, keep: int = 0) -> float:
        """Take a token from a bucket (`per_second`, at most `burst`) leaving `keep` for those who may use the
        reserve; 0 if taken, else the seconds to wait before asking again."""
        ...

    def block(self, key: str, seconds: float) -> None:
        """Refuse every slot under `key` for `seconds` (the other side said Retry-After), in every process; a longer
        block already in place stands."""
        ...


class Dedupe(Protocol):
    """A set of keys seen recently: a fast first check before the database's unique keys.

    Remember a key only once its work is committed, so a crash in between never
    makes a redelivery look like a duplicate.
    """

    def seen(self, keys: list[str]) -> set[str]:
        """Which of `keys` are remembered and not expired."""
        ...

    def remember(self, keys: list[str], ttl_seconds: float) -> None:
        """Remember `keys` for about `ttl_seconds` (an implementation may answer for a shorter or longer time:
        it is a fast path, and the database's unique keys stay the last word)."""
        ...


class SharedValues(Protocol):
    """Small named values that every process sharing the backend reads and writes (a network session's tokens, a
    moment recorded before an uncertain call), each expiring on its own."""

    def get(self, name: str) -> str | None:
        """The value under `name`, or None when there is none or it expired."""
        ...

    def put(self, name: str, value: str, ttl_seconds: float) -> None:
        """Keep `value` under `name` for `ttl_seconds`."""
        ...

    def delete(self, name: str) -> None:
        """Forget the value under `name`."""
        ...
