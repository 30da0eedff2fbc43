"""Storm mode on both backends: a queue whose waiting cards would take its channel too long to post switches to one
live summary, holds its standard cards (VIP cards still go at once), posts a card when it is taken, and leaves once
calm, releasing what is left, saying so once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Engine, select

from handlers.cases.claim import claim
from handlers.domain.complaint import IncomingComplaint
from handlers.domain.outbox_kinds import Announcement, CardPost, Page
from handlers.domain.queue import parse_queues
from handlers.intake.receive import receive
from handlers.intake.triage import Triage
from handlers.outbox.runner import OutboxRunner
from handlers.ports.clock import ManualClock
from handlers.ports.outbox import NewOutboxMessage
from handlers.queues.pull import take_next
from handlers.queues.storm import StormRules, check_storms
from storage.memory.keys import MemoryDedupe
from storage.sql.tables import outbox
from storage.sql.unit_of_work import SqlUnitOfWorkFactory
from tests.fakes import SURFACE, FakeChat
from tests.integration.test_team_stats import T0
from tests.people import slack_person

pytestmark = pytest.mark.integration

QUEUES = parse_queues(
    {
        "queues": [{"name": "elite", "title": "Elite desk", "tiers": ["vip"], "channels": {SURFACE: "C0ELITE"}}],
        # an hour to claim at one card a second: a storm is more than 30 min of cards, i.e. 1,800 waiting; with one
        # minute to claim, it is 30
        "default": {"name": "care", "title": "Care team", "service_levels": {"standard": {"claim": 1}}},
    }
)
RULES = StormRules(cards_per_second=1.0)


class Storming:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.clock = ManualClock(T0)
        self.chat = FakeChat()
        self.uow = SqlUnitOfWorkFactory(engine, self.clock, surfaces=(SURFACE,))
        self.runner = OutboxRunner(self.uow, self.clock, self.chat.faces())
        self.triage, self.dedupe, self.n = Triage(queues=QUEUES), MemoryDedupe(), 0
        self.agent = slack_person(self.uow, "U0MARIA", "maria")

    def arrive(self, count: int, handle: str = "customer", topic_words: str = "my flight is delayed") -> list[int]:
        posts = []
        for _ in range(count):
            self.n += 1
            who = f"{handle}{self.n}"
            posts.append(IncomingComplaint("x", f"s{self.n}", who, who, who, f"@SqueakyAir {topic_words}", T0))
        return receive(self.uow, self.clock, self.dedupe, self.triage, posts).opened

    def watch(self) -> list[tuple[str, str]]:
        return check_storms(self.uow, self.clock, QUEUES, RULES)

    def statuses(self, ids: list[int]) -> list[str]:
        with self.engine.connect() as c:
            rows = c.execute(
                select(outbox.c.status).where(outbox.c.complaint_id.in_(ids), outbox.c.kind.like("card.post%"))
            )
            return sorted(str(s) for (s,) in rows)

    def deliver(self) -> None:
        while self.runner.run_due(500):
            pass


def test_a_queue_enters_storm_mode_holds_its_cards_and_leaves_once_calm(engine: Engine) -> None:
    storm = Storming(engine)
    early = storm.arrive(10)
    storm.deliver()  # ten cards out before the storm
    assert storm.watch() == []  # ten waiting: no storm
    crowd = storm.arrive(40)
    assert storm.watch() == [("care", "entered (40 cards held)")]
    assert storm.statuses(crowd) == ["held"] * 40
    with storm.uow() as uow:
        uow.customers.set_tier(f"vic_{storm.n + 1}", "vip")
        uow.commit()
    vip_elite = storm.arrive(1, handle="vic_")  # a registered VIP, on the elite desk: its card goes at once
    more = storm.arrive(5)
    assert storm.statuses(more) == ["held"] * 5  # intake holds a storm queue's new cards from the start
    storm.deliver()
    posted = [c.complaint_id for c in storm.chat.posted]
    assert posted[:10] == early and vip_elite[0] in posted and not set(crowd + more) & set(posted)
    [summary] = [text for text, _ in storm.chat.announced if "Storm mode on Care team" in text]
    assert "50 complaints waiting for an owner (standard 50)" in summary and "[Take next: care]" in summary
    assert "#" in summary and "delayed" in summary  # the most urgent examples

    taken = take_next(storm.uow, storm.clock, storm.agent, "care")
    assert taken is not None and taken.id in early  # the oldest cards came first, and are out
    second = claim(storm.uow, storm.clock, crowd[0], storm.agent)
    assert storm.statuses([second.id]) == ["pending"]  # taken: its card is posted now
    storm.deliver()
    assert storm.chat.posted[-1].complaint_id == crowd[0]

    storm.clock.advance(seconds=20)
    assert storm.watch() == []
    storm.deliver()
    assert storm.chat.announced[-1][0].startswith("(edit ") and "53 complaints waiting" in storm.chat.announced[-1][0]
    for complaint_id in early[1:] + crowd[1:] + more:
        if complaint_id != taken.id:
            claim(storm.uow, storm.clock, complaint_id, storm.agent)
    assert storm.watch() == []  # calm, but not for long enough yet
    storm.clock.advance(minutes=2)
    assert storm.watch() == [("care", "left (0 cards released)")]
    storm.deliver()
    over = [text for text, _ in storm.chat.announced if "Storm over on Care team" in text]
    assert len(over) == 1 and "(53 at most)" in over[0] and "Take next" not in over[0]
    assert storm.watch() == []  # announced once
    still_held = storm.arrive(1)
    assert storm.statuses(still_held) == ["pending"]


def test_leaving_releases_the_cards_still_held(engine: Engine) -> None:
    storm = Storming(engine)
    crowd = storm.arrive(40)
    assert storm.watch() == [("care", "entered (40 cards held)")]
    for complaint_id in crowd[:30]:
        claim(storm.uow, storm.clock, complaint_id, storm.agent)
    storm.clock.advance(seconds=10)
    storm.watch()
    storm.clock.advance(minutes=3)
    assert storm.watch() == [("care", "left (10 cards released)")]
    assert storm.statuses(crowd[30:]) == ["pending"] * 10


def test_an_alert_never_goes_out_ahead_of_an_older_vip_card_unless_that_card_is_stuck(engine: Engine) -> None:
    storm = Storming(engine)
    with storm.uow() as uow:
        uow.outbox.enqueue_many(
            [
                NewOutboxMessage(CardPost(reserved=True, surface=SURFACE), "card.post:1", None, -3e6),
                NewOutboxMessage(Page(action="trigger", alert="late"), "page:late", None, 0.0),
                NewOutboxMessage(Announcement(text="late"), "chat.announce:late", None, 0.0),
            ]
        )
        uow.commit()
    with storm.uow() as uow:
        leased = [m.kind for m in uow.outbox.lease_due(storm.clock.now(), 30, 10)]
        uow.commit()
    assert leased == [CardPost.RESERVED_KIND]  # the page and the call wait for the VIP's card, though ranked higher
    later = storm.clock.now() + timedelta(seconds=31)
    with storm.uow() as uow:
        leased = sorted(m.kind for m in uow.outbox.lease_due(later, 30, 10))
    assert leased == sorted([CardPost.RESERVED_KIND, Page.KIND, Announcement.KIND])  # a card stuck 30 s holds none back
