"""Service levels on fakes and a controllable clock: deadlines per tier, pings once per step, across restarts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from bot.x.length import XPostLength
from handlers.cases import actions
from handlers.cases.claim import claim, release
from handlers.domain.complaint import Actor, IncomingComplaint
from handlers.domain.outbox_kinds import Announcement, Page
from handlers.domain.people import Identity
from handlers.domain.queue import parse_queues
from handlers.domain.roster import Roster
from handlers.domain.sla import DEFAULT_POLICIES, SlaPolicy, Stage, due_stage
from handlers.intake.receive import receive
from handlers.intake.triage import Triage
from handlers.outbox.runner import OutboxRunner
from handlers.ports.clock import ManualClock
from handlers.team.service_levels import check_service_levels
from tests.fakes import FakeChat, FakeDatabase, FakeDedupe

T0 = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
LEADS_AFTER = timedelta(minutes=15)
MARIA = Actor("U0MARIA", "maria", "slack")
ONCALL = Identity("chat", "U0ONCALL")

X_LENGTH = XPostLength()


class World:
    def __init__(self, triage: Triage | None = None) -> None:
        self.db, self.clock, self.chat = FakeDatabase(), ManualClock(T0), FakeChat()
        self.triage = triage or Triage()
        self.runner = OutboxRunner(self.db, self.clock, self.chat.faces())

    def arrive(self, handle: str, tier: str = "standard") -> int:
        if tier != "standard":
            with self.db() as uow:
                uow.customers.set_tier(handle, tier)
                uow.commit()
        post = IncomingComplaint("x", f"t-{handle}", handle, handle, handle, "@SqueakyAir where is my bag", T0)
        [complaint_id] = receive(self.db, self.clock, FakeDedupe(), self.triage, [post]).opened
        return complaint_id

    def deliver(self) -> None:
        """Carry out the outbox until nothing is left to do (an alert goes on a pass after the VIP cards before it)."""
        while self.runner.run_due(1000):
            pass

    def sweep(self, fallback: Identity | None = ONCALL) -> list[tuple[int, Stage]]:
        return check_service_levels(self.db, self.clock, leads_after=LEADS_AFTER, fallback_on_call=fallback)

    def pings(self) -> list[tuple[str, str]]:
        rows = self.db.state.outbox.values()
        return [(r.message.kind, r.message.key) for r in rows if r.message.kind in (Page.KIND, Announcement.KIND)]


def test_the_stage_follows_the_tier_deadline() -> None:
    vip, standard = DEFAULT_POLICIES["vip"], DEFAULT_POLICIES["standard"]
    assert due_stage(T0, vip, LEADS_AFTER, T0) is Stage.ARRIVAL
    assert due_stage(T0, standard, LEADS_AFTER, T0) is Stage.NONE
    assert due_stage(T0, vip, LEADS_AFTER, T0 + timedelta(minutes=5)) is Stage.ON_CALL
    assert due_stage(T0, standard, LEADS_AFTER, T0 + timedelta(minutes=59)) is Stage.NONE
    assert due_stage(T0, standard, LEADS_AFTER, T0 + timedelta(minutes=75)) is Stage.LEADS


def test_an_unclaimed_complaint_pings_on_call_then_the_leads_each_once() -> None:
    world = World()
    complaint_id = world.arrive("ann")
    world.clock.advance(minutes=59)
    assert world.sweep() == []
    world.clock.advance(minutes=1)
    assert world.sweep() == [(complaint_id, Stage.ON_CALL)]
    assert world.sweep() == []  # a second pass (or a second worker) sends nothing more
    world.clock.advance(minutes=15)
    assert world.sweep() == [(complaint_id, Stage.LEADS)]
    assert [kind for kind, _ in world.pings()] == [Page.KIND, Announcement.KIND]
    world.deliver()
    assert world.chat.notified[0][0] == "U0ONCALL"
    assert "1 complaint past their service level on Care team, the oldest waiting 60 min" in world.chat.notified[0][1]
    [(text, leads)] = world.chat.announced
    assert leads and "the oldest waiting 75 min; on-call was paged. Can someone take them?" in text
    world.clock.advance(hours=5)
    assert world.sweep() == []  # no complaint moved a step; the leads' message says how long it has waited now
    assert [kind for kind, _ in world.pings()] == [Page.KIND, Announcement.KIND, Announcement.KIND]
    world.deliver()
    edited, leads = world.chat.announced[-1]
    assert edited.startswith("(edit a1) ") and "the oldest waiting 375 min" in edited  # the same message, updated
    audited = [e.action for e in world.db.state.audit if e.complaint_id == complaint_id]
    assert audited.count("ping:on_call") == 1 and audited.count("ping:leads") == 1


def test_timers_live_in_storage_so_a_restart_neither_loses_nor_repeats_a_ping() -> None:
    world = World()
    complaint_id = world.arrive("ann")
    world.clock.advance(minutes=61)
    assert world.sweep() == [(complaint_id, Stage.ON_CALL)]
    restarted = World()  # a new process: new runner and clock, the same database
    restarted.db, restarted.clock = world.db, ManualClock(world.clock.now() + timedelta(minutes=20))
    assert restarted.sweep() == [(complaint_id, Stage.LEADS)]
    assert restarted.sweep() == []


def test_after_an_outage_both_steps_are_owed_but_no_late_arrival_ping() -> None:
    world = World()
    complaint_id = world.arrive("vip_ann", tier="vip")
    world.clock.advance(hours=3)  # nothing ran for three hours
    assert world.sweep() == [(complaint_id, Stage.LEADS)]
    assert [key for _, key in world.pings()] == [  # the queue's alert: no arrival page three hours late
        "page:squeaky-late-care-20261122T120000:trigger:",
        "chat.announce:squeaky-late-care-20261122T120000:0@chat",
    ]


def test_a_vip_pages_on_arrival_and_claiming_acknowledges_the_page() -> None:
    world = World()
    complaint_id = world.arrive("vip_ann", tier="vip")
    assert world.sweep() == [(complaint_id, Stage.ARRIVAL)]
    claim(world.db, world.clock, complaint_id, MARIA)
    world.clock.advance(minutes=30)
    assert world.sweep() == []  # claimed: no breach ping
    payloads = [r.message.payload for r in world.db.state.outbox.values() if r.message.kind == Page.KIND]
    assert [p["action"] for p in payloads] == ["trigger", "acknowledge"]


def test_a_standard_customer_does_not_page_on_arrival_unless_the_lead_says_so() -> None:
    world = World()
    world.arrive("bob")
    assert world.sweep() == []
    with world.db() as uow:
        uow.team.set_sla_policy(SlaPolicy("standard", 60, 240, page_on_arrival=True))
        uow.commit()
    assert [stage for _, stage in world.sweep()] == [Stage.ARRIVAL]


def test_the_rostered_person_is_paged_and_nobody_on_call_goes_to_the_channel() -> None:
    world = World()
    with world.db() as uow:
        uow.team.set_roster(Roster(("U0LI",)))
        uow.commit()
    world.arrive("vip_ann", tier="vip")
    world.sweep(fallback=None)
    world.deliver()
    assert world.chat.notified[0][0] == "U0LI"
    alone = World()
    alone.arrive("vip_bo", tier="vip")
    alone.sweep(fallback=None)
    alone.deliver()
    assert alone.chat.notified == [] and "Nobody is on call" in alone.chat.announced[0][0]


def test_deadlines_are_the_same_instant_whatever_zone_the_times_come_in() -> None:
    kolkata = timezone(timedelta(hours=5, minutes=30))
    received = datetime(2026, 11, 22, 14, 30, tzinfo=kolkata)  # 09:00 UTC
    standard = DEFAULT_POLICIES["standard"]
    assert due_stage(received, standard, LEADS_AFTER, datetime(2026, 11, 22, 9, 59, tzinfo=UTC)) is Stage.NONE
    assert due_stage(received, standard, LEADS_AFTER, datetime(2026, 11, 22, 10, 0, tzinfo=UTC)) is Stage.ON_CALL
    new_york = timezone(timedelta(hours=-5))
    assert due_stage(received, standard, LEADS_AFTER, datetime(2026, 11, 22, 5, 15, tzinfo=new_york)) is Stage.LEADS


def test_the_page_is_resolved_once_the_complaint_is_handled() -> None:
    world = World()
    complaint_id = world.arrive("vip_ann", tier="vip")
    world.sweep()
    claim(world.db, world.clock, complaint_id, MARIA)
    actions.acknowledge(world.db, world.clock, complaint_id, MARIA, "We hear you, Ann.", length=X_LENGTH)
    actions.close(world.db, world.clock, complaint_id, MARIA)
    pages = [r.message for r in world.db.state.outbox.values() if r.message.kind == Page.KIND]
    assert [(p.payload["action"], p.payload["alert"]) for p in pages] == [
        ("trigger", f"squeaky-complaint-{complaint_id}"),
        ("acknowledge", f"squeaky-complaint-{complaint_id}"),
        ("resolve", f"squeaky-complaint-{complaint_id}"),  # once, though both the reply and the close handled it
    ]


def test_a_complaint_back_in_the_queue_starts_its_own_ladder() -> None:
    """Paged, claimed, then released (or its claim expired): the new wait pages again, timed from the release."""
    world = World()
    complaint_id = world.arrive("ann")
    world.clock.advance(minutes=61)
    assert world.sweep() == [(complaint_id, Stage.ON_CALL)]
    claim(world.db, world.clock, complaint_id, MARIA)
    assert world.sweep() == []  # the queue's alert closes: nothing there is past its level now
    world.clock.advance(minutes=5)
    release(world.db, world.clock, complaint_id, MARIA)
    world.clock.advance(minutes=59)
    assert world.sweep() == []  # an hour from the release, not from arrival
    world.clock.advance(minutes=1)
    assert world.sweep() == [(complaint_id, Stage.ON_CALL)]
    world.clock.advance(minutes=15)
    assert world.sweep() == [(complaint_id, Stage.LEADS)]

    claim(world.db, world.clock, complaint_id, MARIA)  # and once more, through an expired claim
    assert world.sweep() == []
    world.clock.advance(minutes=20)
    assert actions.expire_claims(world.db, world.clock, timedelta(minutes=15)) == [complaint_id]
    world.clock.advance(minutes=60)
    assert world.sweep() == [(complaint_id, Stage.ON_CALL)]
    pages = [key for kind, key in world.pings() if kind == Page.KIND and ":trigger" in key]
    assert len(pages) == len(set(pages)) == 3  # one page per wait that earned one, none swallowed as a repeat
    assert len([key for kind, key in world.pings() if ":resolve:" in key]) == 2  # each claim closed its alert
    announced = [key for kind, key in world.pings() if kind == Announcement.KIND]
    assert len(announced) == 2 and announced[1].endswith(":caught-up@chat")  # the leads' call, then "caught up"


def test_a_storm_of_late_complaints_makes_one_page_and_one_leads_call_per_queue_never_one_per_complaint() -> None:
    queues = parse_queues(
        {
            "queues": [{"name": "elite", "title": "Elite desk", "tiers": ["vip"], "channels": {"chat": "C0ELITE"}}],
            "default": {"name": "care", "title": "Care team"},
        }
    )
    world = World(Triage(queues=queues))
    standard = [world.arrive(f"std{n}") for n in range(37)]
    vips = [world.arrive(f"vip{n}", tier="vip") for n in range(3)]

    def sweep() -> list[tuple[int, Stage]]:
        return check_service_levels(
            world.db, world.clock, leads_after=LEADS_AFTER, fallback_on_call=ONCALL, queues=queues
        )

    assert len(sweep()) == 3  # the VIPs' own arrival pages
    world.clock.advance(minutes=61)
    assert len(sweep()) == 40  # every complaint moved a step, each audited ...
    triggers = [key for kind, key in world.pings() if kind == Page.KIND and ":trigger" in key]
    assert len(triggers) == 3 + 2  # ... but one page per queue, beside the VIPs' arrival pages
    world.deliver()
    paged = [text for _, text, _ in world.chat.notified if "past their service level" in text]
    assert sorted(paged) == [
        "3 complaints past their service level on Elite desk, the oldest waiting 61 min",
        "37 complaints past their service level on Care team, the oldest waiting 61 min",
    ]
    world.clock.advance(minutes=15)
    sweep()
    world.deliver()
    calls = [text for text, leads in world.chat.announced if leads and not text.startswith("(edit ")]
    assert len(calls) == 2 and any(text.startswith("37 complaints") for text in calls)
    for complaint_id in standard[:30]:
        claim(world.db, world.clock, complaint_id, MARIA)
    sweep()  # the count moved, but the last word was said under a minute ago
    world.clock.advance(minutes=1)
    sweep()
    world.deliver()
    assert world.chat.announced[-1][0].startswith("(edit ") and "7 complaints past" in world.chat.announced[-1][0]
    for complaint_id in standard[30:] + vips:
        claim(world.db, world.clock, complaint_id, MARIA)
    sweep()
    world.deliver()
    caught_up = [text for text, _ in world.chat.announced if "Caught up" in text]
    assert len(caught_up) == 2 and any("(37 at most)" in text for text in caught_up)
    resolved = [r.message.payload["alert"] for r in world.db.state.outbox.values() if ":resolve:" in r.message.key]
    assert len([a for a in resolved if a.startswith("squeaky-late-")]) == 2
    announces = [r for r in world.db.state.outbox.values() if r.message.kind == Announcement.KIND]
    assert {r.message.payload["channel"] for r in announces} == {"C0ELITE", ""}  # each queue's own channel
    assert len(world.chat.notified) == 3 + 2  # on-call heard of 40 late complaints twice, not 40 times


def test_the_leads_call_is_never_ranked_ahead_of_a_waiting_vip_card() -> None:
    world = World()
    late = world.arrive("ann")
    world.clock.advance(minutes=76)
    world.sweep()
    vip = world.arrive("vip_bo", tier="vip")
    rows = world.db.state.outbox.values()
    [call] = [r for r in rows if r.message.kind == Announcement.KIND]
    [card] = [r for r in rows if r.message.complaint_id == vip and r.message.kind.startswith("card.post")]
    assert call.rank == world.db.state.ranks[late] < card.rank
