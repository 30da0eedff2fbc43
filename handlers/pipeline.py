"""The worker's ingest step: take complaints off the stream, store each once, acknowledge the entries."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from handlers.codec import MalformedEntry, from_payload
from handlers.intake import receive
from handlers.ports import Clock, Dedupe, StreamQueue, UnitOfWorkFactory

log = logging.getLogger(__name__)

RECLAIM_IDLE_MS = 60_000


@dataclass
class BatchResult:
    """What one pass over the stream did."""

    stored: int = 0
    duplicates: int = 0
    rejected: int = 0


def consume_once(
    queue: StreamQueue,
    consumer: str,
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    dedupe: Dedupe,
    *,
    count: int = 100,
    block_ms: int = 1000,
    reclaim_idle_ms: int = RECLAIM_IDLE_MS,
) -> BatchResult:
    """Handle one batch: entries a dead consumer left behind first, then new ones; ack each once stored."""
    result = BatchResult()
    entries = queue.reclaim(consumer, reclaim_idle_ms, count)
    if not entries:
        entries = queue.read(consumer, count, block_ms)
    for entry in entries:
        try:
            incoming = from_payload(entry.payload)
        except MalformedEntry as exc:
            log.error(
                "stream entry %s is not a complaint and was set aside: %s (payload: %r)",
                entry.id,
                exc,
                dict(entry.payload),
            )
            result.rejected += 1
        else:
            if receive(uow_factory, clock, dedupe, incoming) is None:
                result.duplicates += 1
            else:
                result.stored += 1
        queue.ack([entry.id])
    return result
