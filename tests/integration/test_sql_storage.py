"""SQL repositories on both backends: one row per (source, external id), time zones kept, outbox leases exclusive."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import Engine, func, select, text

from bot.config import Settings
from handlers.dispatch.fan_out import send
from handlers.domain.activity import ActivityLine
from handlers.domain.complaint import SYSTEM, CardRef, IncomingComplaint, NewCase
from handlers.domain.outbox_kinds import CardPost, ThreadLine
from handlers.domain.people import Identity
from handlers.domain.storm import Storm
from handlers.intake.receive import receive
from handlers.intake.triage import Triage
from handlers.ports.clock import ManualClock
from handlers.ports.outbox import NewOutboxMessage
from storage.memory.keys import MemoryDedupe
from storage.sql.engine import make_engine
from storage.sql.migrate import upgrade
from storage.sql.statistics import PlannerStatistics
from storage.sql.tables import complaints, messages, outbox
from storage.sql.unit_of_work import SqlUnitOfWorkFactory

pytestmark = pytest.mark.integration
T0 = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)


def test_the_same_tweet_from_ten_workers_at_once_is_stored_once(engine: Engine) -> None:
    clock = ManualClock(T0)
    uow = SqlUnitOfWorkFactory(engine, clock, surfaces=("slack",))
    incoming = IncomingComplaint("x", "42", "9", "ann", "Ann", "again", T0)
    start = threading.Barrier(10)

    def deliver(_: int) -> list[int]:
        start.wait()
        return receive(uow, clock, MemoryDedupe(), Triage(), [incoming]).opened  # each worker its own dedupe

    with ThreadPoolExecutor(10) as pool:
        opened = [ids for ids in pool.map(deliver, range(10)) if ids]
    assert opened == [[1]]
    with engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(complaints)).scalar() == 1
        assert connection.execute(select(func.count()).select_from(messages)).scalar() == 1
        assert connection.execute(select(func.count()).select_from(outbox)).scalar() == 1


def test_cases_come_back_with_their_triage_and_times_in_utc(engine: Engine) -> None:
    uow = SqlUnitOfWorkFactory(engine, ManualClock(T0), surfaces=("slack",))
    paris = datetime(2026, 11, 22, 10, 0, tzinfo=timezone(timedelta(hours=1)))
    item = IncomingComplaint("x", "1", "9", "Ann", "A", "t", paris, conversation_id="1")
    case = NewCase(
        item, T0, "vip", "baggage", "S0BAGS", 80, ("VIP tier (+50)", "urgent (+30)"), 12.5, "passing mention"
    )
    with uow() as u:
        [case_id] = u.complaints.add_many([case])
        u.commit()
    with uow() as u:
        stored = u.complaints.get(case_id)
        index = u.complaints.thread_index("x", set(), {"1"}, {"ann"})
    assert stored is not None
    assert stored.created_at == T0 and stored.created_at.tzinfo is not None
    assert (stored.tier, stored.topic, stored.skill_group, stored.priority) == ("vip", "baggage", "S0BAGS", 80)
    assert stored.priority_reasons == ("VIP tier (+50)", "urgent (+30)") and stored.noise_rule == "passing mention"
    assert index.by_conversation == {"1": case_id} and index.by_author["ann"].id == case_id


def test_outbox_lease_is_exclusive_and_respects_availability(engine: Engine) -> None:
    clock = ManualClock(T0)
    uow = SqlUnitOfWorkFactory(engine, clock, surfaces=("slack",))
    with uow() as u:
        send(u, [NewOutboxMessage(CardPost(), "k1", None)])  # the core names the surface and channel
        send(u, [NewOutboxMessage(CardPost(channels={"slack": "C2"}), "k1", None)])  # same idempotency key: ignored
        u.commit()
    with uow() as u:
        first = u.outbox.lease_due(T0, 30, 10)
        u.commit()
    with uow() as u:
        second = u.outbox.lease_due(T0, 30, 10)
        u.commit()
    assert [m.payload for m in first] == [{"surface": "slack", "channel": ""}] and second == []
    assert [m.body() for m in first] == [CardPost(surface="slack", channel="")]
    with uow() as u:
        u.outbox.retry_later(first[0].id, T0 + timedelta(seconds=60), "429", first[0].lease)
        u.commit()
    with uow() as u:
        assert u.outbox.lease_due(T0 + timedelta(seconds=59), 30, 10) == []
        again = u.outbox.lease_due(T0 + timedelta(seconds=61), 30, 10)
        u.commit()
    assert [m.attempts for m in again] == [2]


def test_the_outbox_stores_what_the_core_hands_it_and_the_core_gives_each_surface_its_message(engine: Engine) -> None:
    clock = ManualClock(T0)
    uow = SqlUnitOfWorkFactory(engine, clock, surfaces=("slack", "teams"))
    incoming = IncomingComplaint("x", "42", "9", "ann", "Ann", "my bag is lost", T0)
    (case,) = receive(uow, clock, MemoryDedupe(), Triage(), [incoming]).opened
    with uow() as u:
        u.complaints.add_card(case, CardRef("slack", "C9", {"ts": "1.1"}))
        u.outbox.enqueue_many(
            [NewOutboxMessage(ThreadLine(line=ActivityLine(SYSTEM, "as handed")), "stored-as-is", case)]
        )
        send(u, [NewOutboxMessage(ThreadLine(line=ActivityLine(SYSTEM, "claimed")), "log", case)])
        u.commit()
    with engine.connect() as c:
        rows = c.execute(select(outbox.c.key, outbox.c.payload).where(outbox.c.kind == ThreadLine.KIND)).all()
    assert sorted((key, p["text"], p.get("surface"), p.get("channel")) for key, p in rows) == [
        ("log@slack", "claimed", "slack", "C9"),  # where its card is
        ("log@teams", "claimed", "teams", ""),  # no card there yet: the surface's own
        ("stored-as-is", "as handed", None, None),
    ]


def test_a_batch_of_outbox_messages_is_stored_in_order_each_key_once(engine: Engine) -> None:
    clock = ManualClock(T0)
    uow = SqlUnitOfWorkFactory(engine, clock, surfaces=("slack",))
    (case,) = receive(
        uow, clock, MemoryDedupe(), Triage(), [IncomingComplaint("x", "7", "9", "ann", "A", "t", T0)]
    ).opened

    def line(text_: str) -> ThreadLine:
        return ThreadLine(line=ActivityLine(SYSTEM, text_))

    with uow() as u:
        u.outbox.enqueue_many([NewOutboxMessage(line("first"), "k1", case, 2.5)])
        u.commit()
    with uow() as u:
        u.outbox.enqueue_many(
            [
                NewOutboxMessage(line("again"), "k1", case, 9.0),  # stored already: skipped
                NewOutboxMessage(line("held"), "k2", case, 1.5, held=True),
                NewOutboxMessage(line("no case"), "k3", None),
                NewOutboxMessage(line("twice"), "k2", case),  # twice in one batch: the first is kept
            ]
        )
        u.commit()
    with engine.connect() as c:
        query = select(outbox.c.key, outbox.c.payload, outbox.c.status, outbox.c.rank, outbox.c.complaint_id)
        rows = c.execute(query.where(outbox.c.key.in_(["k1", "k2", "k3"])).order_by(outbox.c.id)).all()
        at = c.execute(select(outbox.c.available_at, outbox.c.created_at).where(outbox.c.key == "k3")).one()
    assert [(r.key, r.payload["text"], r.status, r.rank, r.complaint_id) for r in rows] == [
        ("k1", "first", "pending", 2.5, case),
        ("k2", "held", "held", 1.5, case),
        ("k3", "no case", "pending", 0.0, None),
    ]
    assert tuple(at) == (T0, T0)


def test_a_follow_up_goes_to_its_cards_channels_and_updates_only_a_card_that_is_out(engine: Engine) -> None:
    clock = ManualClock(T0)
    uow = SqlUnitOfWorkFactory(engine, clock, surfaces=("slack", "teams"))
    dedupe, triage = MemoryDedupe(), Triage()
    first = [
        IncomingComplaint("x", "1", "9", "ann", "Ann", "my bag is lost", T0),
        IncomingComplaint("x", "2", "8", "bob", "Bob", "my flight is late", T0),
    ]
    carded, bare = receive(uow, clock, dedupe, triage, first).opened
    with uow() as u:
        u.complaints.add_card(carded, CardRef("slack", "C9", {"ts": "1.1"}))
        u.complaints.add_card(carded, CardRef("teams", "T9", {"activity": "a"}))
        u.commit()
    later = T0 + timedelta(minutes=1)
    again = [
        IncomingComplaint("x", "3", "9", "ann", "Ann", "still lost", later, in_reply_to_id="1"),
        IncomingComplaint("x", "4", "8", "bob", "Bob", "still late", later, in_reply_to_id="2"),
    ]
    assert receive(uow, clock, dedupe, triage, again).threaded == 2
    with engine.connect() as c:
        query = select(outbox.c.key, outbox.c.payload).where(outbox.c.complaint_id.in_([carded, bare]))
        rows = {key: (p.get("surface"), p.get("channel")) for key, p in c.execute(query) if "post" not in key}
    assert rows == {
        "card.followup:x:3@slack": ("slack", "C9"),
        "card.followup:x:3@teams": ("teams", "T9"),
        f"card.update:{carded}:f1@slack": ("slack", "C9"),
        f"card.update:{carded}:f1@teams": ("teams", "T9"),
        "card.followup:x:4@slack": ("slack", ""),
        "card.followup:x:4@teams": ("teams", ""),
    }


def test_customers_and_checkpoints(engine: Engine) -> None:
    uow = SqlUnitOfWorkFactory(engine, ManualClock(T0), surfaces=("slack",))
    with uow() as u:
        assert u.customers.tier_of("@Ann") == "standard"
        u.customers.set_tier("@Ann", "vip")
        u.checkpoints.set("x:mentions:1", "100")
        u.checkpoints.set("x:mentions:1", "200")
        u.commit()
    with uow() as u:
        assert u.customers.tier_of("ann") == "vip"
        assert u.checkpoints.get("x:mentions:1") == "200"
        assert u.checkpoints.get("nope") is None


def test_leaving_without_commit_rolls_back(engine: Engine) -> None:
    uow = SqlUnitOfWorkFactory(engine, ManualClock(T0), surfaces=("slack",))
    with uow() as u:
        u.checkpoints.set("x", "1")
    with uow() as u:
        assert u.checkpoints.get("x") is None


def test_planner_statistics_are_refreshed_after_a_fair_share_of_writes(pg_url: str) -> None:
    upgrade(pg_url)
    engine = make_engine(pg_url)
    try:
        keeper = PlannerStatistics(engine, share=0.5, floor=10)
        assert keeper.wrote(9) is False
        assert keeper.wrote(991) is True  # 1,000 rows written: past the floor
        keeper.wait()  # it runs beside the writer
        assert keeper.wrote(400) is False  # under half of the 1,000 the tables held at the last ANALYZE
        assert keeper.wrote(100) is True
        keeper.wait()
        with engine.connect() as connection:
            analyzed = connection.execute(
                text(
                    "SELECT count(*) FROM pg_stat_user_tables WHERE relname = 'complaints' AND last_analyze IS NOT NULL"
                )
            ).scalar()
        assert analyzed == 1
        assert PlannerStatistics(make_engine("sqlite://")).wrote(10**6) is False  # SQLite plans without them
    finally:
        engine.dispose()


def test_planner_statistics_run_beside_the_writer_one_at_a_time(pg_url: str) -> None:
    upgrade(pg_url)
    engine = make_engine(pg_url)
    try:
        keeper = PlannerStatistics(engine, share=0.5, floor=10)
        with engine.connect() as holder:  # ANALYZE waits for this lock: the refresh stays under way
            holder.execute(text("LOCK TABLE complaints IN SHARE UPDATE EXCLUSIVE MODE"))
            assert keeper.wrote(1000) is True  # started, and the writer did not wait for it
            assert keeper.wrote(600) is False  # past the share, but one is under way: these rows count towards the next
            holder.rollback()
        keeper.wait()
        assert keeper.wrote(1) is True  # the 600 counted: 601 rows past half of the 1,000
        keeper.wait()
        with engine.connect() as connection:
            analyzed = connection.execute(
                text("SELECT analyze_count FROM pg_stat_user_tables WHERE relname = 'complaints'")
            ).scalar()
        assert analyzed == 2
    finally:
        engine.dispose()


def test_a_person_keeps_their_name_when_an_identity_without_one_resolves_to_them(engine: Engine) -> None:
    """ONCALL_USER and bare mentions name no one: resolving them must not rename the person a click named."""
    uow = SqlUnitOfWorkFactory(engine, ManualClock(T0), surfaces=("slack",))
    with uow() as unit:
        maria = unit.people.resolve(Identity("slack", "U0ONCALL", "maria"))
        again = unit.people.resolve(Settings(oncall_user="U0ONCALL").fallback_on_call)  # type: ignore[arg-type]
        renamed = unit.people.resolve(Identity("slack", "U0ONCALL", "maria.k"))
        unit.commit()
    assert (again.key, again.name) == (maria.key, "maria")
    assert (renamed.key, renamed.name) == (maria.key, "maria.k")
    with uow() as unit:
        assert unit.people.get_many([maria.key])[maria.key].name == "maria.k"


def test_ten_first_clicks_by_one_new_person_at_once_make_one_person(engine: Engine) -> None:
    """Ten web threads meeting someone new at once agree on one person (the losers' rows are taken back)."""
    uow = SqlUnitOfWorkFactory(engine, ManualClock(T0), surfaces=("slack",))
    start = threading.Barrier(10)

    def first_click(_: int) -> str:
        start.wait()
        with uow() as unit:
            person = unit.people.resolve(Identity("slack", "U0EVE", "eve"))
            unit.commit()
        return person.key

    with ThreadPoolExecutor(10) as pool:
        keys = set(pool.map(first_click, range(10)))
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT id FROM people")).scalars().all()
    assert len(keys) == 1
    assert [str(r) for r in rows] == list(keys)


def test_a_storm_is_started_by_one_worker_of_two(engine: Engine) -> None:
    """Two workers starting the same queue's storm: the first is told it started it, the second that one is on."""
    uow = SqlUnitOfWorkFactory(engine, ManualClock(T0), surfaces=("slack",))
    started = []
    for _ in range(2):
        with uow() as unit:
            started.append(unit.team.start_storm("airline", Storm(since=T0)))
            unit.commit()
    assert started == [True, False]
