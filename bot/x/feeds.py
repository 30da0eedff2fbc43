"""X feeds Squeaky reads: the brand's mentions timeline and recent-search queries, paced and retried."""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import requests
import tweepy
from tenacity import Retrying, retry_if_exception_type, stop_after_attempt, wait_exponential_jitter

from handlers.ports.coordination import RateLimiter

log = logging.getLogger(__name__)

# X API v2 limits per app, per 15-minute window.
WINDOW_SECONDS = 15 * 60
LIMITS = {"mentions": 450, "search": 450}
_TRANSIENT = (tweepy.TwitterServerError, requests.ConnectionError, requests.Timeout)


@dataclass(frozen=True)
class Feed:
    """One thing to poll: its checkpoint, the endpoint it counts against, and how to fetch a page."""

    checkpoint: str
    endpoint: str
    fetch: Callable[[dict[str, Any]], tweepy.Response]
    label: str


def mentions_feed(client: tweepy.Client, user_id: str, handle: str) -> Feed:
    """The brand account's mentions timeline."""
    return Feed(
        checkpoint=f"x:mentions:{user_id}",
        endpoint="mentions",
        fetch=lambda params: client.get_users_mentions(user_id, **params),
        label=f"mentions of @{handle}",
    )


def search_feed(client: tweepy.Client, query: str) -> Feed:
    """A recent-search query (keywords, hashtags, other brand handles)."""
    digest = hashlib.sha256(query.encode()).hexdigest()[:16]
    return Feed(
        checkpoint=f"x:search:{digest}",
        endpoint="search",
        fetch=lambda params: client.search_recent_tweets(query, **params),
        label=f"search {query!r}",
    )


class Pacer:
    """Keeps requests inside X's per-app windows (shared through the limiter) and retries transient failures."""

    def __init__(
        self, limiter: RateLimiter, stop: threading.Event | None = None, *, attempts: int = 4, first_wait: float = 1.0
    ) -> None:
        self._limiter = limiter
        self._stop = stop or threading.Event()
        self._attempts = attempts
        self._first_wait = first_wait

    def _sleep(self, seconds: float) -> None:
        if self._stop.wait(seconds):
            raise InterruptedError("stopping")

    def call(self, feed: Feed, params: dict[str, Any]) -> tweepy.Response:
        """Wait for a slot in the feed's window, then fetch, retrying 5xx and timeouts with backoff."""
        limit = LIMITS[feed.endpoint]
        while (wait := self._limiter.acquire(f"x:app:{feed.endpoint}", limit / WINDOW_SECONDS, limit)) > 0:
            log.info("pacing %s: next X request in %.0fs", feed.label, wait)
            if self._stop.wait(wait):
                raise InterruptedError("stopping")
        retrying = Retrying(
            retry=retry_if_exception_type(_TRANSIENT),
            stop=stop_after_attempt(self._attempts),
            wait=wait_exponential_jitter(multiplier=self._first_wait, max=30),
            sleep=self._sleep,
            reraise=True,
        )
        return retrying(feed.fetch, params)
