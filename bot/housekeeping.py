"""The worker's periodic jobs, on their own thread: claim expiry, service-level pings, spike watch, storm mode, push
assignment, stats rollup, retention.

With several workers each job still runs once per period: its next due time is kept in the
database and moved forward by compare-and-set, and only the worker whose move lands runs
that pass, under a coordination lock (extended while the pass runs) so that a pass
outlasting its period never overlaps the next. Everything a job decides is in the
database, so a pass cut short by a crash is simply done again by the next one.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.chat_tools import enabled_tools
from bot.config import Settings
from bot.outages import OUTAGES, describe_outage
from bot.safekeeping import safekeeping_jobs
from bot.wiring import Services
from handlers.cases.actions import expire_claims
from handlers.ports.coordination import Locks
from handlers.queues.push import assign_waiting
from handlers.queues.storm import StormRules, check_storms
from handlers.team.periods import claim_period
from handlers.team.retention import RetentionRules, sweep
from handlers.team.service_levels import check_service_levels
from handlers.team.spike_watch import check_spikes
from handlers.team.spikes import SpikeRules

log = logging.getLogger(__name__)
JOB_LOCK_SECONDS = 60.0  # a pass's lock, extended while it runs
OUTAGE_RETRY_SECONDS = 5.0  # a job kept from running by an outage is tried again this soon (or its period if shorter)


@dataclass(frozen=True)
class Job:
    """Something to run every `every` seconds."""

    name: str
    every: float
    run: Callable[[], object]


def storm_rules(settings: Settings) -> StormRules:
    """When queues enter storm mode: against the slowest pace of new cards among the chat tools that are on."""
    paces = [tool.cards_per_second(settings) for tool in enabled_tools(settings)]
    return StormRules(cards_per_second=min(paces, default=1.0))


def jobs(services: Services) -> list[Job]:
    """The worker's periodic jobs, configured from the settings."""
    s, uow, clock = services.settings, services.uow_factory, services.clock
    rules = SpikeRules(window_minutes=s.spike_window_minutes, ratio=s.spike_ratio, min_count=s.spike_min_count)
    claim_deadline = timedelta(minutes=s.claim_deadline_minutes)
    retention = RetentionRules(
        outbox=timedelta(days=s.outbox_retention_days), audit_details=timedelta(days=s.audit_detail_retention_days)
    )

    def roll_up() -> int:
        with uow() as unit:
            hours = unit.stats.roll_up(clock.now())
            unit.commit()
        return hours

    own = [job for tool in enabled_tools(s) for job in tool.jobs(services)]  # each chat tool's own jobs
    return [
        Job("claims", 10, lambda: expire_claims(uow, clock, timedelta(minutes=s.claim_deadline_minutes))),
        Job(
            "service-levels",
            5,
            lambda: check_service_levels(
                uow,
                clock,
                leads_after=timedelta(minutes=s.sla_leads_after_minutes),
                fallback_on_call=s.fallback_on_call,
                queues=services.triage.queues,
            ),
        ),
        Job("spikes", 60, lambda: check_spikes(uow, clock, rules, fallback_on_call=s.fallback_on_call)),
        Job("storms", 5, lambda: check_storms(uow, clock, services.triage.queues, storm_rules(s))),
        Job("assign", 5, lambda: assign_waiting(uow, clock, services.triage.queues, claim_deadline)),
        Job("stats-rollup", 30, roll_up),
        Job("retention", 600, lambda: sweep(uow, clock, services.queue, retention)),
        *own,
        *(Job(name, every, run) for name, every, run in safekeeping_jobs(services)),
    ]


def run_jobs(services: Services, stop: threading.Event, schedule: list[Job], *, tick: float = 1.0) -> None:
    """Run each job once per period across all workers (the period taken in the database), never two passes of one
    job at once (a coordination lock), until `stop`. A pass that fails is logged and the job runs next period; one
    that an outage of PostgreSQL or Redis kept from running, or cut short, is run within OUTAGE_RETRY_SECONDS of
    the outage's end."""
    due = dict.fromkeys((job.name for job in schedule), 0.0)
    cut: dict[str, datetime] = {}  # the period each job's cut-short pass took: retaken at the next try
    while not stop.is_set():
        for job in schedule:
            if stop.is_set() or time.monotonic() < due[job.name]:
                continue
            due[job.name] = time.monotonic() + job.every
            try:
                due[job.name] = time.monotonic() + run_pass(services, job, cut.get(job.name))
                cut.pop(job.name, None)
            except PassCut as exc:
                cut[job.name] = exc.period
                due[job.name] = _soon(job, exc)
            except OUTAGES as exc:
                due[job.name] = _soon(job, exc)
            except Exception:
                log.exception("%s failed; it runs again in %.0fs", job.name, job.every)
        stop.wait(tick)


def _soon(job: Job, outage: BaseException) -> float:
    retry = min(job.every, OUTAGE_RETRY_SECONDS)
    log.warning("%s: %s; it is tried again in %.0fs", job.name, describe_outage(outage), retry)
    return time.monotonic() + retry


class PassCut(Exception):
    """An outage kept a pass from running or cut it short, after its period was taken (`period`: until when)."""

    def __init__(self, period: datetime, outage: BaseException) -> None:
        super().__init__(str(outage))
        self.period = period
        self.outage = outage


def run_pass(services: Services, job: Job, retaking: datetime | None = None) -> float:
    """This period's pass of `job`, if it is this worker's to run; return the seconds until the job is next due.

    `retaking`: the period of this worker's pass an outage cut short (PassCut), run again now."""
    every = timedelta(seconds=job.every)
    taken, following = claim_period(services.uow_factory, services.clock, job.name, every, retaking=retaking)
    next_due = max(0.0, (following - services.clock.now()).total_seconds())
    if not taken:
        return next_due  # another worker runs this period's pass
    name = f"squeaky:job:{job.name}"
    try:
        token = services.locks.acquire(name, ttl_seconds=JOB_LOCK_SECONDS)
    except OUTAGES as exc:
        raise PassCut(following, exc) from exc
    if token is None:
        return next_due  # another worker's pass is still running: this period's is skipped, not run twice at once
    keeping = threading.Event()
    keeper = threading.Thread(target=_keep_lock, args=(services.locks, name, token, keeping), daemon=True)
    keeper.start()
    outage: BaseException | None = None
    try:
        job.run()
    except OUTAGES as exc:
        outage = exc
    except Exception:
        log.exception("%s failed; it runs again in %.0fs", job.name, job.every)
    finally:
        keeping.set()
        keeper.join()
        try:
            services.locks.release(name, token)
        except OUTAGES as exc:  # the lock expires on its own
            log.warning("the lock of %s could not be released: %s", name, describe_outage(exc))
    if outage is not None:
        raise PassCut(following, outage) from outage
    return next_due


def _keep_lock(locks: Locks, name: str, token: str, done: threading.Event) -> None:
    """Extend a running pass's lock every third of its length, so a pass longer than the lock is never joined by a
    second one (a crashed worker's lock still expires on its own)."""
    while not done.wait(JOB_LOCK_SECONDS / 3):
        try:
            if not locks.extend(name, token, JOB_LOCK_SECONDS):
                log.warning("the lock of %s was lost while it ran", name)
                return
        except OUTAGES as exc:
            log.warning("the lock of %s could not be extended: %s", name, describe_outage(exc))
