"""Team statistics on both backends: the figures, the service levels and the rollup agree with what happened."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, func, select

from bot.triage_file import load_triage
from bot.x.length import XPostLength
from handlers.cases import actions
from handlers.cases.claim import claim
from handlers.domain.complaint import IncomingComplaint
from handlers.domain.people import Identity
from handlers.domain.sla import DEFAULT_POLICIES
from handlers.domain.spikes import ALL_TOPICS
from handlers.domain.stats import Period, StatsReport
from handlers.intake.receive import receive
from handlers.intake.triage import Triage
from handlers.ports.clock import ManualClock
from handlers.team.spike_watch import check_spikes
from handlers.team.spikes import SpikeEvent, SpikeRules
from handlers.team.stats import parse_period
from storage.memory.keys import MemoryDedupe
from storage.sql.tables import audit_events, stats_rollup
from storage.sql.unit_of_work import SqlUnitOfWorkFactory
from tests.people import slack_person

pytestmark = pytest.mark.integration
T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)

X_LENGTH = XPostLength()


class Team:
    """Complaints arriving and being handled on a controllable clock."""

    def __init__(self, engine: Engine, triage: Triage | None = None) -> None:
        self.clock = ManualClock(T0)
        self.uow = SqlUnitOfWorkFactory(engine, self.clock, surfaces=("slack",))
        self.maria = slack_person(self.uow, "U0MARIA", "maria")
        self.jon = slack_person(self.uow, "U0JON", "jon")
        self.triage = triage or Triage()
        self.dedupe = MemoryDedupe()
        self.n = 0

    def arrive(self, text: str = "@SqueakyAir my bag is lost", handle: str | None = None) -> int:
        self.n += 1
        who = handle or f"customer{self.n}"
        post = IncomingComplaint("x", f"t{self.n}", who, who, who, text, self.clock.now())
        [complaint_id] = receive(self.uow, self.clock, self.dedupe, self.triage, [post]).opened
        return complaint_id

    def report(self, period: Period | None = None, by: str | None = None) -> StatsReport:
        period = period or Period(T0 - timedelta(days=1), self.clock.now() + timedelta(seconds=1), "test")
        with self.uow() as uow:
            return uow.stats.report(period, DEFAULT_POLICIES, by, self.clock.now())  # type: ignore[arg-type]

    def roll_up(self) -> int:
        with self.uow() as uow:
            hours = uow.stats.roll_up(self.clock.now())
            uow.commit()
        return hours


def handled_day(team: Team) -> dict[str, int]:
    """Six complaints over a morning: claimed after 2, 4, 10 and 90 minutes, one dismissed, one still waiting."""
    ids = {}
    for name, claim_after, ack_after in [("a", 2, 5), ("b", 4, 20), ("c", 10, None), ("d", 90, 100)]:
        ids[name] = team.arrive(f"@SqueakyAir complaint {name}")
        team.clock.advance(minutes=claim_after)
        claim(team.uow, team.clock, ids[name], team.maria if name != "b" else team.jon)
        if ack_after is not None:
            team.clock.advance(minutes=ack_after - claim_after)
            actions.acknowledge(
                team.uow,
                team.clock,
                ids[name],
                team.maria if name != "b" else team.jon,
                "We hear you.",
                length=X_LENGTH,
            )
        team.clock.advance(minutes=1)
    ids["spam"] = team.arrive("@SqueakyAir buy followers")
    team.clock.advance(minutes=3)
    actions.dismiss(team.uow, team.clock, ids["spam"], team.maria, "spam")
    ids["waiting"] = team.arrive("@SqueakyAir anyone there?")
    team.clock.advance(minutes=75)
    return ids


def close(value: float | None, expected: float) -> bool:
    return value is not None and abs(value - expected) <= expected * 0.03  # the histograms' 2.5%, and a little


def test_the_figures_match_what_happened(engine: Engine) -> None:
    team = Team(engine)
    handled_day(team)
    report = team.report()
    total = report.total
    assert (total.received, total.claimed, total.acknowledged, total.ticketed, total.dismissed) == (6, 4, 3, 0, 1)
    assert total.to_claim.count == 5  # four claims and a dismissal took it off the queue
    assert close(total.to_claim.p50, 4 * 60) and close(total.to_claim.p90, 90 * 60)
    assert close(total.to_ack.p50, 20 * 60) and close(total.to_ack.p90, 100 * 60)
    assert report.backlog == 1 and report.oldest_waiting is not None
    [standard] = report.compliance
    # claims within 60 min: a, b, c and the dismissal; d took 90; the one still waiting has waited 75: missed
    assert (standard.claim_met, standard.claim_missed) == (4, 2)
    # acknowledgements within 240 min: a, b, d; c (claimed, never acknowledged) is still inside its 240 min
    assert (standard.ack_met, standard.ack_missed) == (3, 0)


def test_a_breakdown_by_agent_and_the_rollup_agree_with_the_live_figures(engine: Engine) -> None:
    team = Team(engine)
    handled_day(team)
    live = team.report(by="agent")
    assert [(row.key, row.received, row.claimed) for row in live.breakdown] == [
        ("maria", 3, 3),
        ("(nobody)", 2, 0),
        ("jon", 1, 1),
    ]
    assert team.roll_up() > 0
    assert team.report(by="agent") == live  # now read from the rollup: the same answer
    with team.uow() as uow:
        assert uow.stats.roll_up(team.clock.now()) == 0  # nothing changed since
    later = team.arrive("@SqueakyAir one more")  # a change after the rollup is counted live
    claim(team.uow, team.clock, later, team.jon)
    assert team.report(by="agent").total.received == 7
    team.roll_up()
    assert team.report(by="agent").total.claimed == 5


def test_whole_days_come_from_the_rollup_and_the_edges_are_counted_live(engine: Engine) -> None:
    team = Team(engine)
    for day in range(3):  # 20 Nov 09:00; 21 Nov 16:00 and 23:00; 23 Nov 06:00, 13:00 and 20:00
        for _ in range(day + 1):
            team.arrive()
            team.clock.advance(hours=7)
        team.clock.advance(days=1)
    team.roll_up()
    with engine.connect() as connection:
        rolled_days = connection.execute(
            select(func.count(func.distinct(stats_rollup.c.hour_start))).where(stats_rollup.c.hours == 24)
        ).scalar()
    assert rolled_days is not None and rolled_days >= 3
    everything = team.report(Period(T0 - timedelta(hours=5), team.clock.now(), "all"))
    assert everything.total.received == 6
    # 20 Nov from 08:00 (live), 21 and 22 Nov (whole days, rolled up), 23 Nov to 10:00 (rolled-up hours)
    middle = team.report(Period(T0 - timedelta(hours=1), T0 + timedelta(days=3, hours=1), "middle"))
    assert middle.total.received == 4


def test_stats_for_today_use_the_teams_time_zone(engine: Engine) -> None:
    team = Team(engine)
    team.clock.advance(hours=14)  # 23:00 UTC on the 20th is already the 21st in Tokyo
    team.arrive()
    tokyo = parse_period("today", team.clock.now() + timedelta(minutes=1), "Asia/Tokyo")
    utc = parse_period("today", team.clock.now() + timedelta(minutes=1), "UTC")
    assert team.report(tokyo).total.received == 1 and team.report(utc).total.received == 1
    team.clock.advance(hours=2)  # 01:00 UTC on the 21st
    assert team.report(parse_period("today", team.clock.now(), "UTC")).total.received == 0


def test_a_spike_on_one_topic_raises_one_alert_updates_it_and_clears(engine: Engine) -> None:
    team = Team(engine, load_triage("config/triage.toml"))
    rules = SpikeRules(window_minutes=10, min_count=8)
    events: list[tuple[str, SpikeEvent]] = []
    for minute in range(90):
        burst = 6 if 60 <= minute < 64 else 0
        if minute % 2 == 0:
            team.arrive("@SqueakyAir the app is slow today")
        for _ in range(burst):
            team.arrive("@SqueakyAir I was charged twice for my booking")
        team.clock.advance(minutes=1)
        events += check_spikes(team.uow, team.clock, rules, fallback_on_call=Identity("chat", "U0ONCALL"))
    billing = [event for topic, event in events if topic == "billing"]
    assert billing[0] is SpikeEvent.OPENED and billing[-1] is SpikeEvent.CLEARED
    assert billing.count(SpikeEvent.OPENED) == 1 and billing.count(SpikeEvent.CLEARED) == 1
    assert all(topic != ALL_TOPICS for topic, _ in events), events  # the topic's alert explains the total
    with engine.connect() as connection:
        audited = connection.execute(select(audit_events.c.action).where(audit_events.c.complaint_id.is_(None)))
        assert [a for (a,) in audited] == [f"spike:{e}" for e in billing]


def test_the_chart_series_counts_each_complaint_once_rolled_up_or_live(engine: Engine) -> None:
    team = Team(engine)
    handled_day(team)  # 09:00 to about 12:20
    period = Period(T0 - timedelta(hours=2), T0 + timedelta(hours=6), "the morning")
    with team.uow() as uow:
        live = uow.stats.series(period)
    team.roll_up()
    with team.uow() as uow:
        rolled = uow.stats.series(period)
    assert rolled == live
    assert [p.at.hour for p in live] == [7, 8, 9, 10, 11, 12, 13, 14]
    assert sum(p.received for p in live) == 6 and live[2].received == 4  # a, b, c and d arrived between 9 and 10
    assert close(live[2].ack_p50, 20 * 60)  # a 5 min, b 20, d 100; c never acknowledged


def test_a_daily_chart_counts_the_teams_calendar_days_across_a_dst_change(engine: Engine) -> None:
    """Berlin left summer time on 25 Oct 2026: that day had 25 hours, and 23:30 that night is still the 25th."""
    clock = ManualClock(datetime(2026, 10, 25, 22, 30, tzinfo=UTC))  # 23:30 in Berlin, on the 25th
    uow = SqlUnitOfWorkFactory(engine, clock, surfaces=("slack",))
    for n in range(2):  # and one at 00:30 on the 26th
        post = IncomingComplaint("x", f"dst{n}", f"c{n}", f"c{n}", "C", "@SqueakyAir lost bag", clock.now())
        receive(uow, clock, MemoryDedupe(), Triage(), [post])
        clock.advance(hours=1)
    period = parse_period("2026-10-24..2026-10-27", clock.now(), "Europe/Berlin")
    with uow() as u:
        series = u.stats.series(period)
    by_day = {point.at.astimezone(ZoneInfo("Europe/Berlin")).day: point.received for point in series}
    assert by_day == {24: 0, 25: 1, 26: 1, 27: 0}


def test_the_backlog_is_ordered_by_the_same_rank_as_the_card_queue(engine: Engine) -> None:
    """An urgent complaint just in, and a plain one waiting for ten hours: aging has put the plain one first."""
    team = Team(engine, load_triage("config/triage.toml"))
    waiting_long = team.arrive("@SqueakyAir where is my refund")
    team.clock.advance(hours=10)
    urgent = team.arrive("@SqueakyAir I will miss my connection today")
    with team.uow() as uow:
        order = [w.complaint_id for w in uow.stats.waiting(5)]
        ranks = {c: uow.complaints.get(c).priority for c in (waiting_long, urgent)}  # type: ignore[union-attr]
    assert ranks[urgent] > ranks[waiting_long]  # by priority alone the urgent one would lead
    assert order == [waiting_long, urgent]
