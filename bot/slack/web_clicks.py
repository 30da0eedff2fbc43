"""Clicks decided in the web process right after their ack, on a few threads of its own, so the clicker's card is
answered through its response_url without waiting for a worker to read the queue (bot.slack.clicks).

The click is queued before it is offered here. A web process with every thread busy and
its short backlog full declines it, and a worker decides it from the queue; one that dies
with clicks in hand leaves them on the queue too. Each click's lease keeps the two from
deciding it twice.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Protocol

from bot.outages import OUTAGES, describe_outage

log = logging.getLogger(__name__)
BACKLOG_PER_THREAD = 3  # clicks waiting for a deciding thread at most, per thread; a worker decides those beyond


class Decider(Protocol):
    """What decides a click just queued (bot.slack.clicks.ClickDecider)."""

    def decide_now(self, click: Mapping[str, Any]) -> bool:
        """Decide it here unless someone else holds it; True if decided here."""
        ...


class WebDecisions:
    """Takes clicks just queued while it has room, and decides them on its own threads."""

    def __init__(self, decider: Decider, threads: int) -> None:
        """`threads` deciding (SLACK_WEB_CLICK_THREADS; each holds a database connection meanwhile); 0: none, every
        click is declined."""
        self._decider = decider
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="slack-click") if threads else None
        self._room = threading.BoundedSemaphore(threads * (1 + BACKLOG_PER_THREAD)) if threads else None

    def offer(self, click: Mapping[str, Any]) -> bool:
        """Take the click to decide here, or decline it (busy): a worker decides it from the queue."""
        if self._pool is None or self._room is None or not self._room.acquire(blocking=False):
            return False
        try:
            self._pool.submit(self._decide, click)
        except RuntimeError:  # shutting down
            self._room.release()
            return False
        return True

    def _decide(self, click: Mapping[str, Any]) -> None:
        try:
            self._decider.decide_now(click)
        except OUTAGES as exc:
            log.warning("a %s click is left to a worker: %s", click.get("action"), describe_outage(exc))
        except Exception:
            log.exception("a %s click could not be decided here; a worker tries it", click.get("action"))
        finally:
            assert self._room is not None
            self._room.release()
