"""An in-process stream queue with the semantics of a Redis consumer group (pending entries, ack, reclaim)."""

from __future__ import annotations

import itertools
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any

from handlers.ports.coordination import StreamEntry
from storage.stream_ids import stream_order


@dataclass
class _Pending:
    payload: Mapping[str, Any]
    consumer: str
    delivered_at: float
    deliveries: int


class MemoryStreamQueue:
    """A thread-safe stream for one process; entries are lost with the process, as with any in-memory queue."""

    def __init__(self) -> None:
        self._new: deque[tuple[str, Mapping[str, Any]]] = deque()
        self._pending: dict[str, _Pending] = {}
        self._ids = itertools.count(1)
        self._ready = threading.Condition()
        self._epoch = uuid.uuid4().hex

    def add(self, payload: Mapping[str, Any]) -> str:
        """Append an entry."""
        return self.add_many([payload])[0]

    def add_many(self, payloads: list[Mapping[str, Any]]) -> list[str]:
        """Append entries under one lock."""
        with self._ready:
            ids = [f"{int(time.time() * 1000)}-{next(self._ids)}" for _ in payloads]
            self._new.extend(zip(ids, (dict(p) for p in payloads), strict=True))
            self._ready.notify_all()
        return ids

    def read(self, consumer: str, count: int, block_ms: int) -> list[StreamEntry]:
        """Deliver up to `count` new entries, waiting up to `block_ms` for the first."""
        with self._ready:
            if not self._new and block_ms > 0:
                self._ready.wait(block_ms / 1000)
            entries: list[StreamEntry] = []
            while self._new and len(entries) < count:
                entry_id, payload = self._new.popleft()
                self._pending[entry_id] = _Pending(payload, consumer, time.monotonic(), 1)
                entries.append(StreamEntry(entry_id, payload, 1))
            return entries

    def own_pending(self, consumer: str, count: int) -> list[StreamEntry]:
        """This consumer's delivered, unacknowledged entries."""
        with self._ready:
            mine = [(i, p) for i, p in self._pending.items() if p.consumer == consumer][:count]
            for _entry_id, pending in mine:
                pending.deliveries += 1
            return [StreamEntry(entry_id, p.payload, p.deliveries) for entry_id, p in mine]

    def ack(self, entry_ids: list[str]) -> None:
        """Forget handled entries."""
        with self._ready:
            for entry_id in entry_ids:
                self._pending.pop(entry_id, None)

    def reclaim(self, consumer: str, min_idle_ms: int, count: int) -> list[StreamEntry]:
        """Take over entries left pending for at least `min_idle_ms`."""
        now = time.monotonic()
        return self._hand_over(consumer, count, lambda p: (now - p.delivered_at) * 1000 >= min_idle_ms)

    def _hand_over(self, consumer: str, count: int, which: Callable[[_Pending], bool]) -> list[StreamEntry]:
        now = time.monotonic()
        with self._ready:
            entries: list[StreamEntry] = []
            for entry_id, pending in self._pending.items():
                if len(entries) >= count:
                    break
                if which(pending):
                    pending.consumer, pending.delivered_at = consumer, now
                    pending.deliveries += 1
                    entries.append(StreamEntry(entry_id, pending.payload, pending.deliveries))
            return entries

    def epoch(self) -> str:
        """This queue's id: the stream lives as long as the process."""
        return self._epoch

    def is_done(self, entry_id: str) -> bool:
        """True when no entry up to `entry_id` is waiting or unacknowledged."""
        key = stream_order(entry_id)
        with self._ready:
            waiting = (e for e, _ in self._new)
            return all(stream_order(e) > key for e in (*waiting, *self._pending))

    def take_over(self, consumers: Collection[str], consumer: str, count: int) -> list[StreamEntry]:
        """Hand `consumer` the unacknowledged entries of these consumers at once."""
        return self._hand_over(consumer, count, lambda p: p.consumer in consumers and p.consumer != consumer)

    def newest_pending(self) -> str | None:
        """The newest entry delivered and not yet acknowledged, or None."""
        with self._ready:
            return max(self._pending, key=stream_order) if self._pending else None

    def rewrite(self, change: Callable[[Mapping[str, Any]], Mapping[str, Any] | None]) -> int:
        """Pass every waiting and unacknowledged entry through `change`: replace or drop those it changes."""
        changed = 0
        with self._ready:
            waiting: deque[tuple[str, Mapping[str, Any]]] = deque()
            for entry_id, payload in self._new:
                new = change(payload)
                changed += new is not payload
                if new is not None:
                    waiting.append((entry_id, new))
            self._new = waiting
            for entry_id, pending in list(self._pending.items()):
                new = change(pending.payload)
                if new is pending.payload:
                    continue
                changed += 1
                if new is None:
                    del self._pending[entry_id]
                else:
                    pending.payload = new
            return changed

    def trim_done(self) -> int:
        """Nothing to trim: an acknowledged entry is forgotten at once here."""
        return 0

    def pending(self) -> int:
        """Count delivered, unacknowledged entries."""
        with self._ready:
            return len(self._pending)
