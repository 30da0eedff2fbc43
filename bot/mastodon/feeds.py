"""The Mastodon feeds Squeaky reads: mentions from the brand account's notifications, hashtag timelines and
searches, each paged newest first (max_id) from its kept position (since_id)."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable
from typing import Any

from mastodon.errors import MastodonRatelimitError

from bot.mastodon.client import MastodonAccount, transient, wait_seconds
from bot.mastodon.normalize import full_handle, normalize_status
from bot.network_feeds import NetworkFeed, Page, RateLimited, with_retries
from handlers.ports.clock import Clock

NOTIFICATIONS_PAGE = 80  # the most /api/v1/notifications gives at once
STATUSES_PAGE = 40  # the most a timeline or a search gives at once


def _call(account: MastodonAccount, stop: threading.Event | None, fetch: Callable[[], Any]) -> Any:
    try:
        return with_retries(fetch, transient, stop=stop)
    except MastodonRatelimitError as exc:
        raise RateLimited("Mastodon", wait_seconds(account.api, exc)) from None


def _page(
    items: list[Any], statuses: list[Any], size: int, account: MastodonAccount, clock: Clock, mention: bool
) -> Page:
    ids = [str(item["id"]) for item in items]
    now = clock.now()
    brand = full_handle(account.me, account.home)
    complaints = [
        normalize_status(s, home=account.home, brand_acct=brand, now=now, mention=mention, remote=account.remote)
        for s in statuses
    ]
    newest = max(ids, key=int, default=None)
    oldest = min(ids, key=int, default=None)
    return Page(complaints, newest, oldest, oldest if len(items) >= size else None)


def mentions_feed(account: MastodonAccount, clock: Clock, stop: threading.Event | None = None) -> NetworkFeed:
    """Mentions of the brand account, from its notifications (direct and followers-only ones too: they become
    cases, never public replies)."""

    def fetch(since: str | None, token: str | None) -> Page:
        call = lambda: account.api.notifications(  # noqa: E731
            types=["mention"], since_id=since, max_id=token, limit=NOTIFICATIONS_PAGE
        )
        found = _call(account, stop, call)
        statuses = [n["status"] for n in found if n.get("type") == "mention" and n.get("status")]
        return _page(found, statuses, NOTIFICATIONS_PAGE, account, clock, mention=True)

    return NetworkFeed(f"mastodon:mentions:{account.home}", f"Mastodon mentions on {account.home}", fetch)


def search_feed(
    account: MastodonAccount, search: str, clock: Clock, stop: threading.Event | None = None
) -> NetworkFeed:
    """A hashtag's timeline (`#delays`) or a search for statuses (anything else) on the account's instance; or a
    hashtag's public timeline on another instance (`https://other.instance #delays`), read without an account."""
    digest = hashlib.sha256(search.encode()).hexdigest()[:16]
    where, _, query = search.partition(" ") if search.startswith(("http://", "https://")) else ("", "", search)
    query = query.strip()
    tag = query[1:] if query.startswith("#") and " " not in query else None
    if where:
        account = account.elsewhere(where)

    def fetch(since: str | None, token: str | None) -> Page:
        if tag is not None:
            call = lambda: account.api.timeline_hashtag(  # noqa: E731
                tag, since_id=since, max_id=token, limit=STATUSES_PAGE
            )
            found = _call(account, stop, call)
        else:
            call = lambda: account.api.search_v2(  # noqa: E731
                query, resolve=False, result_type="statuses", min_id=since, max_id=token, limit=STATUSES_PAGE
            )
            found = _call(account, stop, call)["statuses"]
        return _page(found, found, STATUSES_PAGE, account, clock, mention=False)

    return NetworkFeed(f"mastodon:search:{account.home}:{digest}", f"Mastodon {query!r} on {account.home}", fetch)
