"""The one feed engine: every network's feeds (X, Bluesky, Mastodon; mentions, notifications, searches) are read
here, page by page from their kept position onto the stream.

A feed answers newest first. The position (handlers.intake.feed_position) keeps `since`,
the newest post put on the stream; a poll reads pages until it reaches `since` or its page
budget (MAX_PAGES), and a poll cut short keeps `until`, where the next poll reads on (the
network's cursor, or the oldest post read where the network pages below a post id), so no post
is skipped; `since` moves past a post only once every older one is on the stream and kept in the database's
arrivals (in the transaction that moves it): the stream is the fast path, and a Redis that loses it loses nothing
read, since workers sweep the arrivals the stream never delivered (handlers.intake.arrival_sweep). A feed's
first poll reads its newest page, not the account's history. A network is one package with a
feed factory answering `NetworkFeed`s; the engine knows nothing else of it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from handlers.domain.complaint import IncomingComplaint
from handlers.intake.feed_position import FeedPosition, advanced, part_way, resume
from handlers.intake.stream_codec import to_entry
from handlers.ports.coordination import Locks, StreamQueue
from handlers.ports.unit_of_work import UnitOfWorkFactory

log = logging.getLogger(__name__)

MAX_PAGES = 20  # per feed and poll; the next poll reads on from where this one stopped
LOCK_SECONDS = 300.0  # one process polls a feed at a time; a crashed one's hold ends after this


@dataclass(frozen=True)
class Page:
    """One page of a feed: its posts (newest first), the position keys of its newest and oldest, the token of the
    next, older page (None when there is none, or when this page already reached the position), and where a pass
    that stops after this page reads on (the next token, unless the network says otherwise)."""

    items: list[IncomingComplaint]
    newest: str | None
    oldest: str | None
    next_token: str | None
    resume_at: str | None = None

    @property
    def resume(self) -> str | None:
        """Where the next poll reads on if this one stops after this page."""
        return self.resume_at or self.next_token


@dataclass(frozen=True)
class NetworkFeed:
    """One thing to poll on a network: its checkpoint name, a label for logs, and how to fetch a page.

    `fetch(since, until, token)` answers the page after `token` (the first page of the poll when None), holding only
    posts newer than `since` where the network can filter so; `until` is where an unfinished pass stopped (a page's
    `resume`), None when the pass starts at the newest post.
    """

    checkpoint: str
    label: str
    fetch: Callable[[str | None, str | None, str | None], Page]


@dataclass(frozen=True)
class PollResult:
    """What one poll of one feed did."""

    fetched: int
    pages: int
    newest_id: str | None


def read_feed(feed: NetworkFeed, queue: StreamQueue, uow_factory: UnitOfWorkFactory) -> PollResult:
    """Read the feed's new posts onto the stream, then keep them and move its position in one transaction.

    The position moves only after the pages are on the stream and kept: a crash in between reads
    them again, and the workers' dedupe makes that a no-op. If the stream itself was lost, `resume`
    starts again from the last safely stored post, and the kept arrivals are swept meanwhile.
    """
    with uow_factory() as uow:
        stored = FeedPosition.loads(uow.checkpoints.get(feed.checkpoint))
    position = resume(stored, queue)
    if position.since != stored.since:
        log.warning("the stream was lost: reading %s again from %s", feed.label, position.since)
    token = read_on = newest = last_entry = None
    pages = 0
    read: list[list[IncomingComplaint]] = []  # this pass's pages, newest first as the network pages them
    finished = False
    while pages < MAX_PAGES:
        page = feed.fetch(position.since, position.until, token)
        pages += 1
        newest = newest or page.newest
        read_on = page.resume or read_on
        if page.items:
            read.append(page.items)
        token = page.next_token
        if not token or position.first_run:  # a first run starts from the newest page, not the whole history
            finished = True
            break
    for items in reversed(read):  # oldest first, so the workers store (and card) a burst in its customers' order
        last_entry = queue.add(to_entry(items[::-1]))
    fetched = sum(len(items) for items in read)
    if finished:
        moved = advanced(position, newest, last_entry)
    elif read_on is None:
        moved = position
    else:
        moved = part_way(position, newest, read_on, last_entry)
        log.info("%s: %d read this poll, reading on next poll", feed.label, fetched)
    if moved != stored or read:
        with uow_factory() as uow:  # the posts kept, and the position moved past them, together or not at all
            uow.arrivals.keep([item for items in read for item in items])
            if moved != stored:
                uow.checkpoints.set(feed.checkpoint, moved.dumps())
            uow.commit()
    log.log(logging.INFO if fetched else logging.DEBUG, "polled %s: %d new in %d page(s)", feed.label, fetched, pages)
    return PollResult(fetched=fetched, pages=pages, newest_id=newest)


def poll_network_feed(feed: NetworkFeed, queue: StreamQueue, uow_factory: UnitOfWorkFactory) -> int:
    """Read the feed's new posts onto the stream, then move its position; return how many were read."""
    return read_feed(feed, queue, uow_factory).fetched


def poll_all(feeds: list[NetworkFeed], queue: StreamQueue, uow_factory: UnitOfWorkFactory, locks: Locks) -> int:
    """Poll each feed once, skipping one that another process is polling; return how many posts were read."""
    total = 0
    for feed in feeds:
        name = f"poll:{feed.checkpoint}"
        token = locks.acquire(name, ttl_seconds=LOCK_SECONDS)
        if token is None:
            log.debug("%s is being polled by another process", feed.label)
            continue
        try:
            total += poll_network_feed(feed, queue, uow_factory)
        finally:
            locks.release(name, token)
    return total
