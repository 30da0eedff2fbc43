"""The one pacer in front of the networks, through the real clients and the local stand-ins: reads wait for a slot
of the documented budget instead of asking, and a 429 pauses the lane for every process on the same limiter."""

from __future__ import annotations

import threading

import pytest

from bot.mastodon.client import MastodonAccount
from bot.mastodon.client import make_client as make_mastodon
from bot.mastodon.feeds import mentions_feed as mastodon_mentions
from bot.network_feeds import NetworkFeed
from bot.pacing import LANES, Pacer, RateLimited
from bot.x.client import make_client
from bot.x.feeds import XReader, mentions_feed
from handlers.ports.clock import SystemClock
from sandbox.mastodon_api import LocalMastodon
from sandbox.x_api import LocalX
from storage.rate_limit import WindowRateLimiter

pytestmark = pytest.mark.e2e


def _x_feed(local_x: LocalX, pacer: Pacer) -> NetworkFeed:
    """The brand's X mentions feed, read with `pacer`."""
    client = make_client(local_x.url, bearer_token=local_x.bearer_token)
    reader = XReader(pacer, SystemClock(), ["SqueakyAir"], [local_x.brand_id], first_wait=0.01)
    return mentions_feed(client, local_x.brand_id, "SqueakyAir", reader)


def test_an_x_429_pauses_the_window_for_every_process_until_its_reset(local_x: LocalX) -> None:
    limiter = WindowRateLimiter("memory://")  # what the processes share (Redis in production)
    local_x.rate_limit_next("mentions", reset_in=30)
    with pytest.raises(RateLimited) as limited:
        _x_feed(local_x, Pacer(limiter)).fetch(None, None, None)
    assert 25 <= limited.value.seconds <= 32
    asked = len(local_x.requests)
    stop = threading.Event()
    threading.Timer(0.3, stop.set).start()
    with pytest.raises(InterruptedError):  # another process's poll waits for the reset instead of asking
        _x_feed(local_x, Pacer(limiter, stop)).fetch(None, None, None)
    assert len(local_x.requests) == asked
    assert 25 <= Pacer(limiter).ask(LANES["x.mentions"]) <= 31


def test_mastodon_reads_wait_inside_the_documented_budget_before_any_429(local_mastodon: LocalMastodon) -> None:
    limiter = WindowRateLimiter("memory://")
    account = MastodonAccount(make_mastodon(local_mastodon.url, local_mastodon.token), "local")
    lane = LANES["mastodon.requests"]
    for _ in range(lane.windows[0].burst):  # 300 requests in 5 minutes, spent by other processes
        assert Pacer(limiter).ask(lane, "local") == 0
    asked = len(local_mastodon.requests)
    stop = threading.Event()
    threading.Timer(0.3, stop.set).start()
    with pytest.raises(InterruptedError):
        mastodon_mentions(account, SystemClock(), Pacer(limiter, stop)).fetch(None, None, None)
    assert len(local_mastodon.requests) == asked  # it waited instead of asking


def test_a_mastodon_429_is_read_from_its_iso_reset_and_pauses_the_lane(local_mastodon: LocalMastodon) -> None:
    limiter = WindowRateLimiter("memory://")
    account = MastodonAccount(make_mastodon(local_mastodon.url, local_mastodon.token), "local")
    local_mastodon.rate_limit_next("notifications", reset_in=40)
    with pytest.raises(RateLimited) as limited:
        mastodon_mentions(account, SystemClock(), Pacer(limiter)).fetch(None, None, None)
    assert 35 <= limited.value.seconds <= 41
    assert 35 <= Pacer(limiter).ask(LANES["mastodon.requests"], "local") <= 41
