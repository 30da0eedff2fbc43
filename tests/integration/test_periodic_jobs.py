"""Periodic jobs once per period across workers, on both backends: three workers asking at once for each period of a
job get it exactly once between them, a period not yet due is nobody's, and a pass outlasting its lock keeps it."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from types import SimpleNamespace

import pytest
import redis
from sqlalchemy import Engine

from bot import housekeeping
from handlers.ports.clock import ManualClock, SystemClock
from handlers.team.periods import claim_period
from storage.redis.keys import RedisLocks
from storage.sql.unit_of_work import SqlUnitOfWorkFactory
from tests.integration.test_team_stats import T0

pytestmark = pytest.mark.integration
EVERY = timedelta(seconds=60)


def test_three_workers_asking_at_once_run_each_period_once(engine: Engine) -> None:
    clock = ManualClock(T0)
    uow = SqlUnitOfWorkFactory(engine, clock, surfaces=())
    runs = {"spikes": 0, "stats-rollup": 0}
    with ThreadPoolExecutor(6) as pool:
        for _ in range(12):
            asks = [pool.submit(claim_period, uow, clock, job, EVERY) for job in runs for _worker in range(3)]
            for job, ask in zip([j for j in runs for _ in range(3)], asks, strict=True):
                taken, following = ask.result()
                runs[job] += taken
                assert following >= clock.now()
            assert [claim_period(uow, clock, job, EVERY)[0] for job in runs] == [False, False]  # taken already
            clock.advance(seconds=30)
            assert [claim_period(uow, clock, job, EVERY)[0] for job in runs] == [False, False]  # not due yet
            clock.advance(seconds=30)
    assert runs == {"spikes": 12, "stats-rollup": 12}  # not 36: one pass per period, whoever asked


def test_a_pass_longer_than_its_lock_is_never_joined_by_a_second(
    engine: Engine, redis_client: redis.Redis, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(housekeeping, "JOB_LOCK_SECONDS", 0.3)  # a pass of a second outlasts its lock three times
    services = SimpleNamespace(
        uow_factory=SqlUnitOfWorkFactory(engine, SystemClock(), surfaces=()),
        clock=SystemClock(),
        locks=RedisLocks(redis_client),
    )
    running, most, passes, guard = 0, 0, 0, threading.Lock()

    def long_pass() -> None:
        nonlocal running, most, passes
        with guard:
            running += 1
            most, passes = max(most, running), passes + 1
        time.sleep(1.0)
        with guard:
            running -= 1

    stop = threading.Event()
    schedule = [housekeeping.Job("stats-rollup", 0.2, long_pass)]
    workers = [
        threading.Thread(target=housekeeping.run_jobs, args=(services, stop, schedule), kwargs={"tick": 0.05})
        for _ in range(3)
    ]
    for worker in workers:
        worker.start()
    time.sleep(2.5)
    stop.set()
    for worker in workers:
        worker.join(timeout=10)
    assert passes >= 2 and most == 1  # passes follow one another, never two at once
