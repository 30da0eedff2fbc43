"""SQL repositories on both backends: one row per (source, external id), time zones kept, outbox leases exclusive."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import Engine, func, select

from handlers.clock import ManualClock
from handlers.model import IncomingComplaint
from storage.sql.tables import complaints
from storage.sql.unit_of_work import SqlUnitOfWorkFactory

pytestmark = pytest.mark.integration
T0 = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)


def test_second_insert_of_the_same_tweet_is_a_no_op_even_concurrently(engine: Engine) -> None:
    uow = SqlUnitOfWorkFactory(engine, ManualClock(T0))
    incoming = IncomingComplaint("x", "42", "9", "ann", "Ann", "again", T0)

    def add(_: int) -> bool:
        with uow() as u:
            added = u.complaints.add(incoming, T0, "standard")
            u.commit()
        return added is not None

    with ThreadPoolExecutor(10) as pool:
        results = list(pool.map(add, range(10)))
    assert results.count(True) == 1
    with engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(complaints)).scalar() == 1


def test_times_come_back_aware_and_in_utc(engine: Engine) -> None:
    uow = SqlUnitOfWorkFactory(engine, ManualClock(T0))
    paris = datetime(2026, 11, 22, 10, 0, tzinfo=timezone(timedelta(hours=1)))
    with uow() as u:
        added = u.complaints.add(IncomingComplaint("x", "1", "9", "a", "A", "t", paris), T0, "vip")
        u.commit()
    assert added is not None
    assert added.created_at == T0 and added.created_at.tzinfo is not None
    assert added.tier == "vip"


def test_outbox_lease_is_exclusive_and_respects_availability(engine: Engine) -> None:
    clock = ManualClock(T0)
    uow = SqlUnitOfWorkFactory(engine, clock)
    with uow() as u:
        u.outbox.enqueue("card.post", "k1", None, {"a": 1})
        u.outbox.enqueue("card.post", "k1", None, {"a": 2})  # same idempotency key: ignored
        u.commit()
    with uow() as u:
        first = u.outbox.lease_due(T0, 30, 10)
        u.commit()
    with uow() as u:
        second = u.outbox.lease_due(T0, 30, 10)
        u.commit()
    assert [m.payload for m in first] == [{"a": 1}] and second == []
    with uow() as u:
        u.outbox.retry_later(first[0].id, T0 + timedelta(seconds=60), "429")
        u.commit()
    with uow() as u:
        assert u.outbox.lease_due(T0 + timedelta(seconds=59), 30, 10) == []
        again = u.outbox.lease_due(T0 + timedelta(seconds=61), 30, 10)
        u.commit()
    assert [m.attempts for m in again] == [2]


def test_customers_and_checkpoints(engine: Engine) -> None:
    uow = SqlUnitOfWorkFactory(engine, ManualClock(T0))
    with uow() as u:
        assert u.customers.tier_of("@Ann") == "standard"
        u.customers.set_tier("@Ann", "vip")
        u.checkpoints.set("x:mentions:1", "100")
        u.checkpoints.set("x:mentions:1", "200")
        u.commit()
    with uow() as u:
        assert u.customers.tier_of("ann") == "vip"
        assert u.checkpoints.get("x:mentions:1") == "200"
        assert u.checkpoints.get("nope") is None


def test_leaving_without_commit_rolls_back(engine: Engine) -> None:
    uow = SqlUnitOfWorkFactory(engine, ManualClock(T0))
    with uow() as u:
        u.checkpoints.set("x", "1")
    with uow() as u:
        assert u.checkpoints.get("x") is None
