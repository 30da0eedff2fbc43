"""X feeds Squeaky reads: the brand's mentions timeline and recent-search queries, as feeds of the one feed engine.

X pages below a post id: a poll asks for posts after `since_id`, page by page with
`meta.next_token`, and a pass cut short reads on next poll with `until_id`, the oldest post
it read. Each request takes a slot of X's per-app window first (the one pacer); 5xx and
timeouts are retried; a 429 pauses the window in every process until `x-rate-limit-reset`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import requests
import tweepy

from bot.network_feeds import NetworkFeed, Page
from bot.pacing import LANES, Lane, Pacer, RateLimited, Refused, wait_from
from bot.x.normalize import normalize_tweet
from handlers.ports.clock import Clock

TWEET_FIELDS = ["created_at", "author_id", "conversation_id", "in_reply_to_user_id", "referenced_tweets", "entities"]
EXPANSIONS = ["author_id", "referenced_tweets.id", "referenced_tweets.id.author_id", "in_reply_to_user_id"]
USER_FIELDS = ["username", "name", "public_metrics"]
PAGE_SIZE = 100
_TRANSIENT = (tweepy.TwitterServerError, requests.ConnectionError, requests.Timeout)


@dataclass(frozen=True)
class XReader:
    """What every X feed reads with: the pacer, the clock, and our accounts (handles and their user ids)."""

    pacer: Pacer
    clock: Clock
    brand_handles: list[str]
    brand_ids: list[str]
    first_wait: float = 1.0  # the first retry's wait after a 5xx or a timeout


def seconds_until_reset(exc: tweepy.TooManyRequests, now: float | None = None) -> float:
    """How long X asked us to wait: until x-rate-limit-reset (X sends no Retry-After)."""
    return wait_from(exc.response.headers if exc.response is not None else None, now)


def _transient(exc: Exception) -> bool:
    return isinstance(exc, _TRANSIENT)


def _feed(checkpoint: str, label: str, lane: Lane, ask: Callable[..., tweepy.Response], reader: XReader) -> NetworkFeed:
    def fetch(since: str | None, until: str | None, token: str | None) -> Page:
        params: dict[str, Any] = {
            "max_results": PAGE_SIZE,
            "tweet_fields": TWEET_FIELDS,
            "expansions": EXPANSIONS,
            "user_fields": USER_FIELDS,
        }
        params |= {k: v for k, v in (("since_id", since), ("until_id", until), ("pagination_token", token)) if v}
        try:
            response = reader.pacer.call(lane, lambda: ask(**params), _transient, first=reader.first_wait)
        except tweepy.TooManyRequests as exc:
            seconds = seconds_until_reset(exc)
            reader.pacer.pause(lane, "", seconds)
            raise RateLimited("X", seconds) from None
        except (tweepy.Unauthorized, tweepy.Forbidden) as exc:
            raise Refused(f"X refused our credentials ({exc}); check X_BEARER_TOKEN") from None
        meta = response.meta or {}
        includes = response.includes or {}
        users = {str(u.id): u for u in includes.get("users", [])}
        referenced = {str(t.id): t for t in includes.get("tweets", [])}
        now = reader.clock.now()
        items = [
            normalize_tweet(t, users, reader.brand_handles, now, included_tweets=referenced, brand_ids=reader.brand_ids)
            for t in response.data or []
        ]
        newest, oldest = meta.get("newest_id"), meta.get("oldest_id")
        return Page(
            items,
            str(newest) if newest else None,
            str(oldest) if oldest else None,
            meta.get("next_token"),
            resume_at=str(oldest) if oldest else None,  # X reads on below the oldest post read, with until_id
        )

    return NetworkFeed(checkpoint, label, fetch)


def mentions_feed(client: tweepy.Client, user_id: str, handle: str, reader: XReader) -> NetworkFeed:
    """The brand account's mentions timeline."""
    ask = lambda **params: client.get_users_mentions(user_id, **params)  # noqa: E731
    return _feed(f"x:mentions:{user_id}", f"X mentions of @{handle}", LANES["x.mentions"], ask, reader)


def search_feed(client: tweepy.Client, query: str, reader: XReader) -> NetworkFeed:
    """A recent-search query (keywords, hashtags, other brand handles)."""
    digest = hashlib.sha256(query.encode()).hexdigest()[:16]
    ask = lambda **params: client.search_recent_tweets(query, **params)  # noqa: E731
    return _feed(f"x:search:{digest}", f"X search {query!r}", LANES["x.search"], ask, reader)
