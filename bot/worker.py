"""The worker process: consume the complaint stream, persist, and run the outbox, until told to stop."""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from datetime import timedelta

from bot.outages import OUTAGES, describe_outage
from bot.wiring import Services
from handlers.actions import expire_claims
from handlers.pipeline import consume_once
from storage.sql.statistics import PlannerStatistics

log = logging.getLogger(__name__)

EXPIRY_CHECK_SECONDS = 10.0  # how often claims past their deadline are put back in the queue


def consumer_name() -> str:
    """A consumer name unique to this process (host and pid), as Redis consumer groups want."""
    return f"{socket.gethostname()}-{os.getpid()}"


def run_worker(services: Services, stop: threading.Event, *, block_ms: int = 200) -> None:
    """Loop: one stream batch, then due outbox messages; errors are logged and backed off, never fatal.

    The web process only acks and decides; every card update, thread line and delivery is
    this loop's, so it wakes at least every `block_ms` to keep cards current within a second.
    """
    consumer = consumer_name()
    statistics = PlannerStatistics(services.engine)
    next_expiry = 0.0
    failures = 0
    log.info("worker %s started", consumer)
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
            )
            statistics.wrote(batch.intake.rows_written)
            if time.monotonic() >= next_expiry:
                deadline = timedelta(minutes=services.settings.claim_deadline_minutes)
                expire_claims(services.uow_factory, services.clock, deadline)
                next_expiry = time.monotonic() + EXPIRY_CHECK_SECONDS
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
    log.info("worker %s stopped", consumer)
