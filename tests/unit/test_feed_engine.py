"""The one feed engine, with a network whose pages are kept in memory: paging newest first, the page cap per poll,
reading on where a poll stopped (by cursor or below a post id), and the position moving past a post only once every
older one is on the stream."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.network_feeds import MAX_PAGES, NetworkFeed, Page, read_feed
from handlers.domain.complaint import IncomingComplaint
from handlers.intake.feed_position import FeedPosition
from handlers.intake.stream_codec import from_entry
from storage.memory.stream import MemoryStreamQueue
from tests.fakes import FakeDatabase

PAGE = 10


class Network:
    """Posts numbered 1, 2, 3 ... answered newest first, PAGE a page, paged by cursor or below a post id."""

    def __init__(self, *, below: bool) -> None:
        self.posts: list[int] = []
        self.below = below  # X's way: read on below the oldest post read (until_id); else by the page's cursor

    def post(self, count: int) -> None:
        """`count` new posts."""
        start = len(self.posts) + 1
        self.posts += range(start, start + count)

    def fetch(self, since: str | None, until: str | None, token: str | None) -> Page:
        """The page after `token`, newer than `since`: a cursor naming the post to read below (Mastodon's max_id), or
        X's way, an offset under a fixed `until` (until_id)."""
        newer = [n for n in reversed(self.posts) if since is None or n > int(since)]
        below = until if self.below else token or until
        if below:
            newer = [n for n in newer if n < int(below)]
        start = int(token or 0) if self.below else 0
        page = newer[start : start + PAGE]
        more = start + PAGE < len(newer)
        items = [_complaint(n) for n in page]
        newest, oldest = (str(page[0]), str(page[-1])) if page else (None, None)
        if self.below:
            return Page(items, newest, oldest, str(start + PAGE) if more else None, resume_at=oldest)
        return Page(items, newest, oldest, oldest if more else None)

    def feed(self) -> NetworkFeed:
        """This network's one feed."""
        return NetworkFeed("test:feed", "test feed", self.fetch)


def _complaint(n: int) -> IncomingComplaint:
    return IncomingComplaint("test", str(n), "a", "ann", "Ann", f"post {n}", datetime(2026, 1, 1, tzinfo=UTC))


def _read(queue: MemoryStreamQueue) -> list[int]:
    entries = queue.read("w", 10_000, 0)
    queue.ack([e.id for e in entries])
    return [int(item.external_id) for e in entries for item in from_entry(e.payload)[0]]


def test_a_first_poll_reads_the_newest_page_only() -> None:
    network, queue, db = Network(below=False), MemoryStreamQueue(), FakeDatabase()
    network.post(35)
    result = read_feed(network.feed(), queue, db)
    assert (result.fetched, result.pages, result.newest_id) == (PAGE, 1, "35")
    assert read_feed(network.feed(), queue, db).fetched == 0  # the history before the first poll stays unread


def test_a_quiet_feed_reads_everything_it_shows_later() -> None:
    network, queue, db = Network(below=False), MemoryStreamQueue(), FakeDatabase()
    assert read_feed(network.feed(), queue, db).fetched == 0
    network.post(25)
    assert read_feed(network.feed(), queue, db).fetched == 25


def test_a_burst_beyond_the_page_cap_is_read_whole_over_the_next_polls_both_ways_of_paging() -> None:
    for below in (False, True):
        network, queue, db = Network(below=below), MemoryStreamQueue(), FakeDatabase()
        network.post(1)
        assert read_feed(network.feed(), queue, db).fetched == 1
        network.post(PAGE * MAX_PAGES + 15)
        first = read_feed(network.feed(), queue, db)
        assert (first.fetched, first.pages) == (PAGE * MAX_PAGES, MAX_PAGES)
        position = FeedPosition.loads(db.state.checkpoints["test:feed"])
        assert position.since == "1"  # not past the posts still unread below
        network.post(3)  # newer posts arrive before the next poll
        assert read_feed(network.feed(), queue, db).fetched == 15  # reads on down to the kept position
        assert FeedPosition.loads(db.state.checkpoints["test:feed"]).since == str(PAGE * MAX_PAGES + 16)
        assert read_feed(network.feed(), queue, db).fetched == 3
        read = _read(queue)
        assert sorted(read) == list(range(1, PAGE * MAX_PAGES + 20)) and len(read) == len(set(read))


def test_a_failed_page_moves_nothing() -> None:
    network, queue, db = Network(below=False), MemoryStreamQueue(), FakeDatabase()
    network.post(1)
    read_feed(network.feed(), queue, db)
    network.post(25)

    def failing(since: str | None, until: str | None, token: str | None) -> Page:
        if token:
            raise TimeoutError("the network went away")
        return network.fetch(since, until, token)

    with pytest.raises(TimeoutError):
        read_feed(NetworkFeed("test:feed", "test feed", failing), queue, db)
    assert FeedPosition.loads(db.state.checkpoints["test:feed"]).since == "1"
    assert read_feed(network.feed(), queue, db).fetched == 25


def test_a_burst_over_several_pages_goes_onto_the_stream_oldest_first() -> None:
    for below in (False, True):
        network, queue, db = Network(below=below), MemoryStreamQueue(), FakeDatabase()
        network.post(1)
        read_feed(network.feed(), queue, db)
        _read(queue)
        network.post(PAGE * 3 + 4)  # read newest page first, as every network pages
        assert read_feed(network.feed(), queue, db).pages == 4
        assert _read(queue) == list(range(2, PAGE * 3 + 6))  # the workers store the customers' order
