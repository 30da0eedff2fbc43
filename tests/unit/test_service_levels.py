"""Service levels on fakes and a controllable clock: deadlines per tier, pings once per step, across restarts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from bot.x.length import XPostLength
from handlers.cases import actions
from handlers.cases.claim import claim, release
from handlers.cases.model import Actor, IncomingComplaint
from handlers.intake.receive import receive
from handlers.intake.triage import Triage
from handlers.outbox.kinds import CHAT_ANNOUNCE, PAGE
from handlers.outbox.runner import OutboxRunner
from handlers.people.model import Identity
from handlers.ports.clock import ManualClock
from handlers.team.oncall import Roster
from handlers.team.service_levels import check_service_levels
from handlers.team.sla import DEFAULT_POLICIES, SlaPolicy, Stage, due_stage
from tests.fakes import FakeChat, FakeDatabase, FakeDedupe

T0 = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)
LEADS_AFTER = timedelta(minutes=15)
MARIA = Actor("U0MARIA", "maria", "slack")
ONCALL = Identity("chat", "U0ONCALL")

X_LENGTH = XPostLength()


class World:
    def __init__(self) -> None:
        self.db, self.clock, self.chat = FakeDatabase(), ManualClock(T0), FakeChat()
        self.runner = OutboxRunner(self.db, self.clock, self.chat.faces())

    def arrive(self, handle: str, tier: str = "standard") -> int:
        if tier != "standard":
            with self.db() as uow:
                uow.customers.set_tier(handle, tier)
                uow.commit()
        post = IncomingComplaint("x", f"t-{handle}", handle, handle, handle, "@SqueakyAir where is my bag", T0)
        [complaint_id] = receive(self.db, self.clock, FakeDedupe(), Triage(), [post]).opened
        return complaint_id

    def sweep(self, fallback: Identity | None = ONCALL) -> list[tuple[int, Stage]]:
        return check_service_levels(self.db, self.clock, leads_after=LEADS_AFTER, fallback_on_call=fallback)

    def pings(self) -> list[tuple[str, str]]:
        rows = self.db.state.outbox.values()
        return [(r.message.kind, r.message.key) for r in rows if r.message.kind in (PAGE, CHAT_ANNOUNCE)]


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
    world.clock.advance(hours=5)
    assert world.sweep() == []
    assert [kind for kind, _ in world.pings()] == [PAGE, CHAT_ANNOUNCE]
    world.runner.run_due()
    assert world.chat.notified[0][0] == "U0ONCALL" and "waiting 60 min" in world.chat.notified[0][1]
    [(text, leads)] = world.chat.announced
    assert leads and "Still unclaimed" in text
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
    assert [key for _, key in world.pings()] == [
        f"page:squeaky-complaint-{complaint_id}:trigger2:20261122T090000",
        f"chat.announce:sla:{complaint_id}:20261122T090000@chat",
    ]


def test_a_vip_pages_on_arrival_and_claiming_acknowledges_the_page() -> None:
    world = World()
    complaint_id = world.arrive("vip_ann", tier="vip")
    assert world.sweep() == [(complaint_id, Stage.ARRIVAL)]
    claim(world.db, world.clock, complaint_id, MARIA)
    world.clock.advance(minutes=30)
    assert world.sweep() == []  # claimed: no breach ping
    payloads = [r.message.payload for r in world.db.state.outbox.values() if r.message.kind == PAGE]
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
    world.runner.run_due()
    assert world.chat.notified[0][0] == "U0LI"
    alone = World()
    alone.arrive("vip_bo", tier="vip")
    alone.sweep(fallback=None)
    alone.runner.run_due()
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
    pages = [r.message for r in world.db.state.outbox.values() if r.message.kind == PAGE]
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
    world.clock.advance(minutes=5)
    release(world.db, world.clock, complaint_id, MARIA)
    world.clock.advance(minutes=59)
    assert world.sweep() == []  # an hour from the release, not from arrival
    world.clock.advance(minutes=1)
    assert world.sweep() == [(complaint_id, Stage.ON_CALL)]
    world.clock.advance(minutes=15)
    assert world.sweep() == [(complaint_id, Stage.LEADS)]

    claim(world.db, world.clock, complaint_id, MARIA)  # and once more, through an expired claim
    world.clock.advance(minutes=20)
    assert actions.expire_claims(world.db, world.clock, timedelta(minutes=15)) == [complaint_id]
    world.clock.advance(minutes=60)
    assert world.sweep() == [(complaint_id, Stage.ON_CALL)]
    pages = [key for kind, key in world.pings() if kind == PAGE and ":trigger" in key]
    assert len(pages) == len(set(pages)) == 3  # one page per wait that earned one, none swallowed as a repeat
    assert len([key for kind, key in world.pings() if ":acknowledge:" in key]) == 2  # each claim tells the pager
    assert len([key for kind, key in world.pings() if kind == CHAT_ANNOUNCE]) == 1
