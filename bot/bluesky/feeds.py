"""The Bluesky feeds Squeaky reads: the brand account's notifications (mentions, replies, quotes) and searches,
each paged newest first from its kept position, with 5xx and timeouts retried and 429s honoured."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable
from typing import Any

from atproto_client.exceptions import RateLimitExceededError

from bot.bluesky.client import BlueskySession, transient, wait_seconds
from bot.bluesky.normalize import normalize_post
from bot.network_feeds import NetworkFeed, Page, RateLimited, with_retries
from handlers.ports.clock import Clock

PAGE_SIZE = 100  # the most listNotifications and searchPosts give at once
COMPLAINT_REASONS = ("mention", "reply", "quote")


def _call(session: BlueskySession, stop: threading.Event | None, fetch: Callable[[], Any]) -> Any:
    try:
        return with_retries(fetch, transient, stop=stop)
    except RateLimitExceededError as exc:
        raise RateLimited("Bluesky", wait_seconds(exc)) from None


def _page(items: list[Any], stamps: list[str], since: str | None, cursor: str | None) -> tuple[list[Any], str | None]:
    """The items newer than `since` (`stamps`: each one's indexedAt), and the cursor to read on, unless this page
    already reached `since`."""
    if since is None:
        return items, cursor
    fresh = [item for item, stamp in zip(items, stamps, strict=True) if stamp >= since]  # the same instant: re-read
    reached = len(fresh) < len(items)
    return fresh, None if reached else cursor


def notifications_feed(session: BlueskySession, clock: Clock, stop: threading.Event | None = None) -> NetworkFeed:
    """The brand account's notifications: mentions, replies to our posts and quotes of them."""

    def fetch(since: str | None, token: str | None) -> Page:
        client = session.client()
        params: dict[str, Any] = {"limit": PAGE_SIZE, "reasons": list(COMPLAINT_REASONS)}
        if token:
            params["cursor"] = token
        answer = _call(session, stop, lambda: client.app.bsky.notification.list_notifications(params))
        stamps = [str(n.indexed_at) for n in answer.notifications]
        fresh, cursor = _page(answer.notifications, stamps, since, answer.cursor)
        now = clock.now()
        items = [
            normalize_post(n, brand_handle=session.handle, brand_did=session.did, now=now, reason=n.reason)
            for n in fresh
            if n.reason in COMPLAINT_REASONS  # the filter is a request: a server may send likes and follows too
        ]
        return Page(
            items, max(stamps, default=None), min(stamps, default=None), cursor if answer.notifications else None
        )

    return NetworkFeed(
        f"bsky:notifications:{session.handle.lower()}", f"Bluesky notifications of @{session.handle}", fetch
    )


def search_feed(session: BlueskySession, query: str, clock: Clock, stop: threading.Event | None = None) -> NetworkFeed:
    """A post search (keywords, hashtags, other brands' handles), newest first."""
    digest = hashlib.sha256(query.encode()).hexdigest()[:16]

    def fetch(since: str | None, token: str | None) -> Page:
        client = session.client()
        params: dict[str, Any] = {"q": query, "sort": "latest", "limit": PAGE_SIZE}
        if since:
            params["since"] = since
        if token:
            params["cursor"] = token
        answer = _call(session, stop, lambda: client.app.bsky.feed.search_posts(params))
        stamps = [str(p.indexed_at) for p in answer.posts]
        fresh, cursor = _page(answer.posts, stamps, since, answer.cursor)
        now = clock.now()
        items = [normalize_post(p, brand_handle=session.handle, brand_did=session.did, now=now) for p in fresh]
        return Page(items, max(stamps, default=None), min(stamps, default=None), cursor if answer.posts else None)

    return NetworkFeed(f"bsky:search:{digest}", f"Bluesky search {query!r}", fetch)
