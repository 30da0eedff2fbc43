"""Several workers on one database: only the current lease finishes a message, a slow delivery keeps its lease and
runs once, each channel keeps its rank order across workers, and a reply stored beside its parent by another worker
threads onto the parent's case."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest
import redis
from sqlalchemy import Engine, func, select, text

from handlers.cases.claim import claim
from handlers.dispatch.fan_out import send
from handlers.domain.complaint import CardRef, IncomingComplaint, Message, Status
from handlers.domain.outbox_kinds import Announcement
from handlers.intake.receive import MAX_POSTS_PER_TRANSACTION, receive
from handlers.intake.stream_batches import consume_once
from handlers.intake.stream_codec import to_entry
from handlers.intake.topics import Topic, TopicRules
from handlers.intake.triage import Triage
from handlers.outbox.runner import OutboxRunner
from handlers.ports.clock import ManualClock, SystemClock
from handlers.ports.outbox import NewOutboxMessage
from handlers.ports.surfaces import Notice
from storage.memory.keys import MemoryDedupe
from storage.redis.stream import RedisStreamQueue
from storage.sql.engine import make_engine
from storage.sql.migrate import upgrade
from storage.sql.tables import complaints, outbox
from storage.sql.unit_of_work import SqlUnitOfWork, SqlUnitOfWorkFactory
from tests.fakes import SURFACE, FakeChat, card_ref, plain
from tests.integration.test_team_stats import T0
from tests.people import slack_person

pytestmark = [pytest.mark.integration, pytest.mark.alone]


class SlowChat(FakeChat):
    """A chat tool that is alive but slow: each announcement takes `seconds(text)` and is recorded when it lands."""

    def __init__(self, seconds: Callable[[str], float]) -> None:
        super().__init__()
        self._seconds = seconds
        self.landed: list[tuple[str, str]] = []
        self._lock = threading.Lock()

    def announce(self, channel: str, notice: Notice, *, ref: CardRef | None = None) -> CardRef:
        said = plain(notice.text)
        time.sleep(self._seconds(said))
        with self._lock:
            self.landed.append((channel, said))
        return card_ref(channel, f"2000.{len(self.landed):06d}")


def announcements(uow: SqlUnitOfWorkFactory, channels: list[str], each: int) -> list[str]:
    """Queue `each` announcements per channel, ranked so that the first queued goes first; return their texts."""
    said, batch = [], []
    for n in range(each):
        for channel in channels:
            words = f"{channel} notice {n}"
            said.append(words)
            notice = Announcement(text=words, channels={SURFACE: channel})
            batch.append(NewOutboxMessage(notice, f"notice:{channel}:{n}", None, 1000.0 - n))
    with uow() as unit:
        send(unit, batch)  # one message per surface, in its queue's channel there
        unit.commit()
    return said


def run_workers(runners: list[OutboxRunner], engine: Engine, limit: int, within: float = 30.0) -> None:
    """Run each runner on its own thread, as a worker's delivery loop would, until nothing is pending."""
    stop = threading.Event()

    def loop(runner: OutboxRunner) -> None:
        while not stop.is_set():
            if not runner.run_due(limit):
                time.sleep(0.01)

    threads = [threading.Thread(target=loop, args=(r,), daemon=True) for r in runners]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + within
    try:
        while time.monotonic() < deadline:
            with engine.connect() as c:
                if not c.execute(select(func.count()).where(outbox.c.status == "pending")).scalar():
                    break
            time.sleep(0.05)
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=10)


def test_only_the_current_lease_finishes_a_message(engine: Engine) -> None:
    clock = ManualClock(T0)
    uow = SqlUnitOfWorkFactory(engine, clock, surfaces=(SURFACE,))
    announcements(uow, ["C1"], 1)
    with uow() as u:
        [first] = u.outbox.lease_due(clock.now(), 30, 10)
        u.commit()
    clock.advance(seconds=31)  # the first worker stalled past its lease: a second one takes the message over
    with uow() as u:
        [second] = u.outbox.lease_due(clock.now(), 30, 10)
        u.commit()
    assert first.id == second.id and first.lease != second.lease and second.attempts == 2
    with uow() as u:
        assert u.outbox.mark_done(first.id, clock.now(), first.lease) is False
        assert u.outbox.retry_later(first.id, clock.now(), "late", first.lease) is False
        assert u.outbox.release(first.id, clock.now(), first.lease) is False
        assert u.outbox.give_up(first.id, clock.now(), "late", first.lease) is False
        assert u.outbox.renew(first.lease, [first.id], clock.now() + timedelta(seconds=30)) == set()
        assert u.outbox.renew(second.lease, [second.id], clock.now() + timedelta(seconds=30)) == {second.id}
        assert u.outbox.mark_done(second.id, clock.now(), second.lease) is True
        u.commit()
    with engine.connect() as c:
        assert c.execute(select(outbox.c.status, outbox.c.attempts, outbox.c.lease)).one() == ("done", 2, None)


def test_a_killed_workers_leases_are_free_once_it_falls_silent(engine: Engine) -> None:
    clock = ManualClock(T0)
    uow = SqlUnitOfWorkFactory(engine, clock, surfaces=(SURFACE,))
    announcements(uow, ["C1"], 2)
    with uow() as u:
        for name in ("killed", "alive"):
            u.workers.beat(name, clock.now())
        [first] = u.outbox.lease_due(clock.now(), 30, 1, owner="killed")  # then SIGKILL: no beat, no finish
        u.commit()
    clock.advance(seconds=3)
    with uow() as u:
        u.workers.beat("alive", clock.now())
        assert u.outbox.lease_due(clock.now(), 30, 10, owner="alive") == []  # its channel is still held: in order
        u.commit()
    clock.advance(seconds=3)  # six seconds without a beat: gone, 24 s before its lease would have expired
    with uow() as u:
        u.workers.beat("alive", clock.now())
        assert u.workers.silent(clock.now()) == ["killed"]
        taken = u.outbox.lease_due(clock.now(), 30, 10, owner="alive")
        u.commit()
    assert [m.id for m in taken][:1] == [first.id] and len(taken) == 2 and taken[0].attempts == 2
    with uow() as u:
        assert u.outbox.mark_done(first.id, clock.now(), first.lease) is False  # the killed worker's word is void
        u.commit()


def test_a_slow_delivery_keeps_its_lease_and_is_carried_out_once(engine: Engine) -> None:
    clock = SystemClock()
    uow = SqlUnitOfWorkFactory(engine, clock, surfaces=(SURFACE,))
    chat = SlowChat(lambda _said: 0.25)  # each call outlasts half the lease: a batch of nine outlasts it four times
    said = announcements(uow, ["C1", "C2", "C3"], 3)
    workers = [OutboxRunner(uow, clock, chat.faces(), lease_seconds=0.6) for _ in range(2)]
    run_workers(workers, engine, limit=50)
    assert sorted(words for _channel, words in chat.landed) == sorted(said)  # each once: none taken over and rerun
    with engine.connect() as c:
        assert set(c.execute(select(outbox.c.status)).scalars()) == {"done"}


def test_a_long_batch_gives_back_what_it_has_not_started(engine: Engine) -> None:
    clock = SystemClock()
    uow = SqlUnitOfWorkFactory(engine, clock, surfaces=(SURFACE,))
    chat = SlowChat(lambda _said: 0.6)
    announcements(uow, ["C1"], 6)
    OutboxRunner(uow, clock, chat.faces()).run_due(50)  # two calls outlast the batch's second: the rest goes back
    assert [words for _channel, words in chat.landed] == ["C1 notice 0", "C1 notice 1"]
    with engine.connect() as c:
        rows = c.execute(select(outbox.c.status, outbox.c.attempts, outbox.c.lease).order_by(outbox.c.id)).all()
    assert rows == [("done", 1, None)] * 2 + [("pending", 0, None)] * 4  # untried, their chances untouched


def test_two_workers_keep_each_channels_rank_order(engine: Engine) -> None:
    clock = SystemClock()
    uow = SqlUnitOfWorkFactory(engine, clock, surfaces=(SURFACE,))
    # the first of each batch is slow: a second worker taking the channel's next ones would land them ahead of it
    chat = SlowChat(lambda said: 0.15 if int(said.rsplit(" ", 1)[1]) % 3 == 0 else 0.0)
    said = announcements(uow, ["C1", "C2"], 12)
    workers = [OutboxRunner(uow, clock, chat.faces()) for _ in range(3)]
    run_workers(workers, engine, limit=3)
    for channel in ("C1", "C2"):
        landed = [words for where, words in chat.landed if where == channel]
        assert landed == [w for w in said if w.startswith(channel)]  # in rank order, every one once


@dataclass(frozen=True)
class PausingTopics(TopicRules):
    """Topic rules that hold the transaction of a post saying "PAUSE" open at triage until `pause` returns."""

    pause: Callable[[], None] = field(default=lambda: None)

    def classify(self, text: str) -> Topic:
        """Pause on the marked post, then classify as usual."""
        if "PAUSE" in text:
            self.pause()
        return super().classify(text)


@pytest.fixture
def pg_engine(pg_url: str) -> Iterator[Engine]:
    """A migrated PostgreSQL database (SQLite lets one writer in at a time: there is no race to show there)."""
    upgrade(pg_url)
    engine = make_engine(pg_url, pool_size=5)
    yield engine
    engine.dispose()


def test_a_reply_stored_beside_its_parent_by_another_worker_joins_the_parents_case(pg_engine: Engine) -> None:
    clock = SystemClock()
    uow = SqlUnitOfWorkFactory(pg_engine, clock, surfaces=(SURFACE,))
    now = datetime.now(UTC)
    parent = IncomingComplaint("x", "100", "9", "ann", "Ann", "my bag is lost PAUSE", now, conversation_id="100")
    reply = IncomingComplaint(
        "x", "101", "8", "bob", "Bob", "same here, mine too", now, in_reply_to_id="100", conversation_id="100"
    )
    first_in, second_done = threading.Event(), threading.Event()

    def hold_until_the_second_worker_is_in() -> None:
        first_in.set()
        # the first worker has read the open cases and not committed: wait until the second one is stored, or is
        # waiting for a lock (the advisory locks of the threads it shares with this transaction)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not second_done.is_set():
            with pg_engine.connect() as c:
                if c.execute(
                    text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
                ).scalar():
                    return
            time.sleep(0.01)

    pausing = Triage(topics=PausingTopics(topics=(), pause=hold_until_the_second_worker_is_in))
    first = threading.Thread(target=receive, args=(uow, clock, MemoryDedupe(), pausing, [parent]))
    first.start()
    assert first_in.wait(10)  # the first worker's transaction has read the open cases

    def second_worker() -> None:
        receive(uow, clock, MemoryDedupe(), Triage(), [reply])
        second_done.set()

    second = threading.Thread(target=second_worker)
    second.start()
    first.join(timeout=20)
    second.join(timeout=20)
    with pg_engine.connect() as c:
        assert c.execute(select(func.count()).select_from(complaints)).scalar() == 1  # one case, not two
        assert c.execute(select(complaints.c.followup_count)).scalar() == 1


class CountingUnitOfWork(SqlUnitOfWork):
    """A unit of work that notes how many posts each transaction stores."""

    sizes: list[int]

    def __enter__(self) -> SqlUnitOfWork:
        unit = super().__enter__()
        store, sizes = unit.messages.add_many, self.sizes

        def add_many(messages: list[Message]) -> None:
            sizes.append(len(messages))
            store(messages)

        unit.messages.add_many = add_many  # type: ignore[method-assign]
        return unit


def test_two_workers_store_a_storm_in_bounded_transactions_while_an_agent_claims(
    pg_engine: Engine, redis_client: redis.Redis
) -> None:
    clock = SystemClock()
    uow = SqlUnitOfWorkFactory(pg_engine, clock, surfaces=(SURFACE,))
    sizes: list[int] = []

    def counting() -> SqlUnitOfWork:
        unit = CountingUnitOfWork(pg_engine, clock, (SURFACE,))
        unit.sizes = sizes
        return unit

    stream = RedisStreamQueue(redis_client, "test:storm", "workers")
    now = datetime.now(UTC)
    first = [IncomingComplaint("x", f"{n}", f"a{n}", f"c{n}", "C", "my bag is lost", now) for n in range(1500)]
    replies = [
        IncomingComplaint("x", f"r{n}", f"a{n}", f"c{n}", "C", "still lost", now, in_reply_to_id=f"{n}")
        for n in range(1500)
    ]
    stream.add_many([to_entry(first[k : k + 500]) for k in range(0, 1500, 500)])  # three entries of 500 posts
    [early] = receive(
        uow, clock, MemoryDedupe(), Triage(), [IncomingComplaint("x", "e", "e", "e", "E", "hi", now)]
    ).opened
    stream.add_many([to_entry(replies[k : k + 500]) for k in range(0, 1500, 500)])
    agent = slack_person(uow, "U0MARIA", "maria")
    claimed: list[Status] = []

    def worker(name: str) -> None:  # until the stream is drained: nothing new for it, nothing pending anywhere
        while True:
            batch = consume_once(stream, name, counting, clock, MemoryDedupe(), Triage(), count=2, block_ms=50)
            if not batch.entries and stream.newest_pending() is None:
                return

    def agent_claims() -> None:  # during the storm, an agent's claim goes through
        claimed.append(claim(uow, clock, early, agent).status)

    workers = [threading.Thread(target=worker, args=(f"w{n}",)) for n in range(2)]
    for thread in workers:
        thread.start()
    agent_claims()
    for thread in workers:
        thread.join(timeout=60)
    assert max(sizes) <= MAX_POSTS_PER_TRANSACTION and sum(sizes) == 3000  # each post once, no transaction longer
    assert claimed == [Status.CLAIMED]
    with pg_engine.connect() as c:
        assert c.execute(select(func.count()).select_from(complaints)).scalar() == 1501
        assert set(c.execute(select(complaints.c.followup_count).where(complaints.c.id != early)).scalars()) == {1}
