"""Merging on the real databases: two merges cannot cross, and a reply to a merged case lands on its target."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine

from handlers.cases import actions
from handlers.cases.errors import SqueakyError
from handlers.domain.complaint import Actor, IncomingComplaint, Role, Status
from handlers.intake.receive import receive
from handlers.intake.triage import Triage
from handlers.ports.clock import SystemClock
from storage.memory.keys import MemoryDedupe
from storage.sql.unit_of_work import SqlUnitOfWorkFactory

pytestmark = pytest.mark.integration
PAIRS = 25
MARIA = Actor("U0MARIA", "maria", "slack", frozenset({Role.AGENT}))
JON = Actor("U0JON", "jon", "slack", frozenset({Role.AGENT}))


def _post(n: int, author: str, **extra: object) -> IncomingComplaint:
    at = datetime.now(UTC) - timedelta(days=10) + timedelta(minutes=n)  # days apart: no same-author threading
    return IncomingComplaint("x", str(n), author, author, author, f"complaint {n}", at, **extra)  # type: ignore[arg-type]


def test_a_into_b_and_b_into_a_at_once_never_both_land(engine: Engine) -> None:
    clock = SystemClock()
    uow = SqlUnitOfWorkFactory(engine, clock, surfaces=("slack",))
    posts = [_post(n, f"customer{n}") for n in range(2 * PAIRS)]
    ids = receive(uow, clock, MemoryDedupe(), Triage(), posts).opened
    pairs = [(ids[2 * n], ids[2 * n + 1]) for n in range(PAIRS)]
    start = threading.Barrier(2 * PAIRS)

    def merge(job: tuple[int, int, Actor]) -> str:
        complaint_id, into, agent = job
        start.wait()
        try:
            actions.merge(uow, clock, complaint_id, agent, into)
        except SqueakyError as exc:
            return f"refused: {exc}"
        return "merged"

    jobs = [(a, b, MARIA) for a, b in pairs] + [(b, a, JON) for a, b in pairs]
    with ThreadPoolExecutor(len(jobs)) as pool:
        outcomes = dict(zip(((a, b) for a, b, _ in jobs), pool.map(merge, jobs), strict=True))
    with uow() as u:
        for a, b in pairs:
            first, second = u.complaints.get(a), u.complaints.get(b)
            assert first is not None and second is not None
            merged = [c for c in (first, second) if c.status is Status.MERGED]
            assert len(merged) == 1, (first, second, outcomes[(a, b)], outcomes[(b, a)])
            kept = second if merged[0] is first else first
            assert kept.status is Status.NEW and merged[0].merged_into == kept.id
            assert sorted(o.split(":")[0] for o in (outcomes[(a, b)], outcomes[(b, a)])) == ["merged", "refused"]


def test_a_reply_to_a_merged_case_threads_onto_the_case_it_was_merged_into(engine: Engine) -> None:
    clock = SystemClock()
    uow = SqlUnitOfWorkFactory(engine, clock, surfaces=("slack",))
    dedupe = MemoryDedupe()
    first, second, third = receive(
        uow, clock, dedupe, Triage(), [_post(1, "ann"), _post(2, "bob"), _post(3, "cid")]
    ).opened
    actions.merge(uow, clock, first, MARIA, second)
    actions.merge(uow, clock, second, MARIA, third)  # a chain: first -> second -> third
    answer = _post(4000, "ann", in_reply_to_id="1", conversation_id="1")
    result = receive(uow, clock, dedupe, Triage(), [answer])
    assert result.opened == []
    with uow() as u:
        message = u.messages.get("x", "4000")
    assert message is not None and message.complaint_id == third
