"""Migration 0014 on SQLite and PostgreSQL: messages waiting under the outbox's former kind names are renamed, read
back as their typed classes, and keep their idempotency keys, so the same decision is never queued twice."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from handlers.domain.activity import ActivityLine
from handlers.domain.complaint import Actor
from handlers.domain.outbox_kinds import Announcement, Page, SocialReply, ThreadLine
from handlers.ports.clock import ManualClock
from handlers.ports.outbox import NewOutboxMessage
from storage.sql.engine import make_engine
from storage.sql.migrate import downgrade, upgrade
from storage.sql.unit_of_work import SqlUnitOfWorkFactory

pytestmark = pytest.mark.integration

AT = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
LINE = ActivityLine(Actor("squeaky", "Squeaky", "system"), "claimed by maria")  # as a thread line stores its actor
# kind, key, lane, ordering, payload: as the former code wrote them
FORMER = [
    ("x.reply", "x.reply:1:2", "social:bsky", None, '{"source": "bsky"}'),
    ("chat.announce", "chat.announce:spike:1@slack", "slack:C0CARE", "slack:C0CARE", '{"text": "spike", '
     '"alert": "spike-delays", "surface": "slack", "channel": "C0CARE"}'),
    ("page", "page:spike-delays:trigger:", "pager", None, '{"action": "trigger", "alert": "spike-delays", '
     '"summary": "spike", "user": null}'),
    ("card.log", "card.log:1:2@slack", "card.log", "slack:C0CARE", '{"actor_id": "squeaky", "actor_name": "Squeaky", '
     '"actor_surface": "system", "handles": {}, "text": "claimed by maria", "surface": "slack", "channel": "C0CARE"}'),
]  # fmt: skip


def _rows(url: str) -> list[tuple[str, str, str]]:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return [tuple(r) for r in connection.execute(text("SELECT kind, key, lane FROM outbox ORDER BY id"))]
    finally:
        engine.dispose()


@pytest.mark.parametrize("backend", ["sqlite_url", "pg_url"])
def test_waiting_messages_of_the_former_kinds_are_renamed_read_as_typed_and_never_queued_twice(
    backend: str, request: pytest.FixtureRequest
) -> None:
    url = request.getfixturevalue(backend)
    upgrade(url, "0013")
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            for kind, key, lane, ordering, payload in FORMER:
                connection.execute(
                    text(
                        "INSERT INTO outbox (kind, key, lane, ordering, payload, status, attempts, failures, "
                        "available_at, created_at, rank) VALUES (:k, :key, :l, :o, :p, 'pending', 0, 0, :t, :t, 0)"
                    ),
                    {"k": kind, "key": key, "l": lane, "o": ordering, "p": payload, "t": AT},
                )
        upgrade(url)
        assert _rows(url) == [
            ("social.reply", "x.reply:1:2", "social:bsky"),  # the key stays: the same decision is the same row
            ("chat.announcement", "chat.announce:spike:1@slack", "slack:C0CARE"),
            ("pager.page", "page:spike-delays:trigger:", "pager"),
            ("card.thread_line", "card.log:1:2@slack", "card.thread_line"),  # a lane named after its kind follows it
        ]
        uow = SqlUnitOfWorkFactory(engine, ManualClock(AT), surfaces=("slack",))
        with uow() as unit:  # the same decisions again, as the new code makes them: each is ignored
            unit.outbox.enqueue_many(
                [
                    NewOutboxMessage(SocialReply(source="bsky"), SocialReply.key(1, 2), None),
                    NewOutboxMessage(
                        ThreadLine(line=LINE, surface="slack", channel="C0CARE"), "card.log:1:2@slack", None
                    ),
                ]
            )
            unit.commit()
        assert len(_rows(url)) == len(FORMER)
        with uow() as unit:
            leased = unit.outbox.lease_due(AT, 30, 10)
            unit.commit()
        assert sorted((m.body() for m in leased), key=lambda body: body.kind) == [
            ThreadLine(line=LINE, surface="slack", channel="C0CARE"),
            Announcement(text="spike", alert="spike-delays", surface="slack", channel="C0CARE"),
            Page(action="trigger", alert="spike-delays", summary="spike"),
            SocialReply(source="bsky"),
        ]
        downgrade(url, "0013")
        assert [(kind, key, lane) for kind, key, lane, _o, _p in FORMER] == _rows(url)  # back as they were
    finally:
        engine.dispose()
