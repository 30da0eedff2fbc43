"""The Bluesky feeds Squeaky reads: the brand account's notifications (mentions, replies, quotes) and searches,
each paged newest first from its kept position (its time and URI: nothing is read twice), with 5xx and timeouts
retried, 429s honoured, and a session the PDS ended renewed."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from atproto import Client
from atproto_client.exceptions import RateLimitExceededError

from bot.bluesky.client import BlueskySession, transient, wait_seconds
from bot.bluesky.normalize import normalize_post
from bot.network_feeds import NetworkFeed, Page
from bot.pacing import LANES, Pacer, RateLimited, local_pacer
from handlers.ports.clock import Clock

PAGE_SIZE = 100  # the most listNotifications and searchPosts give at once
COMPLAINT_REASONS = ("mention", "reply", "quote")


def _call(session: BlueskySession, pacer: Pacer, fetch: Callable[[Client], Any]) -> Any:
    """One read through the session (renewed where the PDS ended it) inside Bluesky's request budget, 5xx and
    timeouts retried, a 429 pausing the budget in every process and raised."""
    lane = LANES["bluesky.requests"]
    try:
        return pacer.call(lane, lambda: session.call(fetch), transient)
    except RateLimitExceededError as exc:
        seconds = wait_seconds(exc)
        pacer.pause(lane, "", seconds)
        raise RateLimited("Bluesky", seconds) from None


def _tag(uri: str) -> str:
    """A short tag of a post's URI: enough to tell apart posts indexed at the same instant, short enough that a
    position (several keys) fits its checkpoint."""
    return hashlib.sha256(uri.encode()).hexdigest()[:8]


def _key(stamp: str, uri: str) -> str:
    """A post's position key: when it was indexed, and its URI's tag."""
    return f"{stamp} {_tag(uri)}"


def _page(
    items: list[Any], stamps: list[str], uris: list[str], since: str | None, cursor: str | None
) -> tuple[list[Any], str | None]:
    """The items after `since` (a position key; `stamps`: each one's indexedAt, `uris` its URI), and the cursor to
    read on, unless this page already reached `since`. The post at the position itself is not read again; another of
    the same instant is (an older position kept only the instant: its posts are read once more)."""
    if since is None:
        return items, cursor
    at, _, tag = since.partition(" ")
    fresh = [
        item
        for item, stamp, uri in zip(items, stamps, uris, strict=True)
        if stamp > at or (stamp == at and _tag(uri) != tag)
    ]
    reached = len(fresh) < len(items)
    return fresh, None if reached else cursor


def _bounds(stamps: list[str], uris: list[str]) -> tuple[str | None, str | None]:
    """The newest and oldest position keys of a page."""
    keys = sorted(zip(stamps, uris, strict=True))
    return (_key(*keys[-1]), _key(*keys[0])) if keys else (None, None)


def notifications_feed(session: BlueskySession, clock: Clock, pacer: Pacer | None = None) -> NetworkFeed:
    """The brand account's notifications: mentions, replies to our posts and quotes of them."""
    paced = pacer or local_pacer()

    def fetch(since: str | None, until: str | None, token: str | None) -> Page:
        token = token or until  # Bluesky reads on from its cursor
        params: dict[str, Any] = {"limit": PAGE_SIZE, "reasons": list(COMPLAINT_REASONS)}
        if token:
            params["cursor"] = token
        answer = _call(session, paced, lambda client: client.app.bsky.notification.list_notifications(params))
        stamps = [str(n.indexed_at) for n in answer.notifications]
        uris = [str(n.uri) for n in answer.notifications]
        fresh, cursor = _page(answer.notifications, stamps, uris, since, answer.cursor)
        now = clock.now()
        items = [
            normalize_post(n, brand_handle=session.handle, brand_did=session.did, now=now, reason=n.reason)
            for n in fresh
            if n.reason in COMPLAINT_REASONS  # the filter is a request: a server may send likes and follows too
        ]
        return Page(items, *_bounds(stamps, uris), cursor if answer.notifications else None)

    return NetworkFeed(
        f"bsky:notifications:{session.handle.lower()}", f"Bluesky notifications of @{session.handle}", fetch
    )


def search_feed(session: BlueskySession, query: str, clock: Clock, pacer: Pacer | None = None) -> NetworkFeed:
    """A post search (keywords, hashtags, other brands' handles), newest first."""
    digest = hashlib.sha256(query.encode()).hexdigest()[:16]
    paced = pacer or local_pacer()

    def fetch(since: str | None, until: str | None, token: str | None) -> Page:
        token = token or until  # Bluesky reads on from its cursor
        params: dict[str, Any] = {"q": query, "sort": "latest", "limit": PAGE_SIZE}
        if since:
            params["since"] = since.partition(" ")[0]  # inclusive: the post at the position is dropped below
        if token:
            params["cursor"] = token
        answer = _call(session, paced, lambda client: client.app.bsky.feed.search_posts(params))
        stamps = [str(p.indexed_at) for p in answer.posts]
        uris = [str(p.uri) for p in answer.posts]
        fresh, cursor = _page(answer.posts, stamps, uris, since, answer.cursor)
        now = clock.now()
        items = [normalize_post(p, brand_handle=session.handle, brand_did=session.did, now=now) for p in fresh]
        return Page(items, *_bounds(stamps, uris), cursor if answer.posts else None)

    return NetworkFeed(f"bsky:search:{digest}", f"Bluesky search {query!r}", fetch)
