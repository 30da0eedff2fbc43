"""The worker process: consume the complaint stream and persist it, decide the agents' clicks the chat tools queued,
and deliver the outbox, until told to stop.

Ingest, deciding and delivery run on their own threads and never wait on each other: a
storm's batches are stored while cards go out at the channel's pace, a VIP's card goes
out as soon as its post is stored and the channel has a slot, and a click is decided the
moment it is queued, whatever the backlog.
"""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import ALL_COMPLETED, FIRST_COMPLETED, Future, ThreadPoolExecutor
from concurrent.futures import wait as futures_wait
from typing import Any

from bot import housekeeping
from bot.bootstrap import process_name
from bot.chat_tools import ClickRoute, enabled_tools
from bot.outages import OUTAGES, describe_outage
from bot.pacing import backoff
from bot.supervision import Supervisor
from bot.wiring import Services
from handlers.intake.stream_batches import consume_once
from handlers.ports.coordination import StreamEntry, StreamQueue
from storage.sql.statistics import PlannerStatistics

log = logging.getLogger(__name__)
DECIDING_THREADS = 4  # clicks decided at once: as many as the process keeps database connections for (more only churn)
DECIDED_POLL_MS = 20  # while clicks are being decided, the next ones are looked for this often
BEAT_SECONDS = 0.5  # a worker silent for SILENT_AFTER (3 s, six beats) is gone: its leases and entries are taken over
OUTAGE_RETRY_SECONDS = 5.0  # while PostgreSQL or Redis is away, each loop looks again at least this often


def consumer_name() -> str:
    """A consumer name unique to this process (host and pid), as Redis consumer groups want; its heartbeat's too."""
    return process_name()


class Liveness:
    """This worker's heartbeat, every BEAT_SECONDS in the database, and who among the others has fallen silent."""

    def __init__(self, services: Services, name: str) -> None:
        self._services = services
        self.name = name
        self.silent: tuple[str, ...] = ()  # workers gone silent: their stream entries are taken over at once

    def beat(self) -> None:
        """Say this worker is alive and read who is not."""
        with self._services.uow_factory() as uow:
            now = self._services.clock.now()
            uow.workers.beat(self.name, now)
            silent = uow.workers.silent(now)
            uow.commit()
        self.silent = tuple(silent)

    def run(self, stop: threading.Event, down: Callable[[], list[str]] = list) -> None:
        """Beat until `stop`, but only while none of this worker's threads is `down` (a worker with a dead thread
        falls silent: the others take its leases and entries over); then leave (a clean stop holds no lease)."""
        said: list[str] = []
        while not stop.wait(BEAT_SECONDS):
            dead = down()
            if dead != said and dead:
                log.warning("heartbeat held back: the %s thread(s) are not running", ", ".join(dead))
            said = dead
            if dead:
                continue
            try:
                self.beat()
            except OUTAGES as exc:
                log.warning("heartbeat: %s", describe_outage(exc))
            except Exception:
                log.exception("heartbeat failed")
        try:
            with self._services.uow_factory() as uow:
                uow.workers.leave(self.name)
                uow.commit()
        except OUTAGES:
            pass  # it falls silent instead: the same, a few seconds later


def _backoff(failures: int) -> float:
    return backoff(failures + 1, cap=30.0, first=0.5)


def _outage_backoff(failures: int) -> float:
    """While PostgreSQL or Redis is away, look again at most every OUTAGE_RETRY_SECONDS: work resumes that soon."""
    return backoff(failures + 1, cap=OUTAGE_RETRY_SECONDS, first=0.5)


def run_worker(services: Services, stop: threading.Event, *, block_ms: int = 200) -> None:
    """Ingest on this thread, the outbox on a delivery thread, the periodic jobs on a third (bot.housekeeping), each
    chat tool's queued clicks on one more, the heartbeat on another: each supervised (bot.supervision), the
    heartbeat beating while all run.

    The web process only acks and decides; every card update, thread line and delivery is
    the delivery thread's, which wakes at least every `block_ms` and at once when ingest
    stores new cases, so cards stay current within a second.
    """
    consumer = consumer_name()
    statistics = PlannerStatistics(services.engine)
    stored = threading.Event()  # ingest stored new cases, or a click was decided: the outbox has work
    liveness = Liveness(services, consumer)
    liveness.beat()  # before anything is leased: a lease names a worker known to be alive
    threads = Supervisor(stop)  # a thread that dies is logged and started again; meanwhile the heartbeat waits
    threads.start("heartbeat", functools.partial(liveness.run, stop, threads.down))
    threads.start("housekeeping", functools.partial(housekeeping.run_jobs, services, stop, housekeeping.jobs(services)))
    threads.start("delivery", functools.partial(deliver, services, stop, stored, block_ms, down=threads.down))
    for tool in enabled_tools(services.settings):  # each chat tool whose clicks a worker decides, on its own thread
        route = tool.click_route(services)
        if route is not None:
            threads.start(
                f"{tool.name}-clicks",
                functools.partial(decide_clicks, route, services, stop, stored, liveness=liveness),
            )
    log.info("worker %s started", consumer)
    failures = 0
    while not stop.is_set():
        try:
            batch = consume_once(
                services.queue,
                consumer,
                services.uow_factory,
                services.clock,
                services.dedupe,
                services.triage,
                block_ms=block_ms,
                reclaim_idle_ms=int(services.settings.stream_reclaim_seconds * 1000),
                stored=lambda part: stored.set() if part.rows_written else None,
                abandoned=liveness.silent,
            )
            statistics.wrote(batch.intake.rows_written)
            failures = 0
        except OUTAGES as exc:
            failures += 1
            why = describe_outage(exc)
            log.warning(
                "%s; retrying ingest in %.1fs (nothing is lost: entries stay on the stream)",
                why,
                _outage_backoff(failures),
            )
            stop.wait(_outage_backoff(failures))
        except Exception:
            failures += 1
            log.exception("ingest pass failed; retrying in %.1fs", _backoff(failures))
            stop.wait(_backoff(failures))
    threads.join(timeout=10)
    log.info("worker %s stopped", consumer)


def decide_clicks(
    route: ClickRoute,
    services: Services,
    stop: threading.Event,
    decided: threading.Event,
    block_ms: int = 1000,
    *,
    liveness: Liveness | None = None,
) -> None:
    """The clicks a chat tool's web routes queued, each decided once by one worker (a dead worker's are taken
    over), DECIDING_THREADS at a time (the database decides between clicks on one card). Each click is taken as soon
    as a thread is free and acked as soon as it is decided: a slow click never holds back the ones behind it."""
    consumer, queue, failures = consumer_name(), route.queue, 0
    idle_ms = int(services.settings.stream_reclaim_seconds * 1000)
    running: dict[Future[None], str] = {}  # clicks being decided, by their stream entry
    with ThreadPoolExecutor(DECIDING_THREADS, thread_name_prefix="decide") as pool:
        while not stop.is_set():
            try:
                _settle(queue, running, wait=len(running) >= DECIDING_THREADS)
                entries = _taken(queue, consumer, idle_ms, liveness) if not running else []
                free = DECIDING_THREADS - len(running)
                entries = entries or queue.read(consumer, free, block_ms if not running else DECIDED_POLL_MS)
                for entry in entries:
                    running[pool.submit(_decide, route.decide, entry.payload, decided)] = entry.id
                failures = 0
            except OUTAGES as exc:  # what was not decided stays pending, to be decided once the database is back
                failures += 1
                log.warning("%s; retrying the clicks in %.1fs", describe_outage(exc), _outage_backoff(failures))
                _settle(queue, running, wait=True, all_of_them=True)
                stop.wait(_outage_backoff(failures))
            except Exception:
                failures += 1
                log.exception("deciding clicks failed; retrying in %.1fs", _backoff(failures))
                _settle(queue, running, wait=True, all_of_them=True)
                stop.wait(_backoff(failures))
        _settle(queue, running, wait=True, all_of_them=True)


def _taken(queue: StreamQueue, consumer: str, idle_ms: int, liveness: Liveness | None) -> list[StreamEntry]:
    """Clicks left pending: this worker's own (after an outage), a silent worker's, or any left idle too long."""
    silent = liveness.silent if liveness is not None else ()
    entries = queue.own_pending(consumer, 50) or (queue.take_over(silent, consumer, 50) if silent else [])
    return entries or queue.reclaim(consumer, idle_ms, 50)


def _settle(queue: StreamQueue, running: dict[Future[None], str], *, wait: bool, all_of_them: bool = False) -> None:
    """Ack the clicks decided since the last look (waiting for one, or for all, when told); a click whose deciding
    met an outage stays pending and its outage is raised once the others have settled."""
    if wait and running:
        futures_wait(running, return_when=ALL_COMPLETED if all_of_them else FIRST_COMPLETED)
    done = [future for future in running if future.done()]
    outage: BaseException | None = None
    decided_ids = []
    for future in done:
        entry_id = running.pop(future)
        exc = future.exception()
        if exc is None:
            decided_ids.append(entry_id)
        elif outage is None:
            outage = exc
    if decided_ids:
        try:
            queue.ack(decided_ids)
        except OUTAGES:
            if not all_of_them:
                raise
            log.warning("decided clicks could not be acked; they will be decided again (the database says no twice)")
    if outage is not None and not all_of_them:
        raise outage


def _decide(decide: Callable[[Mapping[str, Any]], None], payload: Mapping[str, Any], decided: threading.Event) -> None:
    try:
        decide(payload)
    except OUTAGES:
        raise
    except Exception:
        log.exception("a click could not be decided; dropped: %.200r", payload)
    decided.set()  # its card update is in the outbox: delivery wakes at once


def deliver(
    services: Services,
    stop: threading.Event,
    stored: threading.Event,
    block_ms: int = 200,
    *,
    down: Callable[[], list[str]] = list,
) -> None:
    """The delivery loop: due outbox messages by rank, then sleep until new cases, a paused lane's opening, or
    `block_ms`, whichever comes first. While a thread of this worker is `down` its heartbeat is held back and the
    others take its leases over, so it leases nothing meanwhile (never the same message as another worker)."""
    runner = services.outbox_runner
    failures = 0
    while not stop.is_set():
        if down():
            stop.wait(block_ms / 1000)
            continue
        try:
            stored.clear()
            handled = runner.run_due()
            failures = 0
        except OUTAGES as exc:
            failures += 1
            log.warning("%s; retrying delivery in %.1fs", describe_outage(exc), _outage_backoff(failures))
            stop.wait(_outage_backoff(failures))
            continue
        except Exception:
            failures += 1
            log.exception("delivery pass failed; retrying in %.1fs", _backoff(failures))
            stop.wait(_backoff(failures))
            continue
        if handled:
            continue  # more may be due right away
        opening = runner.seconds_to_next_opening()  # a paused lane's slot is not to be missed
        wait = block_ms / 1000 if opening is None else min(block_ms / 1000, opening + 0.001)
        stored.wait(wait)
