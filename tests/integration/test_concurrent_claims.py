"""Fifty agents claim one complaint at once, each on its own connection: one owner, 49 clear refusals, no errors."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, func, select

from handlers.cases.claim import claim
from handlers.cases.errors import AlreadyClaimed
from handlers.domain.complaint import IncomingComplaint, Status
from handlers.intake.receive import receive
from handlers.intake.triage import Triage
from handlers.ports.clock import SystemClock
from storage.memory.keys import MemoryDedupe
from storage.sql.tables import audit_events
from storage.sql.unit_of_work import SqlUnitOfWorkFactory
from tests.people import slack_person

pytestmark = pytest.mark.integration
AGENTS = 50


def test_fifty_concurrent_claims_make_exactly_one_owner(engine: Engine) -> None:
    clock = SystemClock()
    uow = SqlUnitOfWorkFactory(engine, clock, surfaces=("slack",))
    incoming = IncomingComplaint("x", "1", "9", "ann", "Ann", "stuck at the gate", datetime.now(UTC))
    [complaint_id] = receive(uow, clock, MemoryDedupe(), Triage(), [incoming]).opened
    start = threading.Barrier(AGENTS)

    def attempt(n: int) -> str:
        agent = slack_person(uow, f"U{n:04d}", f"agent{n}")
        start.wait()
        try:
            claim(uow, clock, complaint_id, agent)
        except AlreadyClaimed as exc:
            return f"refused:{exc}"
        return "won"

    with ThreadPoolExecutor(AGENTS) as pool:
        outcomes = list(pool.map(attempt, range(AGENTS)))

    winners = [n for n, outcome in enumerate(outcomes) if outcome == "won"]
    refusals = [o for o in outcomes if o.startswith("refused:Already claimed by @agent")]
    assert len(winners) == 1
    assert len(refusals) == AGENTS - 1
    assert all(f"@agent{winners[0]} " in r for r in refusals)
    with uow() as u:
        stored = u.complaints.get(complaint_id)
    assert stored is not None and stored.status is Status.CLAIMED and stored.version == 2
    assert stored.owner is not None and stored.owner.handles["slack"] == f"U{winners[0]:04d}"
    with engine.connect() as connection:
        claims = connection.execute(
            select(func.count()).select_from(audit_events).where(audit_events.c.action == "claim")
        ).scalar()
    assert claims == 1
