"""The worker process: consume the complaint stream, persist, and run the outbox, until told to stop."""

from __future__ import annotations

import logging
import os
import socket
import threading

from bot import housekeeping
from bot.outages import OUTAGES, describe_outage
from bot.wiring import Services
from handlers.pipeline import consume_once
from storage.sql.statistics import PlannerStatistics

log = logging.getLogger(__name__)


def consumer_name() -> str:
    """A consumer name unique to this process (host and pid), as Redis consumer groups want."""
    return f"{socket.gethostname()}-{os.getpid()}"


def run_worker(services: Services, stop: threading.Event, *, block_ms: int = 200) -> None:
    """Loop: one stream batch, then due outbox messages; errors are logged and backed off, never fatal.
    The periodic jobs (claim expiry, service levels, spikes, the stats rollup) run beside it (bot.housekeeping).

    The web process only acks and decides; every card update, thread line and delivery is
    this loop's, so it wakes at least every `block_ms` to keep cards current within a second.
    """
    consumer = consumer_name()
    statistics = PlannerStatistics(services.engine)
    failures = 0
    chores = housekeeping.start(services, stop)
    log.info("worker %s started", consumer)
    while not stop.is_set():
        try:
            opening = services.outbox_runner.seconds_to_next_opening()  # a paused lane's slot is not to be missed
            wait_ms = block_ms if opening is None else max(1, min(block_ms, int(opening * 1000) + 1))
            batch = consume_once(
                services.queue,
                consumer,
                services.uow_factory,
                services.clock,
                services.dedupe,
                services.triage,
                block_ms=wait_ms,
                reclaim_idle_ms=int(services.settings.stream_reclaim_seconds * 1000),
            )
            statistics.wrote(batch.intake.rows_written)
            services.outbox_runner.run_due()
            failures = 0
        except OUTAGES as exc:
            failures += 1
            delay = min(30.0, 0.5 * 2**failures)
            log.warning(
                "%s; retrying in %.1fs (nothing is lost: entries stay on the stream)", describe_outage(exc), delay
            )
            stop.wait(delay)
        except Exception:
            failures += 1
            delay = min(30.0, 0.5 * 2**failures)
            log.exception("worker pass failed; retrying in %.1fs", delay)
            stop.wait(delay)
    chores.join(timeout=10)
    log.info("worker %s stopped", consumer)
