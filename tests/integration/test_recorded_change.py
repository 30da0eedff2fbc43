"""A decision written whole, on both backends: the compare-and-set with its audit event and outbox messages, all of
them when it lands and none when the complaint moved on; an outbox key queued already is skipped, not an error."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, select

from handlers.domain.activity import ActivityLine
from handlers.domain.complaint import Actor, AuditEvent, Change, IncomingComplaint, Status
from handlers.domain.outbox_kinds import CardUpdate, ThreadLine
from handlers.intake.receive import receive
from handlers.intake.triage import Triage
from handlers.ports.clock import ManualClock
from handlers.ports.outbox import NewOutboxMessage
from storage.memory.keys import MemoryDedupe
from storage.sql.tables import audit_events, outbox
from storage.sql.unit_of_work import SqlUnitOfWorkFactory
from tests.people import slack_person

pytestmark = pytest.mark.integration
T0 = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


def test_a_claim_lands_with_its_audit_event_and_outbox_messages_and_a_stale_one_with_none(engine: Engine) -> None:
    clock = ManualClock(T0)
    uow = SqlUnitOfWorkFactory(engine, clock, surfaces=("slack",))
    incoming = IncomingComplaint("x", "1", "1", "ann", "Ann", "my bag is lost", T0)
    [case_id] = receive(uow, clock, MemoryDedupe(), Triage(), [incoming]).opened
    maria, omar = slack_person(uow, "U1", "maria"), slack_person(uow, "U2", "omar")
    with uow() as u:
        read = u.complaints.get(case_id)
    assert read is not None

    def claimed_by(who: Actor, key: str) -> tuple[Change, AuditEvent, list[NewOutboxMessage]]:
        change = Change(Status.CLAIMED, owner=who, claimed_at=T0, at=T0)
        event = AuditEvent(case_id, who, "claim", Status.NEW, Status.CLAIMED, T0, {"k": key})
        messages = [
            NewOutboxMessage(CardUpdate().on("slack", "C1"), f"{key}:card", case_id),
            NewOutboxMessage(ThreadLine(line=ActivityLine(maria, key)).on("slack", "C1"), f"{key}:line", case_id),
            NewOutboxMessage(CardUpdate().on("slack", "C1"), "queued-already", case_id),
        ]
        return change, event, messages

    with uow() as u:
        u.outbox.enqueue_many([NewOutboxMessage(CardUpdate().on("slack", "C1"), "queued-already", case_id)])
        u.commit()
    with uow() as u:
        assert u.complaints.compare_and_set_recorded(read, *claimed_by(maria, "won"))
        u.commit()
    with uow() as u:  # read before maria's claim: the complaint has moved on
        assert not u.complaints.compare_and_set_recorded(read, *claimed_by(omar, "lost"))
        u.commit()

    with uow() as u:
        after = u.complaints.get(case_id)
    assert after is not None and after.owner is not None and after.owner.name == "maria"
    with engine.connect() as connection:
        events = connection.execute(select(audit_events.c.actor_name, audit_events.c.detail)).all()
        keys = sorted(connection.execute(select(outbox.c.key).where(outbox.c.kind != "card.post")).scalars())
        lanes = set(connection.execute(select(outbox.c.lane).where(outbox.c.key.like("won:%"))).scalars())
    assert [(name, detail) for name, detail in events if detail] == [("maria", {"k": "won"})]
    assert keys == ["queued-already", "won:card", "won:line"]
    assert lanes and all(lane for lane in lanes)
