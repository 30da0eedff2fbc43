"""Stats per queue, fairness by follower band and the cases export, on both backends, read live and from the rollup."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from sqlalchemy import Engine

from handlers.cases import actions
from handlers.cases.claim import claim
from handlers.domain.complaint import Actor, IncomingComplaint, Role
from handlers.domain.queue import parse_queues
from handlers.domain.sla import DEFAULT_POLICIES
from handlers.domain.stats import Period
from handlers.intake.receive import receive
from handlers.intake.triage import Triage
from handlers.team.command_answers import LeadDesk
from handlers.team.export import COLUMNS, ExportAsked
from tests.integration.test_team_stats import X_LENGTH, Team
from tests.people import slack_person

pytestmark = pytest.mark.integration

QUEUES = parse_queues({"queues": [{"name": "elite", "tiers": ["vip"]}], "default": {"name": "care"}})


class QueuedTeam(Team):
    """The team of test_team_stats, with an elite desk for VIPs and follower counts on the posts."""

    def __init__(self, engine: Engine) -> None:
        super().__init__(engine, Triage(queues=QUEUES))
        with self.uow() as uow:
            uow.customers.set_tier("vera", "vip")
            uow.commit()

    def post(self, handle: str, followers: int | None, claim_after: int, ack_after: int | None = None) -> int:
        self.n += 1
        text = f"@SqueakyAir complaint {self.n}"
        item = IncomingComplaint(
            "x", f"q{self.n}", handle, handle, handle, text, self.clock.now(), author_followers=followers
        )
        [complaint_id] = receive(self.uow, self.clock, self.dedupe, self.triage, [item]).opened
        self.clock.advance(minutes=claim_after)
        claim(self.uow, self.clock, complaint_id, self.maria)
        if ack_after is not None:
            self.clock.advance(minutes=ack_after)
            actions.acknowledge(self.uow, self.clock, complaint_id, self.maria, "We hear you.", length=X_LENGTH)
        return complaint_id

    def period(self) -> Period:
        return Period(self.clock.now() - timedelta(days=2), self.clock.now() + timedelta(seconds=1), "test")


def test_one_queue_reads_alone_and_by_queue_compares_them_live_and_rolled_up(engine: Engine) -> None:
    team = QueuedTeam(engine)
    team.post("vera", 50, claim_after=2, ack_after=3)
    for n in range(3):
        team.post(f"std{n}", 500, claim_after=30)
    team.arrive("@SqueakyAir nobody has answered")  # waiting, on care
    team.clock.advance(minutes=5)
    for rolled in (False, True):
        if rolled:
            team.roll_up()
        with team.uow() as uow:
            elite = uow.stats.report(team.period(), DEFAULT_POLICIES, None, team.clock.now(), "elite")
            care = uow.stats.report(team.period(), DEFAULT_POLICIES, "tier", team.clock.now(), "care")
            both = uow.stats.report(team.period(), DEFAULT_POLICIES, "queue", team.clock.now())
        assert (elite.total.received, elite.total.claimed, elite.total.acknowledged) == (1, 1, 1)
        assert elite.backlog == 0 and elite.queue == "elite"
        assert [c.tier for c in elite.compliance] == ["vip"] and elite.compliance[0].claim_met == 1
        assert (care.total.received, care.total.claimed, care.backlog) == (4, 3, 1)
        assert [r.key for r in care.breakdown] == ["standard"]
        assert {r.key: r.received for r in both.breakdown} == {"care": 4, "elite": 1}
        assert both.total.received == 5 and both.backlog == 1


def test_fairness_compares_follower_bands_within_each_tier(engine: Engine) -> None:
    team = QueuedTeam(engine)
    for n in range(10):  # loud accounts, claimed at once: they jumped the queue
        team.post(f"loud{n}", 2_000_000, claim_after=1)
    for n in range(10):
        team.post(f"quiet{n}", 40, claim_after=20)
    team.post("vera", None, claim_after=1)  # a VIP claimed fast is the elite desk working, not unfairness
    with team.uow() as uow:
        fairness = uow.stats.fairness(team.period())
    team.roll_up()
    with team.uow() as uow:
        assert uow.stats.fairness(team.period()) == fairness  # the rollup agrees
        elite_only = uow.stats.fairness(team.period(), "elite")
    assert [t.key for t in fairness.tiers] == ["standard", "vip"]
    standard = {row.key: row for row in fairness.bands["standard"]}
    assert list(standard) == ["under 1k", "100k+"]
    assert standard["100k+"].to_claim.count == 10 and standard["100k+"].to_claim.p50 is not None
    assert standard["100k+"].to_claim.p50 < 70 and standard["under 1k"].to_claim.p50 > 1100  # type: ignore[operator]
    assert [r.key for r in fairness.bands["vip"]] == ["unknown"]
    assert [t.key for t in elite_only.tiers] == ["vip"]
    # each standard case was claimed before the next customer posted: every pair in order
    assert fairness.order is not None and (fairness.order.cases, fairness.order.out_of_order) == (21, 0)
    assert fairness.order.pairs == 20 * 19 // 2  # within a priority: the 20 standard cases (Vera's is alone)

    first = team.arrive("@SqueakyAir my bag is lost")
    team.clock.advance(minutes=1)
    second = team.arrive("@SqueakyAir my bag is lost too")
    claim(team.uow, team.clock, second, team.maria)  # the later customer served first: one pair out of order
    team.clock.advance(minutes=1)
    claim(team.uow, team.clock, first, team.maria)
    team.clock.advance(minutes=1)
    desk = LeadDesk(team.uow, team.clock, queues=QUEUES)
    said = "\n".join(str(line) for line in desk.run(_lead(team), "stats fairness 7d").lines)
    assert "Promise not kept" in said and "standard, 100k+ followers" in said
    assert "First come, first served: 0.4% of 231 pairs of equal priority were served out of the customers' " in said
    weighted = LeadDesk(team.uow, team.clock, queues=QUEUES, follower_points=10)
    assert "loud accounts go first by design" in str(weighted.run(_lead(team), "stats fairness 7d").lines[0])


def test_the_export_has_a_row_per_case_with_its_milestones_and_levels(engine: Engine) -> None:
    team = QueuedTeam(engine)
    fast = team.post("vera", 50, claim_after=2, ack_after=3)
    slow = team.post("=cmd|calc", 20_000, claim_after=90)
    waiting = team.arrive("@SqueakyAir hello?")
    team.clock.advance(minutes=2)
    desk = LeadDesk(team.uow, team.clock, queues=QUEUES, networks={"x": "X"})
    data, count = desk.export_file(ExportAsked(team.period()))
    rows = list(csv.DictReader(io.StringIO(data.decode())))
    assert count == 3 and tuple(rows[0]) == COLUMNS
    by_case = {int(r["case"]): r for r in rows}
    # who complained, where, the link to the post and what they said: a lead finds the customer from the file
    assert (by_case[fast]["handle"], by_case[fast]["network"], by_case[fast]["text"]) == (
        "vera",
        "X",
        "'@SqueakyAir complaint 1",  # a leading @ is a formula to a spreadsheet: escaped
    )
    assert by_case[slow]["handle"] == "'=cmd|calc"  # formula-escaped as every text cell
    assert (by_case[fast]["queue"], by_case[fast]["tier"], by_case[fast]["owner"]) == ("elite", "vip", "maria")
    assert (by_case[fast]["seconds_to_claim"], by_case[fast]["seconds_to_acknowledge"]) == ("120", "300")
    assert (by_case[fast]["claim_level"], by_case[fast]["acknowledge_level"]) == ("met", "met")
    assert (by_case[slow]["claim_level"], by_case[slow]["acknowledge_level"]) == ("missed", "running")
    assert by_case[slow]["follower_band"] == "10k-100k"
    assert (by_case[waiting]["status"], by_case[waiting]["claim_level"], by_case[waiting]["owner"]) == (
        "new",
        "running",
        "",
    )
    elite, _ = desk.export_file(ExportAsked(team.period(), "elite"))
    assert len(elite.decode().splitlines()) == 2


def _lead(team: Team) -> Actor:
    return slack_person(team.uow, "U0LEA", "lea", frozenset({Role.AGENT, Role.LEAD}))
