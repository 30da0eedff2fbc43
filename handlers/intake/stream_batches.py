"""The worker's ingest step: take a batch off the stream, store it in one transaction, then acknowledge it."""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection
from dataclasses import dataclass, field

from handlers.domain.complaint import IncomingComplaint
from handlers.intake.receive import IntakeResult, receive_bounded
from handlers.intake.stream_codec import from_entry
from handlers.intake.triage import Triage
from handlers.ports.clock import Clock
from handlers.ports.coordination import Dedupe, StreamQueue
from handlers.ports.unit_of_work import UnitOfWorkFactory

log = logging.getLogger(__name__)

RECLAIM_IDLE_MS = 60_000
ENTRIES_PER_READ = 5  # an entry holds up to 100 posts: one read is about one transaction's worth, so several workers
# share a storm's entries instead of one taking them all, and a worker killed mid-batch leaves little behind


@dataclass
class BatchResult:
    """What one pass over the stream did."""

    intake: IntakeResult = field(default_factory=IntakeResult)
    rejected: int = 0
    entries: int = 0

    @property
    def stored(self) -> int:
        """New cases opened."""
        return len(self.intake.opened)

    @property
    def duplicates(self) -> int:
        """Deliveries of posts already stored."""
        return self.intake.duplicates


def consume_once(
    queue: StreamQueue,
    consumer: str,
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    dedupe: Dedupe,
    triage: Triage,
    *,
    count: int = ENTRIES_PER_READ,
    block_ms: int = 1000,
    reclaim_idle_ms: int = RECLAIM_IDLE_MS,
    stored: Callable[[IntakeResult], None] | None = None,
    abandoned: Collection[str] = (),
) -> BatchResult:
    """One batch: this consumer's unacknowledged entries first (after a failure), then those of `abandoned` (workers
    gone silent) and those idle too long, then new ones.

    The batch is stored in bounded transactions (intake.MAX_POSTS_PER_TRANSACTION posts each).
    Entries are acknowledged only after all of them committed: a crash or a database outage
    leaves them pending, to be taken again, and the posts already stored are known duplicates.
    """
    entries = queue.own_pending(consumer, count)
    entries = entries or (queue.take_over(abandoned, consumer, count) if abandoned else [])  # a killed worker's
    entries = entries or queue.reclaim(consumer, reclaim_idle_ms, count)
    if not entries:
        entries = queue.read(consumer, count, block_ms)
    result = BatchResult(entries=len(entries))
    items: list[IncomingComplaint] = []
    for entry in entries:
        found, problems = from_entry(entry.payload)
        items += found
        for problem in problems:
            log.error("stream entry %s: a post is not a complaint, set aside: %s", entry.id, problem)
        result.rejected += len(problems)
    if items:
        result.intake = receive_bounded(uow_factory, clock, dedupe, triage, items, stored=stored)
    if entries:
        queue.ack([entry.id for entry in entries])
    return result
