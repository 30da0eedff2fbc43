"""Business hours: service-level clocks run only while a queue is open, in its own time zone, across holidays and
daylight-saving changes; each queue has its own levels, hours, on-call and lead group, changed by leads and audited."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from handlers.cases.claim import claim
from handlers.domain.complaint import Actor, IncomingComplaint, Role
from handlers.domain.hours import ALWAYS, HoursError, parse_hours
from handlers.domain.outbox_kinds import Announcement, Page
from handlers.domain.people import Identity
from handlers.domain.queue import QueueConfigError, parse_queues
from handlers.domain.roster import Roster
from handlers.domain.sla import DEFAULT_POLICIES, Stage, due_stage
from handlers.intake.receive import receive
from handlers.intake.triage import Triage
from handlers.ports.clock import ManualClock
from handlers.team.command_answers import LeadDesk
from handlers.team.service_levels import check_service_levels
from tests.fakes import FakeDatabase, FakeDedupe

LONDON = ZoneInfo("Europe/London")
OFFICE = parse_hours(["mon-fri 09:00-17:00"], "Europe/London", ["2026-12-25"])
LEAD = Actor("lea", "lea", "chat", frozenset({Role.AGENT, Role.LEAD}))
POLICY = {
    "queues": [
        {
            "name": "elite",
            "title": "Elite desk",
            "tiers": ["vip"],
            "channels": {"chat": "C0ELITE"},
            "service_levels": {"vip": {"claim": 2, "acknowledge": 10, "page": True}},
            "leads": {"chat": "S0ELITE"},
        }
    ],
    "default": {
        "name": "care",
        "hours": {"timezone": "Europe/London", "weekly": ["mon-fri 09:00-17:00"]},
    },
}


def london(*args: int) -> datetime:
    return datetime(*args, tzinfo=LONDON)  # type: ignore[misc]


def test_the_clock_stops_out_of_hours_and_on_holidays() -> None:
    friday = london(2026, 11, 27, 16, 30)
    assert OFFICE.deadline(friday, timedelta(hours=1)) == london(2026, 11, 30, 9, 30)  # Monday, not Friday night
    assert OFFICE.open_between(friday, friday + timedelta(days=3)) == timedelta(hours=8)  # Fri 30 min, Mon 7.5 h
    christmas_eve = london(2026, 12, 24, 16, 0)
    assert OFFICE.deadline(christmas_eve, timedelta(hours=2)) == london(2026, 12, 28, 10, 0)  # past the holiday
    assert not OFFICE.is_open(london(2026, 11, 28, 12, 0)) and OFFICE.is_open(london(2026, 11, 30, 12, 0))
    assert ALWAYS.deadline(friday, timedelta(hours=1)) == friday + timedelta(hours=1)


def test_hours_are_wall_clock_times_in_the_zone_across_daylight_saving_changes() -> None:
    spring = london(2027, 3, 26, 16, 30)  # a Friday; on Sunday London's clocks go forward
    due = OFFICE.deadline(spring, timedelta(hours=1))
    assert due == london(2027, 3, 29, 9, 30) and due.astimezone(UTC).hour == 8  # 09:30 BST is 08:30 UTC
    every_hour = parse_hours("mon-sun 00:00-24:00", "Europe/London")
    saturday = london(2027, 3, 27, 12, 0)
    assert every_hour.open_between(saturday, saturday + timedelta(days=1)) == timedelta(hours=23)
    autumn = london(2026, 10, 24, 12, 0)  # the night of 25 October is an hour longer
    assert every_hour.open_between(autumn, autumn + timedelta(days=1)) == timedelta(hours=25)
    night = parse_hours("mon-sun 22:00-24:00 mon-sun 00:00-06:00", "Europe/London")
    assert night.open_between(london(2026, 11, 30, 21, 0), london(2026, 12, 1, 7, 0)) == timedelta(hours=8)


@pytest.mark.parametrize(
    ("weekly", "zone", "says"),
    [
        ("mon-fri", "UTC", "in pairs"),
        ("mon-fri 9-5", "UTC", "not opening hours"),
        ("someday 09:00-17:00", "UTC", "not a day"),
        ("mon 17:00-09:00", "UTC", "closes before it opens"),
        ("mon 09:00-17:00", "Mars/Olympus", "not a time zone"),
    ],
)
def test_hours_that_cannot_be_read_say_which_part(weekly: str, zone: str, says: str) -> None:
    with pytest.raises(HoursError, match=says):
        parse_hours(weekly, zone)


def test_a_queue_policy_with_wrong_levels_or_hours_names_the_queue() -> None:
    wrong = {"queues": [{"name": "x", "tiers": ["vip"], "service_levels": {"vip": {"claim": 30, "acknowledge": 5}}}]}
    with pytest.raises(QueueConfigError, match=r"queues\[0\] \(x\).service_levels.vip"):
        parse_queues(wrong)
    hours = {"default": {"hours": {"timezone": "Europe/London", "weekly": ["mon-fri 9-5"]}}}
    with pytest.raises(QueueConfigError, match=r"default \(care\).hours: `9-5` is not opening hours"):
        parse_queues(hours)


def test_due_stage_counts_only_open_time() -> None:
    standard = DEFAULT_POLICIES["standard"]
    friday = london(2026, 11, 27, 16, 30)
    assert due_stage(friday, standard, timedelta(minutes=15), london(2026, 11, 29, 23, 0), OFFICE) is Stage.NONE
    assert due_stage(friday, standard, timedelta(minutes=15), london(2026, 11, 30, 9, 30), OFFICE) is Stage.ON_CALL
    assert due_stage(friday, standard, timedelta(minutes=15), london(2026, 11, 30, 9, 45), OFFICE) is Stage.LEADS


class Team:
    """Two queues on fakes: an always-open elite desk with its own levels and leads, and an office-hours care queue."""

    def __init__(self, at: datetime) -> None:
        self.db, self.clock = FakeDatabase(), ManualClock(at)
        self.queues = parse_queues(POLICY)
        self.n = 0

    def arrive(self, handle: str) -> int:
        self.n += 1
        post = IncomingComplaint("x", f"t{self.n}", handle, handle, handle, "@SqueakyAir help", self.clock.now())
        [complaint_id] = receive(self.db, self.clock, FakeDedupe(), Triage(queues=self.queues), [post]).opened
        return complaint_id

    def sweep(self) -> list[tuple[int, Stage]]:
        return check_service_levels(self.db, self.clock, leads_after=timedelta(minutes=15), queues=self.queues)

    def sent(self, kind: str) -> list[dict[str, object]]:
        return [dict(r.message.payload) for r in self.db.state.outbox.values() if r.message.kind == kind]


def test_each_queue_keeps_its_own_levels_hours_on_call_and_lead_group() -> None:
    team = Team(london(2026, 11, 27, 16, 30))  # Friday afternoon
    with team.db() as uow:
        uow.customers.set_tier("vic", "vip")
        uow.team.set_roster(Roster(("li",)), "elite")
        uow.team.set_roster(Roster(("sam",)))
        uow.commit()
    vip, standard = team.arrive("vic"), team.arrive("bo")
    assert team.sweep() == [(vip, Stage.ARRIVAL)]
    team.clock.advance(minutes=2)  # the elite desk's own level: 2 minutes to claim
    assert team.sweep() == [(vip, Stage.ON_CALL)]
    team.clock.advance(hours=60)  # Friday night to Monday 04:30: the care queue's clock has stood still
    assert (vip, Stage.LEADS) in team.sweep() and all(c != standard for c, _ in team.sweep())
    team.clock.advance(hours=5)  # Monday 09:30: the care queue's hour of open time has passed
    assert team.sweep() == [(standard, Stage.ON_CALL)]
    pages = [p for p in team.sent(Page.KIND) if str(p["alert"]).startswith("squeaky-late-")]
    assert {(str(p["alert"]).split("-")[2], p["user"]) for p in pages} == {("elite", "li"), ("care", "sam")}
    calls = [p for p in team.sent(Announcement.KIND) if p.get("leads")]  # the call, then its update
    assert calls and all(c["channel"] == "C0ELITE" and c["group"] == {"chat": ["S0ELITE"]} for c in calls)
    claim(team.db, team.clock, vip, Actor("li", "li", "chat"))


def test_leads_change_a_queues_levels_hours_and_roster_from_the_command_audited() -> None:
    team = Team(london(2026, 11, 27, 12, 0))
    desk = LeadDesk(team.db, team.clock, queues=team.queues, timezone="Europe/London")
    assert desk.run(LEAD, "sla set standard 30 queue elite").title == "Service level set on elite"
    set_hours = desk.run(LEAD, "hours set elite mon-sat 08:00-20:00 in America/New_York")
    assert set_hours.lines == ("mon-sat 08:00-20:00 (America/New_York)",)
    assert "closed on 2026-12-25" in str(desk.run(LEAD, "hours holiday elite 2026-12-25").lines[0])
    assert desk.run(LEAD, "oncall set @m1 queue elite", {"m1": _identity("li")}).title == "On-call set for elite"
    shown = "\n".join(str(line) for line in desk.run(LEAD, "sla show queue elite").lines)
    assert "standard: claim within 30 min" in shown and "vip: claim within 2 min" in shown
    assert "mon-sat 08:00-20:00 (America/New_York); closed on 2026-12-25" in shown
    assert "elite: mon-sat" in str(desk.run(LEAD, "hours show").lines)
    care = "\n".join(str(line) for line in desk.run(LEAD, "sla show queue care").lines)
    assert "standard: claim within 60 min" in care and "mon-fri 09:00-17:00 (Europe/London)" in care
    assert desk.run(LEAD, "hours always elite").lines == ("always open (the clock never stops)",)
    refused = desk.run(Actor("bo", "bo", "chat"), "hours always care")
    assert refused.refused and "Only team leads" in refused.title
    assert "not opening hours" in desk.run(LEAD, "hours set care mon 9-5").title
    audited = [e.action for e in team.db.state.audit if e.action.startswith("settings:")]
    assert audited == [
        "settings:sla.set",
        "settings:hours.set",
        "settings:hours.holiday",
        "settings:oncall.set",
        "settings:hours.always",
    ]


def _identity(user: str) -> Identity:
    return Identity("chat", user, user)
