"""Poll the brand's X mentions once: every page since the checkpoint, onto the stream, then move the checkpoint."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import tweepy

from bot.x.normalize import normalize_tweet
from handlers.codec import to_payload
from handlers.ports import Clock, StreamQueue, UnitOfWorkFactory

log = logging.getLogger(__name__)

TWEET_FIELDS = ["created_at", "author_id", "conversation_id", "in_reply_to_user_id", "referenced_tweets", "entities"]
EXPANSIONS = ["author_id", "referenced_tweets.id", "referenced_tweets.id.author_id", "in_reply_to_user_id"]
USER_FIELDS = ["username", "name", "public_metrics"]
PAGE_SIZE = 100
MAX_PAGES = 20  # 2,000 mentions per poll at most; the rest come next poll


@dataclass
class PollResult:
    """What one poll did."""

    fetched: int
    pages: int
    newest_id: str | None


def checkpoint_name(user_id: str) -> str:
    """The checkpoint that remembers the newest mention seen for one account."""
    return f"x:mentions:{user_id}"


def brand_user_id(client: tweepy.Client, uow_factory: UnitOfWorkFactory, handle: str) -> str:
    """The X user id of `handle`, looked up once and remembered in the checkpoints table."""
    name = f"x:user-id:{handle.lower()}"
    with uow_factory() as uow:
        known = uow.checkpoints.get(name)
    if known:
        return known
    response = client.get_user(username=handle)
    if response.data is None:
        raise LookupError(f"X has no account @{handle} (X_BRAND_HANDLES)")
    user_id = str(response.data.id)
    with uow_factory() as uow:
        uow.checkpoints.set(name, user_id)
        uow.commit()
    return user_id


def poll_mentions(
    client: tweepy.Client,
    user_id: str,
    brand_handles: list[str],
    queue: StreamQueue,
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
) -> PollResult:
    """Fetch mentions newer than the checkpoint, page by page, add each to the stream, then save the newest id.

    The checkpoint moves only after every page is on the stream: a crash in between
    re-reads those mentions, and the worker's dedupe makes the second delivery a no-op.
    """
    with uow_factory() as uow:
        since_id = uow.checkpoints.get(checkpoint_name(user_id))
    token: str | None = None
    newest: str | None = None
    fetched = pages = 0
    while pages < MAX_PAGES:
        params: dict[str, Any] = {
            "max_results": PAGE_SIZE,
            "tweet_fields": TWEET_FIELDS,
            "expansions": EXPANSIONS,
            "user_fields": USER_FIELDS,
        }
        if since_id:
            params["since_id"] = since_id
        if token:
            params["pagination_token"] = token
        response = client.get_users_mentions(user_id, **params)
        pages += 1
        meta = response.meta or {}
        if newest is None and meta.get("newest_id"):
            newest = str(meta["newest_id"])
        includes = response.includes or {}
        users = {str(u.id): u for u in includes.get("users", [])}
        referenced = {str(t.id): t for t in includes.get("tweets", [])}
        now = clock.now()
        for tweet in response.data or []:
            item = normalize_tweet(tweet, users, brand_handles, now, included_tweets=referenced, brand_ids=[user_id])
            queue.add(to_payload(item))
            fetched += 1
        token = meta.get("next_token")
        if not token or not since_id:
            break  # first run: start from the newest page, not the account's whole history
    if newest is not None:
        with uow_factory() as uow:
            uow.checkpoints.set(checkpoint_name(user_id), newest)
            uow.commit()
    log.log(
        logging.INFO if fetched else logging.DEBUG,
        "polled X mentions of %s: %d new in %d page(s)",
        user_id,
        fetched,
        pages,
    )
    return PollResult(fetched=fetched, pages=pages, newest_id=newest)
