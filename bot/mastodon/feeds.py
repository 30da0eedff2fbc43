"""The Mastodon feeds Squeaky reads: mentions from the brand account's notifications (those its notification policy
filtered too), hashtag timelines and searches, each paged newest first (max_id, from the Link header where the
instance gives one) from its kept position (since_id)."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from typing import Any

from mastodon.errors import MastodonNotFoundError, MastodonRatelimitError

from bot.mastodon.client import MastodonAccount, transient, wait_seconds
from bot.mastodon.normalize import full_handle, normalize_status
from bot.network_feeds import NetworkFeed, Page
from bot.pacing import LANES, Pacer, RateLimited, local_pacer
from handlers.ports.clock import Clock

log = logging.getLogger(__name__)

NOTIFICATIONS_PAGE = 80  # the most /api/v1/notifications gives at once
STATUSES_PAGE = 40  # the most a timeline or a search gives at once


def _call(account: MastodonAccount, pacer: Pacer, fetch: Callable[[], Any]) -> Any:
    """One read inside the instance's request budget (per instance), 5xx and timeouts retried, a 429 pausing the
    budget in every process and raised."""
    lane = LANES["mastodon.requests"]
    try:
        return pacer.call(lane, fetch, transient, scope=account.home)
    except MastodonRatelimitError as exc:
        seconds = wait_seconds(account.api, exc)
        pacer.pause(lane, account.home, seconds)
        raise RateLimited("Mastodon", seconds) from None


def next_max_id(page: Any) -> str | None:
    """Where the next, older page starts, as the instance's Link header says (Mastodon.py reads it); None when it
    names none. A page may hold fewer than asked and still not be the last."""
    info = getattr(page, "_pagination_next", None)
    value = info.get("max_id") if isinstance(info, dict) else None
    return str(value) if value is not None else None


def _page(
    ids: list[str], statuses: list[Any], next_token: str | None, account: MastodonAccount, clock: Clock, mention: bool
) -> Page:
    now = clock.now()
    brand = full_handle(account.me, account.home)
    complaints = [
        normalize_status(s, home=account.home, brand_acct=brand, now=now, mention=mention, remote=account.remote)
        for s in statuses
    ]
    newest = max(ids, key=int, default=None)
    oldest = min(ids, key=int, default=None)
    return Page(complaints, newest, oldest, next_token if ids else None)


def _grouped_mentions(found: Any) -> tuple[list[str], list[Any]]:
    """The notification ids and statuses of a grouped page (mentions are never grouped: one notification each)."""
    by_id = {str(status["id"]): status for status in found.get("statuses") or []}
    ids, statuses = [], []
    for group in found.get("notification_groups") or []:
        ids += [str(group["most_recent_notification_id"]), str(group.get("page_min_id") or "0")]
        status = by_id.get(str(group.get("status_id")))
        if group.get("type") == "mention" and status is not None:
            statuses.append(status)
    return [i for i in ids if i != "0"], statuses


def mentions_feed(account: MastodonAccount, clock: Clock, pacer: Pacer | None = None) -> NetworkFeed:
    """Mentions of the brand account, from its notifications (direct and followers-only ones too: they become
    cases, never public replies), those its notification policy filtered included: since Mastodon 4.3 a private
    mention from an account the brand does not follow is filtered by default, and comes back only when asked for.
    An instance before 4.3 (no grouped notifications, no policy) is read through /api/v1/notifications."""
    grouped = True  # until the instance says it has no grouped notifications
    paced = pacer or local_pacer()

    def fetch(since: str | None, until: str | None, token: str | None) -> Page:
        token = token or until  # Mastodon reads on below its max_id
        nonlocal grouped
        if grouped:
            call = lambda: account.api.grouped_notifications(  # noqa: E731
                types=["mention"], include_filtered=True, since_id=since, max_id=token, limit=NOTIFICATIONS_PAGE,
                expand_accounts="full",
            )  # fmt: skip
            try:
                found = _call(account, paced, call)
            except MastodonNotFoundError:
                log.info("%s has no grouped notifications (before Mastodon 4.3): reading v1", account.home)
                grouped = False
            else:
                ids, statuses = _grouped_mentions(found)
                return _page(ids, statuses, next_max_id(found), account, clock, mention=True)
        call = lambda: account.api.notifications(  # noqa: E731
            types=["mention"], since_id=since, max_id=token, limit=NOTIFICATIONS_PAGE
        )
        found = _call(account, paced, call)
        statuses = [n["status"] for n in found if n.get("type") == "mention" and n.get("status")]
        return _page([str(n["id"]) for n in found], statuses, next_max_id(found), account, clock, mention=True)

    return NetworkFeed(f"mastodon:mentions:{account.home}", f"Mastodon mentions on {account.home}", fetch)


def search_feed(account: MastodonAccount, search: str, clock: Clock, pacer: Pacer | None = None) -> NetworkFeed:
    """A hashtag's timeline (`#delays`) or a search for statuses (anything else) on the account's instance; or a
    hashtag's public timeline on another instance (`https://other.instance #delays`), read without an account."""
    digest = hashlib.sha256(search.encode()).hexdigest()[:16]
    where, _, query = search.partition(" ") if search.startswith(("http://", "https://")) else ("", "", search)
    query = query.strip()
    tag = query[1:] if query.startswith("#") and " " not in query else None
    if where:
        account = account.elsewhere(where)
    paced = pacer or local_pacer()

    def fetch(since: str | None, until: str | None, token: str | None) -> Page:
        token = token or until  # Mastodon reads on below its max_id
        if tag is not None:
            call = lambda: account.api.timeline_hashtag(  # noqa: E731
                tag, since_id=since, max_id=token, limit=STATUSES_PAGE
            )
            found = _call(account, paced, call)
            next_token = next_max_id(found)
        else:
            call = lambda: account.api.search_v2(  # noqa: E731
                query, resolve=False, result_type="statuses", min_id=since, max_id=token, limit=STATUSES_PAGE
            )
            found = _call(account, paced, call)["statuses"]
            next_token = str(min((int(s["id"]) for s in found), default=0)) if len(found) >= STATUSES_PAGE else None
        return _page([str(s["id"]) for s in found], found, next_token, account, clock, mention=False)

    return NetworkFeed(f"mastodon:search:{account.home}:{digest}", f"Mastodon {query!r} on {account.home}", fetch)
