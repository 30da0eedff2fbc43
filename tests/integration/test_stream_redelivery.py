"""A worker that dies mid-batch loses nothing: another worker reclaims its entries and stores each complaint once."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest
import redis
from sqlalchemy import Engine, func, select

from handlers.domain.complaint import IncomingComplaint
from handlers.intake.receive import receive
from handlers.intake.stream_batches import consume_once
from handlers.intake.stream_codec import to_payload
from handlers.intake.triage import Triage
from handlers.ports.clock import SystemClock
from storage.redis.keys import RedisDedupe
from storage.redis.stream import RedisStreamQueue
from storage.sql.tables import complaints, messages, outbox
from storage.sql.unit_of_work import SqlUnitOfWorkFactory

pytestmark = pytest.mark.integration
TRIAGE = Triage()


def test_entries_of_a_dead_worker_are_stored_once_by_another(engine: Engine, redis_client: redis.Redis) -> None:
    clock = SystemClock()
    uow = SqlUnitOfWorkFactory(engine, clock, surfaces=("slack",))
    queue = RedisStreamQueue(redis_client, "test:complaints", "workers")
    dedupe = RedisDedupe(redis_client)
    for n in range(10):
        incoming = IncomingComplaint("x", str(n), str(n), f"customer{n}", "C", f"complaint {n}", datetime.now(UTC))
        queue.add(to_payload(incoming))
    queue.add({"source": "x"})  # malformed: set aside, not retried forever

    # worker A takes the whole batch and dies before acknowledging anything
    assert len(queue.read("worker-a", count=100, block_ms=100)) == 11
    # ...after storing two of them, but before acknowledging (or remembering) anything
    for n in (0, 1):
        incoming = IncomingComplaint("x", str(n), str(n), f"customer{n}", "C", f"complaint {n}", datetime.now(UTC))
        assert receive(uow, clock, RedisDedupe(redis_client, prefix="elsewhere:"), TRIAGE, [incoming]).opened
    time.sleep(0.05)
    result = consume_once(queue, "worker-b", uow, clock, dedupe, TRIAGE, count=100, block_ms=100, reclaim_idle_ms=10)
    assert (result.stored, result.duplicates, result.rejected) == (8, 2, 1)
    assert queue.pending() == 0

    # a second delivery of the same tweets (a re-poll, or Redis forgot) is a no-op
    redis_client.delete("squeaky:seen:complaint:x:3")
    queue.add(to_payload(IncomingComplaint("x", "3", "3", "customer3", "C", "complaint 3", datetime.now(UTC))))
    again = consume_once(queue, "worker-b", uow, clock, dedupe, TRIAGE, count=100, block_ms=100)
    assert (again.stored, again.duplicates) == (0, 1)
    with engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(complaints)).scalar() == 10
        assert connection.execute(select(func.count()).select_from(outbox)).scalar() == 10
        assert connection.execute(select(func.count()).select_from(messages)).scalar() == 10
