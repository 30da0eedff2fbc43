"""Periodic jobs once per period across workers, on both backends: three workers asking at once for each period of a
job get it exactly once between them, and a period not yet due is nobody's."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import Engine

from handlers.ports.clock import ManualClock
from handlers.team.periods import claim_period
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
