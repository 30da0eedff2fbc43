"""A customer's right to be forgotten, on both backends and both streams: after `forget @handle`, no table and no
stream entry holds their handle, name or words; the counts and times stats read are unchanged; the erasure is audited
with counts only; and the lead command previews before it erases."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
import redis
from sqlalchemy import Engine, String, cast, func, insert, or_, select

from handlers.cases.claim import claim
from handlers.domain.complaint import IncomingComplaint, Role
from handlers.domain.outbox_kinds import CardUpdate
from handlers.intake.receive import receive
from handlers.intake.stream_codec import from_entry, to_entry
from handlers.intake.triage import Triage
from handlers.ports.clock import ManualClock
from handlers.ports.coordination import StreamQueue
from handlers.team.command_answers import LeadDesk
from storage.memory.keys import MemoryDedupe
from storage.memory.stream import MemoryStreamQueue
from storage.redis.stream import RedisStreamQueue
from storage.sql.tables import audit_events, complaints, metadata, outbox, tickets
from storage.sql.unit_of_work import SqlUnitOfWorkFactory
from tests.fakes import SURFACE, card_ref
from tests.integration.test_team_stats import T0
from tests.people import slack_person

pytestmark = pytest.mark.integration
THEIRS = ("ann_traveller", "Ann Traveller", "ZX99", "4417")  # handle, name, booking reference, author id


@pytest.fixture(params=["memory", "redis"])
def stream(request: pytest.FixtureRequest) -> Iterator[StreamQueue]:
    if request.param == "memory":
        yield MemoryStreamQueue()
        return
    client: redis.Redis = request.getfixturevalue("redis_client")
    yield RedisStreamQueue(client, "test:forget", "workers")


def post(n: int, who: str, text: str, **links: str) -> IncomingComplaint:
    author = "4417" if who == "ann_traveller" else f"9{n}"
    name = "Ann Traveller" if who == "ann_traveller" else who.title()
    return IncomingComplaint("x", str(n), author, who, name, text, T0 + timedelta(minutes=n), **links)


def holding(engine: Engine, words: tuple[str, ...]) -> list[str]:
    """Every table and column that still holds any of `words`, case-insensitively."""
    found = []
    with engine.connect() as c:
        for table in metadata.sorted_tables:
            for column in table.columns:
                text = func.lower(cast(column, String))
                hits = c.execute(
                    select(func.count()).select_from(table).where(or_(*(text.like(f"%{w.lower()}%") for w in words)))
                ).scalar()
                if hits:
                    found.append(f"{table.name}.{column.name}")
    return found


def test_forget_erases_a_customer_everywhere_and_keeps_the_counts(engine: Engine, stream: StreamQueue) -> None:
    clock = ManualClock(T0)
    uow = SqlUnitOfWorkFactory(engine, clock, surfaces=(SURFACE,))
    lead = slack_person(uow, "U0LI", "li", frozenset({Role.AGENT, Role.LEAD}))
    desk = LeadDesk(uow, clock, stream=stream)
    desk.run(lead, "vip add @ann_traveller")
    stored = [
        post(1, "ann_traveller", "@SqueakyAir lost my bag, booking ZX99"),
        post(2, "bob", "@SqueakyAir my flight is late"),
        post(3, "ann_traveller", "still no bag ZX99", in_reply_to_id="1", conversation_id="1"),
        post(4, "ann_traveller", "@bob same thing happened to me", in_reply_to_id="2", conversation_id="2"),
    ]
    opened = receive(uow, clock, MemoryDedupe(), Triage(), stored).opened
    ann_case, bob_case = opened
    with uow() as u:
        u.complaints.add_card(ann_case, card_ref("C0CARE", "1000.000001"))
        u.commit()
    claim(uow, clock, ann_case, lead)
    with engine.begin() as c:  # a built-in ticket about her, as the ticketing system keeps it
        c.execute(
            insert(tickets).values(
                complaint_id=ann_case,
                system="builtin",
                subject="Lost bag for @ann_traveller (ZX99)",
                status="open",
                created_at=T0,
                notes="Ann Traveller called",
                contact="@ann_traveller",
                conversation=[{"author": "ann_traveller", "text": "lost my bag, booking ZX99"}],
            )
        )
    waiting = [post(5, "ann_traveller", "hello? ZX99"), post(6, "carl", "@SqueakyAir wifi is down")]
    stream.add(to_entry(waiting))  # not stored yet
    before = _counts(engine)

    asked = desk.run(lead, "forget @ann_traveller")
    assert asked.title == "Forget @ann_traveller?" and "confirm" in str(asked.lines[-1])
    assert holding(engine, THEIRS[:1]) != []  # a preview erases nothing
    done = desk.run(lead, "forget @Ann_Traveller confirm")
    assert done.title == "Forgotten: @ann_traveller"
    assert "2 complaint(s)" not in str(done.lines) and "1 complaint(s), 3 post(s)" in str(done.lines[0])

    assert holding(engine, THEIRS) == []  # not in any table, column or audit detail
    assert _counts(engine) == before  # every case, status and time stats read is still there
    [entry] = stream.read("w1", 10, 0)
    assert [item.author_handle for item in from_entry(entry.payload)[0]] == ["carl"]  # hers left the stream
    with engine.connect() as c:
        audited = c.execute(select(audit_events.c.detail).where(audit_events.c.action == "forget")).scalar_one()
        redraws = c.execute(
            select(outbox.c.complaint_id).where(outbox.c.kind == CardUpdate.KIND, outbox.c.key.like("%erased%"))
        ).scalars()
        assert set(redraws) == {ann_case}  # her card in the channel is redrawn, erased
        bob = c.execute(
            select(complaints.c.author_handle, complaints.c.followup_count).where(complaints.c.id == bob_case)
        )
        assert bob.one() == ("bob", 1)  # bob's case keeps its follow-up count, not her words
    assert audited == {"complaints": 1, "posts": 3, "stream": 1}


def test_only_leads_may_forget_and_a_bad_handle_is_explained(engine: Engine) -> None:
    clock = ManualClock(T0)
    uow = SqlUnitOfWorkFactory(engine, clock, surfaces=(SURFACE,))
    desk = LeadDesk(uow, clock, stream=MemoryStreamQueue())
    agent = slack_person(uow, "U0MARIA", "maria")
    refused = desk.run(agent, "forget @ann_traveller confirm")
    assert refused.refused and refused.title == "Only team leads can erase a customer's data."
    lead = slack_person(uow, "U0LI", "li", frozenset({Role.AGENT, Role.LEAD}))
    bad = desk.run(lead, "forget ann traveller")
    assert bad.refused and "say forget and the customer's @handle" in bad.title


def _counts(engine: Engine) -> list[tuple[object, ...]]:
    with engine.connect() as c:
        return list(
            c.execute(
                select(
                    complaints.c.id,
                    complaints.c.status,
                    complaints.c.tier,
                    complaints.c.topic,
                    complaints.c.received_at,
                    complaints.c.claimed_at,
                    complaints.c.followup_count,
                    complaints.c.queue,
                ).order_by(complaints.c.id)
            )
        )
