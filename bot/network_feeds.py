"""Reading a network's feed page by page from its kept position onto the stream, for the networks whose SDKs page
the same way (newest first, a token for the next older page): Bluesky and Mastodon.

A feed answers newest first. The position (handlers.intake.feed_position) keeps `since`,
the newest post put on the stream; a poll reads pages until it reaches `since` or its page
budget, and a poll cut short keeps `until` (where to read on) so no post is skipped.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from bot.outages import OUTAGES, describe_outage
from handlers.domain.complaint import IncomingComplaint
from handlers.intake.feed_position import FeedPosition, advanced, part_way, resume
from handlers.intake.stream_codec import to_entry
from handlers.ports.coordination import Locks, StreamQueue
from handlers.ports.unit_of_work import UnitOfWorkFactory

log = logging.getLogger(__name__)

MAX_PAGES = 20  # per feed and poll; the next poll reads on from where this one stopped
OUTAGE_RETRY_SECONDS = 5.0  # while PostgreSQL or Redis is away, a poll is tried again at least this often
MAX_WAIT_SECONDS = 120.0  # a rate limit longer than this ends the poll; the next one starts after it


class RateLimited(Exception):
    """The network asked us to wait (a 429 and its reset header)."""

    def __init__(self, network: str, seconds: float) -> None:
        super().__init__(f"{network} asks us to wait {seconds:.0f}s")
        self.seconds = seconds


class Unavailable(Exception):
    """The network failed or did not answer (5xx, a timeout) through every retry."""


class Refused(Exception):
    """The network refused our credentials or request: retrying will not help until someone fixes a setting."""


@dataclass(frozen=True)
class Page:
    """One page of a feed: its posts (newest first), the position keys of its newest and oldest, and the token of
    the next, older page (None when there is none, or when this page already reached the position)."""

    items: list[IncomingComplaint]
    newest: str | None
    oldest: str | None
    next_token: str | None


@dataclass(frozen=True)
class NetworkFeed:
    """One thing to poll on a network: its checkpoint name, a label for logs, and how to fetch a page.

    `fetch(since, token)` answers the page after `token` (the newest page when None), holding
    only posts newer than `since` where the network can filter so.
    """

    checkpoint: str
    label: str
    fetch: Callable[[str | None, str | None], Page]


def poll_network_feed(feed: NetworkFeed, queue: StreamQueue, uow_factory: UnitOfWorkFactory) -> int:
    """Read the feed's new posts onto the stream, then move its position; return how many were read.

    The position moves only after the pages are on the stream: a crash in between reads them
    again, and the workers' dedupe makes that a no-op. A first poll starts from the newest
    page, not the account's whole history.
    """
    with uow_factory() as uow:
        stored = FeedPosition.loads(uow.checkpoints.get(feed.checkpoint))
    position = resume(stored, queue)
    token = position.until
    newest = oldest = last_entry = None
    fetched = pages = 0
    finished = False
    while pages < MAX_PAGES:
        page = feed.fetch(position.since, token)
        pages += 1
        newest = newest or page.newest
        oldest = page.oldest or oldest
        if page.items:
            last_entry = queue.add(to_entry(page.items))
            fetched += len(page.items)
        token = page.next_token
        if not token or position.first_run:
            finished = True
            break
    if finished:
        moved = advanced(position, newest, last_entry)
    elif token is None:
        moved = position
    else:
        moved = part_way(position, newest, token, last_entry)
        log.info("%s: %d read this poll, reading on next poll", feed.label, fetched)
    if moved != stored:
        with uow_factory() as uow:
            uow.checkpoints.set(feed.checkpoint, moved.dumps())
            uow.commit()
    log.log(logging.INFO if fetched else logging.DEBUG, "polled %s: %d new in %d page(s)", feed.label, fetched, pages)
    return fetched


def poll_all(feeds: list[NetworkFeed], queue: StreamQueue, uow_factory: UnitOfWorkFactory, locks: Locks) -> int:
    """Poll each feed once, skipping one that another process is polling; return how many posts were read."""
    total = 0
    for feed in feeds:
        name = f"poll:{feed.checkpoint}"
        token = locks.acquire(name, ttl_seconds=300.0)
        if token is None:
            log.debug("%s is being polled by another process", feed.label)
            continue
        try:
            total += poll_network_feed(feed, queue, uow_factory)
        finally:
            locks.release(name, token)
    return total


def run_polls(network: str, poll: Callable[[], int], every: float, stop: threading.Event) -> None:
    """Call `poll` every `every` seconds until `stop`: wait out a rate limit, back off while the network fails,
    and wait five minutes on refused credentials (saying which settings to check)."""
    failures = 0
    while not stop.is_set():
        delay = every
        try:
            poll()
            failures = 0
        except InterruptedError:
            break
        except RateLimited as exc:
            delay = max(every, exc.seconds)
            log.warning("%s rate limit reached; next poll in %.0fs", network, delay)
        except Refused as exc:
            log.error("%s refused us: %s. Retrying in 5 min.", network, exc)
            delay = 300.0
        except OUTAGES as exc:  # PostgreSQL or Redis is away: one line a retry, nothing read is lost
            failures += 1
            delay = min(every * 4, OUTAGE_RETRY_SECONDS, 2.0**failures)
            log.warning("polling %s: %s; retrying in %.0fs", network, describe_outage(exc), delay)
        except (Unavailable, OSError) as exc:
            failures += 1
            delay = min(every * 4, 2.0**failures)
            log.warning("%s unavailable (%s); retrying in %.0fs", network, exc, delay)
        except Exception:
            failures += 1
            delay = min(every * 4, 2.0**failures)
            log.exception("polling %s failed; retrying in %.0fs", network, delay)
        stop.wait(delay)


def with_retries(
    call: Callable[[], object],
    transient: Callable[[Exception], bool],
    *,
    attempts: int = 4,
    first_wait: float = 0.5,
    stop: threading.Event | None = None,
) -> object:
    """`call()`, retried with exponential backoff while `transient(exc)` says the failure may pass (5xx, a
    timeout); the last failure is raised as Unavailable."""
    for attempt in range(1, attempts + 1):
        try:
            return call()
        except Exception as exc:
            if not transient(exc):
                raise
            if attempt == attempts:
                raise Unavailable(f"{exc.__class__.__name__} after {attempts} tries") from exc
            wait = first_wait * 2 ** (attempt - 1)
            if stop is not None and stop.wait(wait):
                raise InterruptedError("stopping") from exc
            if stop is None:
                time.sleep(wait)
    raise AssertionError("unreachable")
