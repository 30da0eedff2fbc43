"""Storm mode from what the complaints say, on both backends: a surge of near-identical complaints on a queue with the
default one-hour service level starts storm mode at intake, names the cluster on the summary, and its incident reply
reaches exactly that cluster; several workers count into the same runs; a trickle, or a burst of different
complaints, starts nothing; the storm ends once the cluster has gone quiet and few of it still wait."""

from __future__ import annotations

import csv
import re
import threading
from dataclasses import replace

import pytest
from sqlalchemy import Engine, func, select

from bot.x.rules import XRules
from handlers.cases.reply_templates import ReplyTemplate
from handlers.cases.sources import Sources
from handlers.domain.complaint import IncomingComplaint, Role
from handlers.domain.queue import parse_queues
from handlers.intake.receive import receive
from handlers.intake.surges import SurgeRules
from handlers.intake.triage import Triage
from handlers.queues.incident import IncidentDesk
from handlers.queues.pull import take_next
from handlers.queues.storm import StormRules, check_storms
from storage.memory.keys import MemoryDedupe
from storage.similarity import MinHashFingerprints
from storage.sql.tables import audit_events, surges
from tests.conftest import SHARED_DATA
from tests.integration.test_storm_mode import Storming
from tests.people import slack_person

pytestmark = pytest.mark.integration
# The defaults: an hour to claim, so the service-level rule alone waits for 1,800 cards before a storm.
QUEUES = parse_queues({"default": {"name": "care", "title": "Care team"}})
RULES = StormRules(cards_per_second=1.0)
VARIANTS = (
    "@SqueakyAir the phone lines are down!!",
    "@SqueakyAir your phone lines are down?",
    "@SqueakyAir Phone lines are DOWN. @SqueakyHelp",
    "@SqueakyAir phone lines are down https://t.co/abc123",
    "@SqueakyAir are the phone lines down",
)


class Surging(Storming):
    def __init__(self, engine: Engine) -> None:
        super().__init__(engine)
        self.triage = Triage(queues=QUEUES, fingerprints=MinHashFingerprints())
        self.lead = slack_person(self.uow, "U0LEA", "lea", frozenset({Role.AGENT, Role.LEAD}))

    def post(self, texts: list[str], handle: str = "caller") -> list[int]:
        posts = []
        for text in texts:
            self.n += 1
            who = f"{handle}{self.n}"
            posts.append(IncomingComplaint("x", f"p{self.n}", who, who, who, text, self.clock.now()))
        return receive(self.uow, self.clock, self.dedupe, self.triage, posts).opened

    def burst(self, count: int, batches: int, seconds: float) -> list[int]:
        """`count` near-identical complaints in `batches` batches over `seconds`."""
        ids: list[int] = []
        for batch in range(batches):
            ids += self.post([VARIANTS[(len(ids) + n) % len(VARIANTS)] for n in range(count // batches)])
            if batch < batches - 1:
                self.clock.advance(seconds=seconds / (batches - 1))
        return ids

    def watch(self) -> list[tuple[str, str]]:
        return check_storms(self.uow, self.clock, QUEUES, RULES)


def real_complaints(count: int) -> list[str]:
    texts: list[str] = []
    with (SHARED_DATA / "twcs_dev.csv").open(newline="", encoding="utf-8") as raw:
        for row in csv.DictReader(raw):
            said = " ".join(re.sub(r"@\w+", "", row["text"]).split())
            if row["inbound"] == "True" and len(said) > 30 and said not in texts:
                texts.append(said)
    return [f"@SqueakyAir {text}" for text in texts[:count]]


def test_near_identical_complaints_start_a_storm_at_intake_named_and_acknowledged_as_one(engine: Engine) -> None:
    surge = Surging(engine)
    before = surge.post(real_complaints(15))
    surge.deliver()  # fifteen different complaints: fifteen cards, no storm
    assert [c.complaint_id for c in surge.chat.posted] == before and surge.watch() == []

    crowd = surge.burst(200, batches=10, seconds=6)  # "phone lines are down": 200 in 6 s
    with surge.uow() as uow:
        storm = uow.team.storms()["care"]
    assert storm.cluster is not None and storm.cluster_title == "the phone lines are down"
    assert surge.statuses(crowd[20:]) == ["held"] * 180  # intake held them from the batch that made it a surge
    surge.deliver()
    posted = [c.complaint_id for c in surge.chat.posted]
    assert posted[:15] == before and len(set(posted) & set(crowd)) <= 20  # at most the first batch went out

    other = surge.post(["@SqueakyAir my suitcase is still missing in Lisbon since Monday"])
    assert surge.statuses(other) == ["held"]  # the queue is in a storm: every standard card waits to be taken
    surge.clock.advance(seconds=1)
    surge.watch()
    surge.deliver()
    [summary] = [text for text, _ in surge.chat.announced if "Storm mode on Care team" in text]
    assert "Similar complaints: “the phone lines are down”: 200 in 6s." in summary
    assert "[Take next: care]" in summary

    x = XRules(per_post=0.01, per_post_with_url=0.2)
    template = ReplyTemplate("Phones", "Hi {name}, our phone lines are down and we are on it. Case #{case}.")
    desk = IncidentDesk(surge.uow, surge.clock, Sources({"x": x}, x), QUEUES, [template])
    form = desk.form(surge.lead, "storm:care")
    assert form.title == "the “the phone lines are down” complaints on Care team"
    assert (form.total, form.eligible) == (200, 200)  # exactly the cluster: not the suitcase, not the fifteen before


def test_the_storm_ends_once_the_cluster_is_quiet_and_few_of_it_wait(engine: Engine) -> None:
    surge = Surging(engine)
    crowd = surge.burst(60, batches=3, seconds=2)
    surge.watch()
    surge.clock.advance(minutes=3)
    assert surge.watch() == []  # quiet for long enough, and the service level is easy, but 60 still wait
    surge.clock.advance(minutes=3)
    assert surge.watch() == []
    for _ in range(45):
        assert take_next(surge.uow, surge.clock, surge.agent, "care") is not None
    assert surge.watch() == []  # calm from now on
    surge.clock.advance(minutes=2)
    assert surge.watch() == [("care", "left (15 cards released)")]
    assert surge.statuses(crowd) == ["pending"] * 60  # 45 posted as they were taken, the last 15 released


def test_a_trickle_of_similar_complaints_or_a_burst_of_different_ones_starts_nothing(engine: Engine) -> None:
    surge = Surging(engine)
    for _ in range(30):  # 30 alike over two and a half hours: the queue's usual pace
        surge.post([VARIANTS[0]])
        surge.clock.advance(minutes=4)
    surge.post(real_complaints(300), handle="real")  # 300 real complaints at once: none a near-duplicate of 20
    with surge.uow() as uow:
        assert uow.team.storms() == {}
    with surge.engine.connect() as c:
        big = c.execute(select(surges.c.sample, surges.c.count).where(surges.c.count >= 20)).all()
    # only the trickle's runs (a real complaint may share one of its ten keys by chance, not twenty of them one key)
    assert big and {sample for sample, _ in big} == {"the phone lines are down"} and max(n for _, n in big) <= 31


def test_workers_count_into_the_same_runs_and_one_storm_starts(engine: Engine) -> None:
    surge = Surging(engine)
    surge.triage = replace(surge.triage, surges=SurgeRules(at_least=150))
    failures: list[BaseException] = []

    def worker(name: str) -> None:
        dedupe = MemoryDedupe()  # each worker its own: the database is what they share
        for batch in range(10):
            posts = [
                IncomingComplaint("x", f"{who}", who, who, who, VARIANTS[n % 5], surge.clock.now())
                for n in range(10)
                for who in [f"{name}{batch}x{n}"]
            ]
            try:
                receive(surge.uow, surge.clock, dedupe, surge.triage, posts)
            except BaseException as exc:  # reported below
                failures.append(exc)

    threads = [threading.Thread(target=worker, args=(name,)) for name in ("a", "b", "c")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    with surge.engine.connect() as c:
        counts = c.execute(select(surges.c.count)).scalars().all()
        started = c.execute(select(func.count()).where(audit_events.c.action == "storm:similar")).scalar()
    assert counts and max(counts) == 300  # every worker's posts counted into one run per key
    assert started == 1
    with surge.uow() as uow:
        assert uow.team.storms()["care"].cluster is not None
