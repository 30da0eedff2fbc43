"""A Redis Streams queue with a consumer group: XADD, XREADGROUP, XACK and XAUTOCLAIM of abandoned entries."""

from __future__ import annotations

import contextlib
import json
import uuid
from collections.abc import Callable, Collection, Mapping
from typing import Any

import redis

from handlers.ports.coordination import StreamEntry
from storage.stream_ids import stream_order

_FIELD = "c"  # one field per entry, holding the JSON payload
_PAGE = 1_000  # entries read at once when the stream is rewritten


class RedisStreamQueue:
    """At-least-once delivery to a group of consumers; a flushed Redis recreates its group on the next read."""

    def __init__(self, client: redis.Redis, stream: str, group: str, *, max_length: int = 1_000_000) -> None:
        self._r = client
        self._stream = stream
        self._group = group
        self._max_length = max_length
        self._epoch_key = f"{stream}:epoch"
        # Redis down as the process starts: the group is made on first use once it is back, as after a flush
        with contextlib.suppress(redis.ConnectionError, redis.TimeoutError):
            self._ensure_group()

    def _ensure_group(self) -> None:
        try:
            self._r.xgroup_create(self._stream, self._group, id="0", mkstream=True)
        except redis.ResponseError as exc:
            if "BUSYGROUP" not in str(exc):
                raise
        self._r.set(self._epoch_key, uuid.uuid4().hex, nx=True)

    def epoch(self) -> str:
        """The stream's epoch: set once when the stream is made, gone (and made anew) when Redis loses it."""
        value: Any = self._r.get(self._epoch_key)
        if value is None or not self._r.exists(self._stream):
            self._r.delete(self._epoch_key)
            self._ensure_group()
            value = self._r.get(self._epoch_key)
        return _text(value)

    def is_done(self, entry_id: str) -> bool:
        """True when the group has delivered past `entry_id` and nothing at or before it is unacknowledged."""
        try:
            groups: Any = self._r.xinfo_groups(self._stream)
            summary: Any = self._r.xpending(self._stream, self._group)
        except redis.ResponseError:
            return False
        group = next((g for g in groups if _text(g["name"]) == self._group), None)
        if group is None or stream_order(_text(group["last-delivered-id"])) < stream_order(entry_id):
            return False
        return int(summary["pending"]) == 0 or stream_order(_text(summary["min"])) > stream_order(entry_id)

    def add(self, payload: Mapping[str, Any]) -> str:
        """Append an entry (the stream is trimmed, approximately, to its maximum length)."""
        entry_id: Any = self._r.xadd(
            self._stream, {_FIELD: json.dumps(payload)}, maxlen=self._max_length, approximate=True
        )
        return _text(entry_id)

    def add_many(self, payloads: list[Mapping[str, Any]]) -> list[str]:
        """Append entries in one MULTI/EXEC: all of them or none."""
        pipe = self._r.pipeline(transaction=True)
        for payload in payloads:
            pipe.xadd(self._stream, {_FIELD: json.dumps(payload)}, maxlen=self._max_length, approximate=True)
        return [_text(entry_id) for entry_id in pipe.execute()]

    def read(self, consumer: str, count: int, block_ms: int) -> list[StreamEntry]:
        """Deliver up to `count` new entries to `consumer`."""
        return self._read_group(consumer, ">", count, block_ms or None, deliveries=1)

    def own_pending(self, consumer: str, count: int) -> list[StreamEntry]:
        """This consumer's delivered, unacknowledged entries (XREADGROUP from id 0 reads its own history)."""
        return self._read_group(consumer, "0", count, None, deliveries=2)

    def _read_group(
        self, consumer: str, start: str, count: int, block_ms: int | None, *, deliveries: int
    ) -> list[StreamEntry]:
        try:
            answer: Any = self._r.xreadgroup(self._group, consumer, {self._stream: start}, count=count, block=block_ms)
        except redis.ResponseError as exc:
            if "NOGROUP" not in str(exc):
                raise
            self._ensure_group()  # Redis lost the stream (flushed or restarted without persistence)
            return []
        entries: list[StreamEntry] = []
        for _stream, items in answer or []:
            entries.extend(_entry(entry_id, fields, deliveries) for entry_id, fields in items if fields)
        return entries

    def ack(self, entry_ids: list[str]) -> None:
        """Acknowledge handled entries."""
        if entry_ids:
            self._r.xack(self._stream, self._group, *entry_ids)

    def reclaim(self, consumer: str, min_idle_ms: int, count: int) -> list[StreamEntry]:
        """XAUTOCLAIM entries idle for at least `min_idle_ms` (their consumer died or hung)."""
        try:
            answer: Any = self._r.xautoclaim(self._stream, self._group, consumer, min_idle_ms, "0-0", count=count)
        except redis.ResponseError as exc:
            if "NOGROUP" not in str(exc):
                raise
            self._ensure_group()
            return []
        claimed = answer[1]
        return [_entry(entry_id, fields, 2) for entry_id, fields in claimed if fields]

    def take_over(self, consumers: Collection[str], consumer: str, count: int) -> list[StreamEntry]:
        """XCLAIM, at once, the unacknowledged entries of these consumers (workers gone silent)."""
        taken: list[StreamEntry] = []
        for gone in consumers:
            if len(taken) >= count or gone == consumer:
                continue
            try:
                pending: Any = self._r.xpending_range(
                    self._stream, self._group, min="-", max="+", count=count - len(taken), consumername=gone
                )
                if not pending:
                    continue
                ids = [row["message_id"] for row in pending]
                claimed: Any = self._r.xclaim(self._stream, self._group, consumer, 0, ids)
            except redis.ResponseError as exc:
                if "NOGROUP" not in str(exc):
                    raise
                self._ensure_group()
                return taken
            taken += [_entry(entry_id, fields, 2) for entry_id, fields in claimed if fields]
        return taken

    def newest_pending(self) -> str | None:
        """The newest entry delivered and not yet acknowledged, or None."""
        try:
            summary: Any = self._r.xpending(self._stream, self._group)
        except redis.ResponseError:
            return None
        return _text(summary["max"]) if int(summary["pending"]) else None

    def rewrite(self, change: Callable[[Mapping[str, Any]], Mapping[str, Any] | None]) -> int:
        """Pass each entry on the stream through `change`, a page at a time; replace (XDEL, then XADD at the end) or
        delete those it changes. A replaced entry already delivered is delivered again: intake keeps each post once."""
        changed, start = 0, "-"
        while True:
            page: Any = self._r.xrange(self._stream, min=start, max="+", count=_PAGE)
            for entry_id, fields in page:
                raw = fields.get(_FIELD.encode()) or fields.get(_FIELD)
                try:
                    payload = json.loads(raw) if raw is not None else None
                except (TypeError, ValueError):
                    continue  # not ours to read: intake sets it aside
                if not isinstance(payload, dict):
                    continue
                new = change(payload)
                if new is payload:
                    continue
                pipe = self._r.pipeline(transaction=True)
                pipe.xdel(self._stream, entry_id)
                if new is not None:
                    pipe.xadd(self._stream, {_FIELD: json.dumps(new)}, maxlen=self._max_length, approximate=True)
                pipe.execute()
                changed += 1
            if len(page) < _PAGE:
                return changed
            millis, sequence = stream_order(_text(page[-1][0]))
            start = f"{millis}-{sequence + 1}"

    def trim_done(self) -> int:
        """Delete the entries every consumer is done with (delivered and acknowledged); return how many went.

        Only what lies before both the group's last delivery and its oldest unacknowledged entry
        goes, so nothing still to be stored is ever lost to trimming."""
        try:
            groups: Any = self._r.xinfo_groups(self._stream)
            summary: Any = self._r.xpending(self._stream, self._group)
        except redis.ResponseError:
            return 0
        group = next((g for g in groups if _text(g["name"]) == self._group), None)
        if group is None:
            return 0
        millis, sequence = stream_order(_text(group["last-delivered-id"]))
        boundary = f"{millis}-{sequence + 1}"  # everything up to the last delivery ...
        if int(summary["pending"]):
            boundary = min(boundary, _text(summary["min"]), key=stream_order)  # ... but what is still being stored
        return int(self._r.xtrim(self._stream, minid=boundary, approximate=False))

    def pending(self) -> int:
        """Count delivered, unacknowledged entries."""
        try:
            summary: Any = self._r.xpending(self._stream, self._group)
        except redis.ResponseError:
            return 0
        return int(summary["pending"])


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def _entry(entry_id: bytes | str, fields: Mapping[Any, Any], deliveries: int) -> StreamEntry:
    raw = fields.get(_FIELD.encode()) or fields.get(_FIELD)
    try:
        payload = json.loads(raw) if raw is not None else {}
    except (TypeError, ValueError):
        payload = {}
    if not isinstance(payload, dict):
        payload = {}
    return StreamEntry(_text(entry_id), payload, deliveries)
