"""The core makes a chat message one per surface before the outbox sees it: storage only stores what it is handed."""

from __future__ import annotations

from datetime import UTC, datetime

from handlers.dispatch.fan_out import send
from handlers.domain.complaint import CardRef, IncomingComplaint
from handlers.domain.outbox_kinds import CardPost, CardUpdate, SocialReply
from handlers.intake.receive import receive
from handlers.intake.triage import Triage
from handlers.ports.clock import ManualClock
from handlers.ports.outbox import NewOutboxMessage
from tests.fakes import FakeDatabase, FakeDedupe

T0 = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


def _queued(db: FakeDatabase) -> dict[str, dict[str, object]]:
    return {row.message.key: dict(row.message.payload) for row in db.state.outbox.values()}


def test_each_chat_message_goes_once_to_every_surface_on_where_its_card_is_and_nothing_else_is_copied() -> None:
    db, clock = FakeDatabase(surfaces=("chat", "other")), ManualClock(T0)
    incoming = IncomingComplaint("x", "1", "1", "ann", "Ann", "@SqueakyAir my bag", T0)
    [case] = receive(db, clock, FakeDedupe(), Triage(), [incoming]).opened
    with db() as uow:
        uow.complaints.add_card(case, CardRef("chat", "C-care", {"ts": "1.1"}))
        uow.commit()
    before = set(_queued(db))
    with db() as uow:
        send(
            uow,
            [
                NewOutboxMessage(CardUpdate(), "u1", case),  # where the complaint's card is, on each surface
                NewOutboxMessage(CardPost(channels={"other": "O-vip"}), "p1", None),  # a queue's channels
                NewOutboxMessage(CardUpdate(surface="chat", channel="C-care"), "u2@chat", case),  # as is
                NewOutboxMessage(SocialReply(source="bsky"), "r1", case),  # not a chat message: once
            ],
        )
        uow.commit()
    queued = {key: payload for key, payload in _queued(db).items() if key not in before}
    assert queued == {
        "u1@chat": {"surface": "chat", "channel": "C-care"},
        "u1@other": {"surface": "other", "channel": ""},  # no card there yet: the surface's own channel
        "p1@chat": {"surface": "chat", "channel": ""},
        "p1@other": {"surface": "other", "channel": "O-vip"},
        "u2@chat": {"surface": "chat", "channel": "C-care"},
        "r1": {"source": "bsky"},
    }


def test_the_outbox_itself_stores_a_chat_message_as_it_is_handed() -> None:
    db = FakeDatabase(surfaces=("chat", "other"))
    with db() as uow:
        uow.outbox.enqueue_many([NewOutboxMessage(CardUpdate(channels={"chat": "C1"}), "u1", None)])
        uow.commit()
    assert _queued(db) == {"u1": {"channels": {"chat": "C1"}}}
