"""Periodic jobs that make good what a Redis losing data would lose: posts read and clicks queued.

Both are kept in PostgreSQL until done. The arrivals sweep stores the posts a feed read that
the stream never delivered (handlers.intake.arrival_sweep); the clicks check answers each click
recorded and neither decided nor being decided CLICK_ANSWER_SECONDS after it was queued:
"that did not go through, click again" (bot.slack.clicks). Run by the worker's housekeeping,
once per period across all workers.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import timedelta

from bot.slack.payloads import card_of, tell
from bot.wiring import Core, Services
from handlers.domain.complaint import IncomingComplaint
from handlers.intake.arrival_sweep import sweep_arrivals
from storage.sql.queued_clicks import SqlQueuedClicks

log = logging.getLogger(__name__)

SWEEP_SECONDS = 5.0  # how often the arrivals are swept
CLICK_CHECK_SECONDS = 5.0  # how often clicks are checked
CLICK_ANSWER_SECONDS = 30.0  # a click decided normally within a second; one not taken after this was lost
AGAIN = "That did not go through: Squeaky lost it on its way. Please click again."


def safekeeping_jobs(services: Services) -> list[tuple[str, float, Callable[[], object]]]:
    """The jobs, as (name, period in seconds, pass) for bot.housekeeping's schedule."""
    return [
        ("arrivals", SWEEP_SECONDS, lambda: sweep_posts(services)),
        ("lost-clicks", CLICK_CHECK_SECONDS, lambda: answer_lost_clicks(services)),
    ]


def sweep_posts(services: Services) -> int:
    """Store the posts read that the stream did not deliver in time; return how many cases that opened."""
    result = sweep_arrivals(services.uow_factory, services.clock, services.dedupe, services.triage)
    if result.opened:
        log.warning("%d post(s) the stream lost were stored from the arrivals", len(result.opened))
    return len(result.opened)


def answer_lost_clicks(services: Services, after: float = CLICK_ANSWER_SECONDS) -> int:
    """Tell the clicker of each click neither decided nor taken `after` seconds on to click again; return how many."""
    kept = SqlQueuedClicks(services.engine, services.clock)
    before = services.clock.now() - timedelta(seconds=after)
    answered = 0
    for lost in kept.overdue(before):
        if not kept.give_up(lost.key, before):
            continue  # a worker took it meanwhile
        answered += 1
        try:
            body = dict(json.loads(lost.click).get("body") or {})
        except (ValueError, TypeError, AttributeError):
            log.error("a recorded click could not be read: %.200r", lost.click)
            continue
        log.warning("a click queued at %s was lost on its way: its clicker is told to click again", lost.queued_at)
        tell(services, card_of(body), (body.get("user") or {}).get("id"), AGAIN)
    return answered


def arrivals_keeper(core: Core) -> Callable[[list[IncomingComplaint]], None]:
    """What the HTTP intake keeps its posts with before it queues them: one transaction into the arrivals."""

    def keep(items: list[IncomingComplaint]) -> None:
        with core.uow_factory() as uow:
            uow.arrivals.keep(items)
            uow.commit()

    return keep
