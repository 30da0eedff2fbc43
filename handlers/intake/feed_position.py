"""Where a feed (X mentions, a search) has been read to, and how far that is safely stored.

The poller moves `since` as soon as a page is on the stream. If the stream is lost
(Redis flushed or restarted without persistence) before the workers stored those
entries, reading again from `since` would skip them. So the position also keeps
`safe`: a `since` whose entries the workers have all acknowledged. When the stream's
epoch changes, the poller starts again from `safe`; the database's unique keys make
the re-read posts no-ops.

A feed answers newest first. When a poll stops before it has read down to `since` (a
burst larger than one poll reads), `since` stays where it is: the position keeps
`until`, the oldest post read so far, and `pending`, the newest, and the next poll reads
on downwards from `until`. Only when that pass reaches `since` does `since` move to
`pending`, so no post is skipped however many arrive between two polls.

A feed's first poll reads only its newest page, not its whole history. A feed whose first
poll found nothing (a quiet handle, a new search) is marked `seen_empty`: every post it
shows later is new, so later polls read every page, however many arrived meanwhile.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, replace

from handlers.ports.coordination import StreamQueue


@dataclass(frozen=True)
class FeedPosition:
    """A feed's read position and its safely stored position."""

    since: str | None = None  # newest post id read and put on the stream
    safe: str | None = None  # newest post id whose stream entries were all acknowledged
    epoch: str | None = None  # the stream's epoch when `since` was written
    last_entry: str | None = None  # the stream entry of the newest post read
    until: str | None = None  # an unfinished pass: the oldest post it has read so far
    pending: str | None = None  # an unfinished pass: the newest post it read, `since` once it is done
    seen_empty: bool = False  # a poll found the feed empty: every post it shows later is new, to be read in full

    @property
    def first_run(self) -> bool:
        """Nothing was ever read here and the feed was never seen empty: read its newest page, not its history."""
        return self.since is None and not self.seen_empty

    def dumps(self) -> str:
        """As stored in the checkpoints table."""
        return json.dumps(asdict(self), separators=(",", ":"))

    @classmethod
    def loads(cls, value: str | None) -> FeedPosition:
        """From the checkpoints table; a bare id (an older checkpoint) counts as read and safe."""
        if not value:
            return cls()
        if not value.startswith("{"):
            return cls(since=value, safe=value)
        data = json.loads(value)
        found = {k: data.get(k) for k in ("since", "safe", "epoch", "last_entry", "until", "pending")}
        return cls(**found, seen_empty=bool(data.get("seen_empty")))


def resume(position: FeedPosition, queue: StreamQueue) -> FeedPosition:
    """The position to read from now: promoted to safe if the workers caught up, rewound if the stream was lost."""
    epoch = queue.epoch()
    if position.epoch is not None and position.epoch != epoch:
        return FeedPosition(since=position.safe, safe=position.safe, epoch=epoch, seen_empty=position.seen_empty)
    if position.last_entry is None or queue.is_done(position.last_entry):
        return replace(position, safe=position.since, epoch=epoch)
    return replace(position, epoch=epoch)


def advanced(position: FeedPosition, newest: str | None, last_entry: str | None) -> FeedPosition:
    """The position after a pass that read everything down to `since`, the newest post being `newest` (a first
    pass that found nothing marks the feed seen empty: from then on everything it shows is read)."""
    done = replace(position, until=None, pending=None, last_entry=last_entry or position.last_entry)
    reached = position.pending or newest
    if reached is None:
        return replace(done, seen_empty=True) if position.since is None else done
    return replace(done, since=reached)


def part_way(position: FeedPosition, newest: str | None, oldest: str, last_entry: str | None) -> FeedPosition:
    """The position after a poll that stopped before reaching `since`: read on below `oldest` next time."""
    return replace(
        position, until=oldest, pending=position.pending or newest, last_entry=last_entry or position.last_entry
    )
