"""Bluesky sessions as the PDS really ends them: the real atproto client against a stand-in whose access tokens the
PDS stops honouring before their time (400 ExpiredToken). A session ended on the server costs no mention and no
reply; every process using the account shares one session through Redis and only one of them renews it."""

from __future__ import annotations

import threading
import time

import pytest
import redis

from bot.bluesky.client import BlueskySession
from bot.bluesky.feeds import notifications_feed
from bot.network_feeds import poll_network_feed
from handlers.ports.clock import SystemClock
from sandbox.bluesky_api import LocalBluesky
from sandbox.mastodon_api import LocalMastodon
from storage.memory.stream import MemoryStreamQueue
from storage.redis.keys import RedisLocks, RedisValues
from tests.e2e.conftest import Running, Start
from tests.e2e.test_agent_card import card_shows, submit
from tests.e2e.test_networks import claim_and_open_reply, new_card, on
from tests.fakes import FakeDatabase

pytestmark = pytest.mark.e2e


def _session(bluesky: LocalBluesky, client: redis.Redis | None = None) -> BlueskySession:
    if client is None:
        return BlueskySession(bluesky.url, bluesky.brand, bluesky.app_password)
    return BlueskySession(
        bluesky.url, bluesky.brand, bluesky.app_password, values=RedisValues(client), locks=RedisLocks(client)
    )


def test_a_session_the_pds_ended_early_is_refreshed_and_no_mention_is_lost(local_bluesky: LocalBluesky) -> None:
    feed = notifications_feed(_session(local_bluesky), SystemClock())
    queue, db = MemoryStreamQueue(), FakeDatabase()
    local_bluesky.add_post("ann.bsky.social", "@squeakyair.bsky.social my bag is lost")
    assert poll_network_feed(feed, queue, db) == 1
    local_bluesky.expire_sessions()  # two hours early, as far as the client's own clock knows
    local_bluesky.add_post("bob.bsky.social", "@squeakyair.bsky.social stuck at gate 4")
    assert poll_network_feed(feed, queue, db) == 1
    assert (local_bluesky.tokens.created, local_bluesky.tokens.refreshed) == (1, 1)  # refreshed, not logged in again


def test_a_refresh_token_the_pds_refuses_means_logging_in_again(local_bluesky: LocalBluesky) -> None:
    feed = notifications_feed(_session(local_bluesky), SystemClock())
    queue, db = MemoryStreamQueue(), FakeDatabase()
    assert poll_network_feed(feed, queue, db) == 0
    local_bluesky.expire_sessions()
    refused = {"error": "ExpiredToken", "message": "Token has been revoked"}
    local_bluesky.fail_next("com.atproto.server.refreshSession", 400, refused)
    local_bluesky.add_post("ann.bsky.social", "@squeakyair.bsky.social my bag is lost")
    assert poll_network_feed(feed, queue, db) == 1
    assert local_bluesky.tokens.created == 2


def test_processes_share_one_session_and_one_of_them_renews_it(
    local_bluesky: LocalBluesky, redis_client: redis.Redis
) -> None:
    processes = [_session(local_bluesky, redis_client) for _ in range(3)]
    feeds = [notifications_feed(session, SystemClock()) for session in processes]
    local_bluesky.add_post("ann.bsky.social", "@squeakyair.bsky.social my bag is lost")
    for feed in feeds:
        assert poll_network_feed(feed, MemoryStreamQueue(), FakeDatabase()) == 1
    assert local_bluesky.tokens.created == 1  # the others took the session the first one made
    local_bluesky.expire_sessions()
    read: list[int] = []
    threads = [
        threading.Thread(target=lambda f=f: read.append(poll_network_feed(f, MemoryStreamQueue(), FakeDatabase())))
        for f in feeds
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert read == [1, 1, 1]
    assert (local_bluesky.tokens.created, local_bluesky.tokens.refreshed) == (1, 1)


def test_a_reply_sent_after_the_session_ended_is_posted_not_refused(
    start_squeaky: Start, local_bluesky: LocalBluesky, local_mastodon: LocalMastodon
) -> None:
    squeaky: Running = start_squeaky(**on(local_bluesky, local_mastodon))
    for n, name in enumerate(("Ann", "Bob")):
        local_bluesky.add_post(f"{name.lower()}.bsky.social", f"@squeakyair.bsky.social my bag is lost ({n})")
        card = new_card(squeaky, "Bluesky")
        view = claim_and_open_reply(squeaky, card)
        if n == 1:  # the reply gateway's session is in use: the PDS ends it before the second reply
            local_bluesky.expire_sessions()
        assert submit(squeaky, "alice", view, {"text:0": f"So sorry {name}, DM us your booking reference."}) == {}
        shown = card_shows(squeaky, "Replied publicly")
        assert "refused" not in shown
    assert len(local_bluesky.posted) == 2


def test_a_session_near_its_written_end_is_renewed_before_it_is_refused(local_bluesky: LocalBluesky) -> None:
    local_bluesky.tokens.access_minutes = 0.05  # three seconds: renewed in its second half, not on every call
    session = _session(local_bluesky)
    feed = notifications_feed(session, SystemClock())
    queue, db = MemoryStreamQueue(), FakeDatabase()
    assert poll_network_feed(feed, queue, db) == 0
    assert poll_network_feed(feed, queue, db) == 0
    assert local_bluesky.tokens.refreshed == 0
    time.sleep(1.6)
    local_bluesky.add_post("ann.bsky.social", "@squeakyair.bsky.social my bag is lost")
    assert poll_network_feed(feed, queue, db) == 1
    assert (local_bluesky.tokens.created, local_bluesky.tokens.refreshed) == (1, 1)
    reads = [r for r in local_bluesky.requests if r.path.endswith("listNotifications")]
    assert len(reads) == 3  # none refused and made again
