"""The drills' faults: each injects one failure into the running deployment, holds it, ends it, and returns when
the failed dependency was back (epoch seconds), for the recovery clock."""

from __future__ import annotations

import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from drills.deployment import Deployment
from handlers.domain.outbox_chat import CardPost
from sandbox import faults
from storage.sql.tables import outbox


@dataclass(frozen=True)
class Fault:
    """A named fault: `run(deployment, minute)` holds it (its long parts last `minute` seconds) and returns when the
    dependency was back."""

    name: str
    what: str
    run: Callable[[Deployment, float], float]
    lasts: Callable[[float], float] = lambda minute: 5.0  # about how long it holds, given `minute`
    quiet_posts: int = 0  # posts to the quiet search (never read before) during the fault: more than one page


RESTART_AFTER = 1.0  # seconds a process manager waits before starting a killed process again


def kill_worker(d: Deployment, minute: float) -> float:
    """kill -9 of a worker; a process manager starts it again a second later (systemd's `Restart=always` with
    `RestartSec=1`; the others take its work over at once). Recovery is counted from the kill."""
    d.processes["worker 2"].kill()
    killed = time.time()
    time.sleep(RESTART_AFTER)
    d.restart("worker 2")
    return killed


def kill_web(d: Deployment, minute: float) -> float:
    """kill -9 of a web process (gunicorn and its workers); started again a second later, as for a worker. Slack's
    clicks meanwhile reach the other one. Recovery is counted from the kill."""
    d.processes["web 1"].kill()
    killed = time.time()
    time.sleep(RESTART_AFTER)
    d.restart("web 1")
    return killed


def redis_restart_empty(d: Deployment, minute: float, down: float = 10.0) -> float:
    """Redis killed as soon as a card delivery batch holds its leases, down for `down` s, started again empty (no
    persistence)."""
    assert d.redis is not None
    _delivering(d)
    d.redis.kill_empty()
    time.sleep(down)
    d.redis.start()
    return time.time()


def _delivering(d: Deployment, seconds: float = 15.0) -> None:
    """Wait (at most `seconds`) until a worker holds the lease of a card still to post: a delivery batch under way."""
    assert d.engine is not None
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with d.engine.connect() as c:
                leased = c.execute(
                    select(outbox.c.id)
                    .where(
                        outbox.c.kind == CardPost.KIND, outbox.c.done_at.is_(None), outbox.c.leased_until > func.now()
                    )
                    .limit(1)
                ).first()
        except SQLAlchemyError:  # PostgreSQL is down too (all together): no batch can be under way
            return
        if leased is not None:
            return
        time.sleep(0.1)


def redis_outage(d: Deployment, minute: float, down: float = 10.0) -> float:
    """Redis stopped for `down` s, as soon as a card delivery batch holds its leases, and started again with its data
    (a restart, a network cut): 10 s also covers the start of every short periodic job (each runs every 10 s or
    less)."""
    assert d.redis is not None
    _delivering(d)
    d.redis.shut_down_keeping()
    time.sleep(down)
    d.redis.start()
    return time.time()


def postgres_down(d: Deployment, minute: float, down: float = 30.0) -> float:
    """PostgreSQL stopped for `down` s, then started again with its data."""
    d.postgres.stop()
    time.sleep(down)
    d.postgres.start()
    return time.time()


def slack_limited_then_failing(d: Deployment, minute: float) -> float:
    """Slack answers 429 with Retry-After for a third of a minute, then 5xx for a minute."""
    third = max(minute / 3, 5.0)
    faults.slack_rate_limited(d.slack, third, retry_after=5)
    time.sleep(third)
    faults.slack_failing(d.slack, minute)
    time.sleep(minute)
    return time.time()


def teams_limited_then_failing(d: Deployment, minute: float) -> float:
    """The Bot Connector answers 429 with Retry-After for a third of a minute, then 5xx for a minute (Teams still
    delivers the agents' clicks: an invoke is answered in its own response)."""
    third = max(minute / 3, 5.0)
    faults.teams_rate_limited(d.teams, third, retry_after=5)
    time.sleep(third)
    faults.teams_failing(d.teams, minute)
    time.sleep(minute)
    return time.time()


def x_failing(d: Deployment, minute: float) -> float:
    """X answers 503 to polls and replies for a minute."""
    faults.x_unavailable(d.x, minute)
    time.sleep(minute)
    return time.time()


def tickets_down(d: Deployment, minute: float) -> float:
    """The ticketing system answers 503 for a minute."""
    faults.tickets_down(d.zendesk, minute)
    time.sleep(minute)
    return time.time()


def all_together(d: Deployment, minute: float) -> float:
    """At once: a worker and a web process killed, Redis down 10 s and back empty, PostgreSQL down 30 s, Slack 5xx,
    Teams 5xx, X 503 and the ticketing system down for a minute."""
    faults.slack_failing(d.slack, minute)
    faults.teams_failing(d.teams, minute)
    faults.x_unavailable(d.x, minute)
    faults.tickets_down(d.zendesk, minute)
    with ThreadPoolExecutor(4) as pool:
        backs = [
            pool.submit(kill_worker, d, minute),
            pool.submit(kill_web, d, minute),
            pool.submit(redis_restart_empty, d, minute),
            pool.submit(postgres_down, d, minute),
        ]
        times = [b.result() for b in backs]
    time.sleep(max(0.0, minute - 30))
    return max([*times, time.time()])


FAULTS = [
    Fault("worker kill -9", "a worker killed with SIGKILL (restarted 1 s later)", kill_worker),
    Fault("web kill -9", "a web process killed with SIGKILL (restarted 1 s later)", kill_web),
    Fault("Redis restart empty", "Redis killed, down 10 s, back empty", redis_restart_empty, lambda m: 10.0),
    Fault("Redis outage 10 s", "Redis stopped 10 s, back with its data", redis_outage, lambda m: 10.0),
    Fault(
        "PostgreSQL down 30 s",
        "PostgreSQL stopped 30 s; a never-read X search gets three pages meanwhile",
        postgres_down,
        lambda m: 30.0,
        quiet_posts=25,
    ),
    Fault(
        "Slack 429 then 5xx",
        "Slack 429 + Retry-After, then 5xx for the minute",
        slack_limited_then_failing,
        lambda m: m + max(m / 3, 5.0),
    ),
    Fault(
        "Teams 429 then 5xx",
        "Teams' Bot Connector 429 + Retry-After, then 5xx for the minute",
        teams_limited_then_failing,
        lambda m: m + max(m / 3, 5.0),
    ),
    Fault("X 503", "X 503 on polls and replies for the minute", x_failing, lambda m: m),
    Fault("ticketing down", "Zendesk 503 for the minute", tickets_down, lambda m: m),
    Fault("all together", "all of the above at once", all_together, lambda m: max(m, 35.0)),
]


SHORT = [
    Fault("worker kill -9", "a worker killed with SIGKILL (restarted 1 s later)", kill_worker),
    # down 10 s: across the start of every short periodic job and the card deliveries under way, then back empty
    Fault("Redis restart empty", "Redis killed, down 10 s, back empty", redis_restart_empty, lambda m: 10.0),
]
