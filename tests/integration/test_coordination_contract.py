"""One contract, two implementations: the Redis adapters (on the real Redis) and the in-process ones."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
import redis

from handlers.ports.coordination import Dedupe, Locks, RateLimiter, SharedValues, StreamQueue
from storage.memory.keys import MemoryDedupe, MemoryLocks, MemoryValues
from storage.memory.stream import MemoryStreamQueue
from storage.rate_limit import WindowRateLimiter
from storage.redis.keys import RedisDedupe, RedisLocks, RedisValues
from storage.redis.stream import RedisStreamQueue
from tests.conftest import REDIS_TEST_URL

pytestmark = pytest.mark.integration


class Clock:
    """Seconds that move only when told: expiry is proven by moving it, not by sleeping on a loaded machine."""

    def __init__(self, start: float) -> None:
        self.at = start

    def __call__(self) -> float:
        return self.at

    def advance(self, seconds: float) -> None:
        self.at += seconds


@dataclass
class Coordination:
    queue: StreamQueue
    locks: Locks
    limiter: RateLimiter
    dedupe: Dedupe
    clock: Clock  # what the in-process adapters expire by, and which bucket the Redis dedupe reads
    redis: redis.Redis | None = None  # Redis expires keys on its own clock: its TTLs are read instead
    values: SharedValues | None = None


@pytest.fixture(params=["memory", "redis"])
def coord(request: pytest.FixtureRequest) -> Iterator[Coordination]:
    clock = Clock(1_800_000_000.0)
    if request.param == "memory":
        yield Coordination(
            MemoryStreamQueue(),
            MemoryLocks(clock),
            WindowRateLimiter("memory://", clock),
            MemoryDedupe(clock),
            clock,
            values=MemoryValues(clock),
        )
        return
    client: redis.Redis = request.getfixturevalue("redis_client")
    yield Coordination(
        RedisStreamQueue(client, "test:stream", "workers"),
        RedisLocks(client),
        WindowRateLimiter(REDIS_TEST_URL),
        RedisDedupe(client, bucket_seconds=60, now=clock),
        clock,
        client,
        values=RedisValues(client, prefix="test:value:"),
    )


def test_stream_delivers_each_entry_once_in_order_and_ack_clears_pending(coord: Coordination) -> None:
    ids = [coord.queue.add({"n": str(n)}) for n in range(5)]
    first = coord.queue.read("c1", count=3, block_ms=100)
    second = coord.queue.read("c2", count=10, block_ms=100)
    assert [e.payload["n"] for e in first + second] == ["0", "1", "2", "3", "4"]
    assert [e.id for e in first + second] == ids
    assert coord.queue.pending() == 5
    coord.queue.ack([e.id for e in first + second])
    assert coord.queue.pending() == 0
    assert coord.queue.read("c1", count=10, block_ms=50) == []


def test_read_waits_for_an_entry_then_returns_empty(coord: Coordination) -> None:
    started = time.monotonic()
    assert coord.queue.read("c1", count=1, block_ms=200) == []
    assert time.monotonic() - started >= 0.15


def test_entries_a_dead_consumer_left_are_reclaimed(coord: Coordination) -> None:
    coord.queue.add({"n": "1"})
    coord.queue.add({"n": "2"})
    taken = coord.queue.read("dead", count=10, block_ms=100)
    assert len(taken) == 2
    assert coord.queue.reclaim("alive", min_idle_ms=60_000, count=10) == []  # not idle long enough yet
    time.sleep(0.05)
    reclaimed = coord.queue.reclaim("alive", min_idle_ms=10, count=10)
    assert [e.payload["n"] for e in reclaimed] == ["1", "2"]
    assert all(e.deliveries >= 2 for e in reclaimed)
    coord.queue.ack([e.id for e in reclaimed])
    assert coord.queue.pending() == 0


def test_lock_is_exclusive_released_only_by_its_holder_and_expires(coord: Coordination) -> None:
    token = coord.locks.acquire("card:1", ttl_seconds=5)
    assert token is not None
    assert coord.locks.acquire("card:1", ttl_seconds=5) is None
    assert coord.locks.release("card:1", "not-the-token") is False
    assert coord.locks.release("card:1", token) is True
    short = coord.locks.acquire("card:2", ttl_seconds=0.5)
    assert short is not None
    if coord.redis is not None:  # Redis keeps the TTL: read it, then let it lapse as Redis would
        assert 0 < coord.redis.pttl("squeaky:lock:card:2") <= 500
        coord.redis.delete("squeaky:lock:card:2")
    else:
        coord.clock.advance(0.49)
        assert coord.locks.acquire("card:2", ttl_seconds=5) is None  # still held just before its TTL
        coord.clock.advance(0.02)
    assert coord.locks.acquire("card:2", ttl_seconds=5) is not None
    assert coord.locks.release("card:2", short) is False  # it expired and someone else holds it now


def test_a_lock_is_extended_only_by_its_holder(coord: Coordination) -> None:
    token = coord.locks.acquire("job:rollup", ttl_seconds=1)
    assert token is not None
    assert coord.locks.extend("job:rollup", "not-the-token", 60) is False
    assert coord.locks.extend("job:rollup", token, 60) is True
    if coord.redis is not None:
        assert 59_000 < coord.redis.pttl("squeaky:lock:job:rollup") <= 60_000
        coord.redis.delete("squeaky:lock:job:rollup")  # lapsed, as Redis would let it
    else:
        coord.clock.advance(30)
        assert coord.locks.acquire("job:rollup", ttl_seconds=5) is None  # its first second is long past: still held
        coord.clock.advance(31)
    assert coord.locks.extend("job:rollup", token, 60) is False  # lapsed: a lost lock is not taken back
    assert coord.locks.acquire("job:rollup", ttl_seconds=5) is not None


def test_trimming_the_stream_keeps_every_entry_not_yet_acknowledged(coord: Coordination) -> None:
    ids = coord.queue.add_many([{"n": n} for n in range(6)])
    taken = coord.queue.read("w1", 4, 0)
    coord.queue.ack([taken[0].id, taken[1].id, taken[3].id])  # the third is still being stored
    coord.queue.trim_done()
    if coord.redis is not None:  # only the two before the oldest unacknowledged entry went
        assert [e.decode() for e, _f in coord.redis.xrange("test:stream")] == ids[2:]
    assert [e.id for e in coord.queue.own_pending("w1", 10)] == [ids[2]]
    assert [e.payload for e in coord.queue.read("w2", 10, 0)] == [{"n": 4}, {"n": 5}]
    coord.queue.ack([ids[2], ids[4], ids[5]])
    coord.queue.trim_done()
    if coord.redis is not None:
        assert coord.redis.xlen("test:stream") == 0
    assert coord.queue.pending() == 0


def test_a_silent_workers_entries_are_taken_over_at_once(coord: Coordination) -> None:
    ids = coord.queue.add_many([{"n": n} for n in range(4)])
    assert len(coord.queue.read("killed", 3, 0)) == 3  # then SIGKILL: never acknowledged
    assert coord.queue.reclaim("alive", 60_000, 10) == []  # not idle long enough to reclaim ...
    taken = coord.queue.take_over(["killed"], "alive", 10)  # ... but its worker is known to be gone
    assert [e.id for e in taken] == ids[:3] and [e.payload for e in taken] == [{"n": 0}, {"n": 1}, {"n": 2}]
    assert [e.id for e in coord.queue.own_pending("alive", 10)] == ids[:3]
    assert coord.queue.own_pending("killed", 10) == [] and coord.queue.newest_pending() == ids[2]
    coord.queue.ack(ids[:3])
    assert coord.queue.take_over(["killed"], "alive", 10) == [] and coord.queue.newest_pending() is None


def test_rate_limiter_allows_a_burst_then_says_how_long_to_wait(coord: Coordination) -> None:
    assert [coord.limiter.acquire("slack:C1", per_second=1, burst=3) for _ in range(3)] == [0, 0, 0]
    wait = coord.limiter.acquire("slack:C1", per_second=1, burst=3)
    assert 0 < wait <= 3
    assert coord.limiter.acquire("slack:C2", per_second=1, burst=3) == 0  # keys are independent


def test_a_bucket_keeps_its_reserve_for_those_who_may_use_it(coord: Coordination) -> None:
    """Two tokens, one a second: ordinary takes leave one behind; the reserve's user takes the last."""
    assert coord.limiter.take("slack:post:C9", per_second=1, burst=2, keep=1) == 0
    assert 0.8 < coord.limiter.take("slack:post:C9", per_second=1, burst=2, keep=1) <= 1.0  # the reserve is kept
    assert coord.limiter.take("slack:post:C9", per_second=1, burst=2, keep=0) == 0  # a VIP's card takes it
    assert 0.8 < coord.limiter.take("slack:post:C9", per_second=1, burst=2, keep=0) <= 1.0  # and now all wait
    assert 1.8 < coord.limiter.take("slack:post:C9", per_second=1, burst=2, keep=1) <= 2.0
    assert coord.limiter.take("slack:post:C8", per_second=1, burst=2, keep=1) == 0  # keys are independent
    coord.limiter.block("slack:post:C8", seconds=1)
    assert 0 < coord.limiter.take("slack:post:C8", per_second=1, burst=2, keep=0) <= 1  # a 429's pause holds too


def test_a_moving_window_keeps_its_reserve_in_every_process(
    coord: Coordination, request: pytest.FixtureRequest
) -> None:
    """Ten in 30 s, three kept: new cards take seven in any process, a claim's update the last three."""
    other_process = coord.limiter if "memory" in request.node.name else WindowRateLimiter(REDIS_TEST_URL)
    takes = [coord.limiter.acquire("teams:c:30s", per_second=1 / 3, burst=10, keep=3) for _ in range(4)]
    takes += [other_process.acquire("teams:c:30s", per_second=1 / 3, burst=10, keep=3) for _ in range(3)]
    assert takes == [0] * 7
    assert 0 < other_process.acquire("teams:c:30s", per_second=1 / 3, burst=10, keep=3) <= 30  # the reserve is kept
    assert 0 < coord.limiter.acquire("teams:c:30s", per_second=1 / 3, burst=10, keep=3) <= 30
    assert [other_process.acquire("teams:c:30s", per_second=1 / 3, burst=10) for _ in range(3)] == [0, 0, 0]
    assert coord.limiter.acquire("teams:c:30s", per_second=1 / 3, burst=10) > 0  # and then the window is spent


def test_a_block_holds_every_process_back_until_it_ends(coord: Coordination, request: pytest.FixtureRequest) -> None:
    other_process = (
        WindowRateLimiter("memory://") if "memory" in request.node.name else WindowRateLimiter(REDIS_TEST_URL)
    )
    coord.limiter.block("slack:post:C1", seconds=1)
    wait = coord.limiter.acquire("slack:post:C1", per_second=1, burst=3)
    assert 0 < wait <= 1
    if "redis" in request.node.name:
        assert other_process.acquire("slack:post:C1", per_second=1, burst=3) > 0  # shared through Redis
    assert coord.limiter.acquire("slack:post:C2", per_second=1, burst=3) == 0
    time.sleep(1.1)
    assert coord.limiter.acquire("slack:post:C1", per_second=1, burst=3) == 0


def test_dedupe_remembers_at_least_the_ttl_then_forgets(coord: Coordination) -> None:
    assert coord.dedupe.seen(["a", "b"]) == set()
    coord.dedupe.remember(["a", "b"], ttl_seconds=30)
    coord.dedupe.remember([], ttl_seconds=30)
    assert coord.dedupe.seen(["a", "b", "c"]) == {"a", "b"}
    if coord.redis is not None:  # the bucket lives to the end of its minute plus the TTL, on Redis's clock
        [bucket] = coord.redis.keys("squeaky:seen:*")
        assert coord.redis.expiretime(bucket) == (int(coord.clock()) // 60 + 1) * 60 + 30
    coord.clock.advance(29)
    assert coord.dedupe.seen(["a"]) == {"a"}
    coord.clock.advance(120)  # past the TTL and out of the buckets the Redis dedupe reads
    assert coord.dedupe.seen(["a", "b"]) == set()


def test_redis_stream_survives_a_flush(redis_client: redis.Redis) -> None:
    queue = RedisStreamQueue(redis_client, "test:stream", "workers")
    queue.add({"n": "1"})
    redis_client.flushdb()  # Redis lost everything, stream and group
    assert queue.read("c1", count=10, block_ms=50) == []  # recreates the group instead of crashing
    queue.add({"n": "2"})
    assert [e.payload["n"] for e in queue.read("c1", count=10, block_ms=50)] == ["2"]


def test_shared_values_are_kept_replaced_forgotten_and_expire(coord: Coordination) -> None:
    values = coord.values
    assert values is not None
    assert values.get("bsky:session") is None
    values.put("bsky:session", "first", ttl_seconds=60)
    values.put("bsky:session", "second", ttl_seconds=60)
    assert values.get("bsky:session") == "second"
    values.delete("bsky:session")
    assert values.get("bsky:session") is None
    values.put("short", "lived", ttl_seconds=2)
    if coord.redis is not None:
        assert 0 < coord.redis.pttl("test:value:short") <= 2000
    else:
        coord.clock.advance(3)
        assert values.get("short") is None
