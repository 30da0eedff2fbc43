"""Suggested replies learn from the database: a twcs import (once, however often it runs) and our answered cases,
which join every process's index at its next look."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, update

from bot.suggestions import import_twcs
from handlers.domain.complaint import IncomingComplaint
from handlers.intake.receive import receive
from handlers.intake.triage import Triage
from handlers.ports.clock import ManualClock
from handlers.suggestions.history import everything
from storage.memory.keys import MemoryDedupe
from storage.sql.reply_history import SqlReplyHistory
from storage.sql.tables import complaints
from storage.sql.unit_of_work import SqlUnitOfWorkFactory
from storage.suggestions.live import LiveReplyIndex

pytestmark = pytest.mark.integration
T0 = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
TWCS = """tweet_id,author_id,inbound,created_at,text,response_tweet_id,in_response_to_tweet_id
1,115,True,Tue Oct 31 22:00:00 +0000 2017,@Delta my suitcase never arrived in Oslo,2,
2,Delta,False,Tue Oct 31 22:05:00 +0000 2017,"@115 Hi Jo, so sorry! DM your tag https://x.com/messages/compose -AA",,1.0
3,116,True,Tue Oct 31 22:06:00 +0000 2017,@AmazonHelp where is my parcel,4,
4,AmazonHelp,False,Tue Oct 31 22:07:00 +0000 2017,@116 Hello Max! Check https://evil.example.com and tell @thief,,3.0
5,117,True,not a date,@Delta hello,,
"""


def test_an_import_is_kept_once_and_read_back_scrubbed(engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "twcs.csv"
    path.write_text(TWCS)
    first = import_twcs(engine, path, {"Delta": "care"})
    assert (first.pairs, first.added, first.by_brand) == (1, 1, {"care": 1})
    assert [p.line for p in first.problems] == [6]
    assert import_twcs(engine, path, {"Delta": "care"}).added == 0
    everyone = import_twcs(engine, path, {})
    assert (everyone.added, everyone.by_brand) == (2, {"Delta": 1, "AmazonHelp": 1})  # each under its own account
    learned = {(p.brand, p.reply) for p in SqlReplyHistory(engine).imported()}
    assert ("care", "Hi {name}, so sorry! DM your tag {dm_link}") in learned
    assert all("evil" not in reply and "@" not in reply for _brand, reply in learned)


def test_an_answered_case_joins_the_index_at_its_next_look(engine: Engine, tmp_path: Path) -> None:
    history = SqlReplyHistory(engine)
    index = LiveReplyIndex(lambda: everything(history, "https://x.com/dm"), history.stamp, every=0.0)
    assert index.size("care") == 0  # nothing learned yet: the first look built an empty index
    clock = ManualClock(T0)
    uow = SqlUnitOfWorkFactory(engine, clock, surfaces=("slack",))
    incoming = IncomingComplaint("x", "42", "9", "ann", "Ann Lee", "my bag is lost at the belt", T0)
    (case,) = receive(uow, clock, MemoryDedupe(), Triage(), [incoming]).opened
    with engine.begin() as connection:  # what the outbox writes once X took the reply
        sent = f"@ann Hi Ann, case #{case} is open for your bag: DM us at https://x.com/dm"
        connection.execute(update(complaints).values(reply_text=sent, reply_status="sent"))
    assert index.refresh() is True
    assert index.refresh() is False  # nothing new: no rebuild
    (match,) = index.nearest("care", "lost bag", 3)
    assert match.reply == "Hi {name}, case #{case} is open for your bag: DM us at {dm_link}"
