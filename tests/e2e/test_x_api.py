"""The local X server speaks X API v2 to the real tweepy client: paging, rate limits, posting rules, real shapes."""

from __future__ import annotations

import json
import threading
import time

import pytest
import tweepy

from bot.network_feeds import MAX_PAGES, NetworkFeed, PollResult, read_feed
from bot.pacing import Pacer
from bot.x.client import make_client
from bot.x.feeds import PAGE_SIZE, XReader, mentions_feed, search_feed, seconds_until_reset
from bot.x.normalize import normalize_tweet
from bot.x.windows import heed_windows
from handlers.domain.outbox_kinds import POSTS_A_CARD
from handlers.intake.receive import receive
from handlers.intake.stream_codec import from_entry
from handlers.intake.triage import Triage
from handlers.ports.clock import SystemClock
from sandbox.x_api import LocalX
from storage.memory.keys import MemoryDedupe
from storage.memory.stream import MemoryStreamQueue
from storage.rate_limit import WindowRateLimiter
from tests.conftest import SHARED_DATA
from tests.fakes import FakeDatabase

pytestmark = pytest.mark.e2e


def test_mentions_page_with_next_token_and_carry_the_expansions(local_x: LocalX) -> None:
    for n in range(12):
        local_x.add_tweet(f"customer{n % 3}", f"@SqueakyAir complaint {n}")
    client = make_client(local_x.url, bearer_token=local_x.bearer_token)
    first = client.get_users_mentions(
        local_x.brand_id, max_results=5, expansions=["author_id"], user_fields=["username"]
    )
    assert len(first.data) == 5 and first.meta["next_token"]
    assert {u.username for u in first.includes["users"]} <= {"customer0", "customer1", "customer2"}
    second = client.get_users_mentions(local_x.brand_id, max_results=5, pagination_token=first.meta["next_token"])
    assert [t.text for t in first.data + second.data] == [f"@SqueakyAir complaint {n}" for n in range(11, 1, -1)]


def _poll(local_x: LocalX, feed: NetworkFeed, queue: MemoryStreamQueue, db: FakeDatabase) -> PollResult:
    return read_feed(feed, queue, db)


def _reader(local_x: LocalX, pacer: Pacer | None = None) -> XReader:
    """What the X feeds of a test read with: a pacer of its own, the brand account, quick retries."""
    pacer = pacer or Pacer(WindowRateLimiter("memory://"))
    return XReader(pacer, SystemClock(), ["SqueakyAir"], [local_x.brand_id], first_wait=0.01)


def _mentions(local_x: LocalX) -> tuple[NetworkFeed, MemoryStreamQueue, FakeDatabase]:
    """The brand's mentions feed, a stream and a database for a poller test."""
    client = make_client(local_x.url, bearer_token=local_x.bearer_token)
    return mentions_feed(client, local_x.brand_id, "SqueakyAir", _reader(local_x)), MemoryStreamQueue(), FakeDatabase()


def test_poller_reads_every_page_since_the_checkpoint(local_x: LocalX) -> None:
    feed, queue, db = _mentions(local_x)
    local_x.add_tweet("ann", "@SqueakyAir first")
    assert _poll(local_x, feed, queue, db).fetched == 1
    for n in range(250):
        local_x.add_tweet("bob", f"@SqueakyAir storm {n}")
    result = _poll(local_x, feed, queue, db)
    assert (result.fetched, result.pages) == (250, 3)
    texts = [item.text for e in queue.read("t", 1000, 0) for item in from_entry(e.payload)[0]]
    assert len(texts) == 251 and len(set(texts)) == 251
    assert MAX_PAGES >= 3


def test_rate_limit_says_when_to_come_back(local_x: LocalX) -> None:
    client = make_client(local_x.url, bearer_token=local_x.bearer_token)
    local_x.rate_limit_next("mentions", reset_in=30)
    with pytest.raises(tweepy.TooManyRequests) as info:
        client.get_users_mentions(local_x.brand_id)
    assert 25 <= seconds_until_reset(info.value, time.time()) <= 32
    assert client.get_users_mentions(local_x.brand_id, max_results=5).meta["result_count"] == 0


def test_wrong_bearer_token_is_unauthorized(local_x: LocalX) -> None:
    with pytest.raises(tweepy.Unauthorized):
        make_client(local_x.url, bearer_token="wrong").get_users_mentions(local_x.brand_id)


def test_a_reply_must_answer_a_post_that_mentions_us(local_x: LocalX) -> None:
    client = make_client(local_x.url, consumer_key="k", consumer_secret="s", access_token="t", access_token_secret="u")
    mention = local_x.add_tweet("ann", "@SqueakyAir lost bag")
    other = local_x.add_tweet("ann", "lost bag, not telling the airline")
    reply = client.create_tweet(text="We hear you, DM us", in_reply_to_tweet_id=mention["id"], user_auth=True)
    assert reply.data["text"] == "We hear you, DM us"
    assert local_x.posted[0]["referenced_tweets"] == [{"type": "replied_to", "id": mention["id"]}]
    with pytest.raises(tweepy.Forbidden, match="not been mentioned"):
        client.create_tweet(text="Hi", in_reply_to_tweet_id=other["id"], user_auth=True)
    with pytest.raises(tweepy.BadRequest, match="too long"):
        client.create_tweet(text="x" * 281, user_auth=True)


def test_normalizes_the_real_recorded_v2_responses() -> None:
    recorded = json.loads((SHARED_DATA / "x_api_v2" / "sns_search_tweets_query.json").read_text())
    users = {u["id"]: u for u in recorded["includes"]["users"]}
    complaints = [normalize_tweet(t, users, ["TwitterDev"], SystemClock().now()) for t in recorded["data"]]
    assert all(c.author_handle in {u["username"] for u in users.values()} for c in complaints)
    replied_to = {
        t["id"]: r["id"] for t in recorded["data"] for r in t.get("referenced_tweets", []) if r["type"] == "replied_to"
    }
    assert replied_to and {c.external_id: c.in_reply_to_id for c in complaints if c.in_reply_to_id} == replied_to
    assert all(c.created_at.tzinfo is not None and c.created_at.year == 2020 for c in complaints)

    mentions = json.loads((SHARED_DATA / "x_api_v2" / "tweepy_get_users_mentions.json").read_text())
    bare = mentions[0]["response_json"]["data"]  # default fields only: no author, no time
    normalized = [normalize_tweet(t, {}, ["Twitter"], SystemClock().now()) for t in bare]
    assert [c.external_id for c in normalized] == [t["id"] for t in bare]
    assert sum(c.mentions_us for c in normalized) == len(bare)  # every one names @Twitter in its text


def test_x_html_escapes_are_undone_once() -> None:
    recorded = json.loads((SHARED_DATA / "x_api_v2" / "sns_search_tweets_for_nyc.json").read_text())
    escaped = next(t for t in recorded["data"] if "&amp;" in t["text"])
    complaint = normalize_tweet(escaped, {}, ["SqueakyAir"], SystemClock().now())
    assert "&amp;" not in complaint.text and " & " in complaint.text


def test_posts_come_back_as_x_keeps_them_and_read_as_their_author_wrote(local_x: LocalX) -> None:
    """X wraps every link as a 23-character t.co link and escapes & < >; the card shows the addresses and the text."""
    long = "https://help.squeakyair.com/claims/baggage/delayed?ref=SQ212&lang=en"
    local_x.add_tweet("ann", f"@SqueakyAir bags & <strollers> lost: see squeakyair.com and {long}")
    client = make_client(local_x.url, bearer_token=local_x.bearer_token)
    page = client.get_users_mentions(local_x.brand_id, tweet_fields=["entities"], max_results=5)
    [tweet] = page.data
    assert "&amp; &lt;strollers&gt;" in tweet.text and "squeakyair.com" not in tweet.text
    assert [len(u["url"]) for u in tweet.entities["urls"]] == [23, 23]
    assert tweet.entities["urls"][1]["expanded_url"] == long and tweet.entities["urls"][1]["display_url"].endswith("…")
    complaint = normalize_tweet(tweet, {}, ["SqueakyAir"], SystemClock().now())
    assert complaint.text == f"@SqueakyAir bags & <strollers> lost: see squeakyair.com and {long}"


def test_search_feed_and_transient_failures_are_retried(local_x: LocalX) -> None:
    client = make_client(local_x.url, bearer_token=local_x.bearer_token)
    db, queue = FakeDatabase(), MemoryStreamQueue()
    local_x.add_tweet("ann", "SqueakyAir lost my bag again")  # no @: found by search, not in mentions
    local_x.add_tweet("bob", "nice weather")
    local_x.fail_next("search", 503, {"title": "Service Unavailable"}, count=2)
    result = _poll(local_x, search_feed(client, "SqueakyAir bag", _reader(local_x)), queue, db)
    assert result.fetched == 1
    [entry] = queue.read("t", 10, 0)
    [item], _problems = from_entry(entry.payload)
    assert item.text == "SqueakyAir lost my bag again"
    assert not item.mentions_us  # so no public reply will be offered
    assert len([r for r in local_x.requests if r.path.startswith("/2/tweets/search")]) == 3


def test_a_burst_larger_than_one_poll_is_read_whole_over_the_next_polls(local_x: LocalX) -> None:
    """2,500 mentions arrive between two polls: one poll reads 2,000 (newest first) and stops; the position stays
    below the unread ones, the next poll reads on down to it, and every mention is stored and carded once."""
    feed, queue, db = _mentions(local_x)
    local_x.add_tweet("ann", "@SqueakyAir the first, before the storm")
    assert _poll(local_x, feed, queue, db).fetched == 1
    for n in range(2500):
        local_x.add_tweet(f"storm{n}", f"@SqueakyAir storm {n}: my flight is cancelled")
    first = _poll(local_x, feed, queue, db)
    assert (first.fetched, first.pages) == (PAGE_SIZE * MAX_PAGES, MAX_PAGES)
    assert (_poll(local_x, feed, queue, db).fetched, _poll(local_x, feed, queue, db).fetched) == (500, 0)
    local_x.add_tweet("bob", "@SqueakyAir after the storm")
    assert _poll(local_x, feed, queue, db).fetched == 1

    stored = 0
    while entries := queue.read("w", 100, 0):
        items = [item for e in entries for item in from_entry(e.payload)[0]]
        stored += len(receive(db, SystemClock(), MemoryDedupe(), Triage(), items).opened)
        queue.ack([e.id for e in entries])
    texts = [c.text for c in db.state.complaints.values()]
    assert stored == 2502 and len(set(texts)) == 2502 and sum(t.startswith("@SqueakyAir storm ") for t in texts) == 2500
    carded = [row.message.complaint_id for row in db.state.outbox.values() if row.message.kind in POSTS_A_CARD]
    assert sorted(carded) == sorted(db.state.complaints)  # each case carded once


def test_requests_are_paced_inside_the_window(local_x: LocalX) -> None:
    limiter = WindowRateLimiter("memory://")
    client = make_client(local_x.url, bearer_token=local_x.bearer_token)
    stop = threading.Event()
    feed = mentions_feed(client, local_x.brand_id, "SqueakyAir", _reader(local_x, Pacer(limiter, stop)))
    for _ in range(450):
        assert limiter.acquire("x:app:mentions", 450 / 900, 450) == 0  # the window is spent elsewhere
    threading.Timer(0.3, stop.set).start()
    with pytest.raises(InterruptedError):
        feed.fetch(None, None, None)
    assert not any(r.path.endswith("/mentions") for r in local_x.requests)  # it waited instead of asking


def test_a_pacer_that_lost_its_count_keeps_inside_x_window_by_x_own_count(local_x: LocalX) -> None:
    """Our count of X's windows lives in Redis: after a Redis restarted empty, X's own count on each answer keeps the
    pace, so the polls slow down inside the window instead of running it dry and waiting for its reset."""
    local_x.spend("mentions", 445, reset_in=6)  # 5 left, the window resets in 6 s
    client = make_client(local_x.url, bearer_token=local_x.bearer_token)
    heed_windows(client, feed_pacer := Pacer(WindowRateLimiter("memory://")))  # a pacer counting from nothing
    feed = mentions_feed(client, local_x.brand_id, "SqueakyAir", _reader(local_x, feed_pacer))
    read = []
    for n in range(8):
        local_x.add_tweet("ann", f"@SqueakyAir still waiting {n}")
        read.append(feed.fetch(None, None, None).items[0].text)  # the newest first; a 429 would raise RateLimited
    assert read == [f"@SqueakyAir still waiting {n}" for n in range(8)]
    asked = [r for r in local_x.requests if r.path.endswith("/mentions")]
    assert len(asked) == 8  # none refused, none asked twice


def test_the_position_survives_a_lost_stream(local_x: LocalX) -> None:
    client = make_client(local_x.url, bearer_token=local_x.bearer_token)
    db, queue = FakeDatabase(), MemoryStreamQueue()
    feed = mentions_feed(client, local_x.brand_id, "SqueakyAir", _reader(local_x))
    local_x.add_tweet("ann", "@SqueakyAir one")
    _poll(local_x, feed, queue, db)
    queue.ack([e.id for e in queue.read("w", 10, 0)])  # the workers stored it: now safe
    local_x.add_tweet("bob", "@SqueakyAir two")
    _poll(local_x, feed, queue, db)  # on the stream, not yet stored...
    lost = MemoryStreamQueue()  # ...when Redis loses the stream
    assert _poll(local_x, feed, lost, db).fetched == 1
    assert [item.text for e in lost.read("w", 10, 0) for item in from_entry(e.payload)[0]] == ["@SqueakyAir two"]
