"""Poll an X feed once: every page since its position, onto the stream, then move the position."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import tweepy

from bot.x.feeds import Feed, Pacer
from bot.x.normalize import normalize_tweet
from handlers.intake.feed_position import FeedPosition, advanced, part_way, resume
from handlers.intake.stream_codec import to_entry
from handlers.ports.clock import Clock
from handlers.ports.coordination import StreamQueue
from handlers.ports.unit_of_work import UnitOfWorkFactory

log = logging.getLogger(__name__)

TWEET_FIELDS = ["created_at", "author_id", "conversation_id", "in_reply_to_user_id", "referenced_tweets", "entities"]
EXPANSIONS = ["author_id", "referenced_tweets.id", "referenced_tweets.id.author_id", "in_reply_to_user_id"]
USER_FIELDS = ["username", "name", "public_metrics"]
PAGE_SIZE = 100
MAX_PAGES = 20  # 2,000 mentions per poll at most; the next poll reads on below the oldest one read


@dataclass
class PollResult:
    """What one poll did."""

    fetched: int
    pages: int
    newest_id: str | None


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


def poll_feed(
    feed: Feed,
    pacer: Pacer,
    queue: StreamQueue,
    uow_factory: UnitOfWorkFactory,
    clock: Clock,
    *,
    brand_handles: list[str],
    brand_ids: list[str],
) -> PollResult:
    """Fetch the feed's posts newer than its position, page by page, onto the stream; then move the position.

    The position moves only after every page is on the stream: a crash in between
    re-reads those posts, and the workers' dedupe makes the second delivery a no-op. If
    the stream itself was lost, `resume` starts again from the last safely stored post.
    A poll that stops after MAX_PAGES keeps its place, and the next one reads on from there.
    """
    with uow_factory() as uow:
        stored = FeedPosition.loads(uow.checkpoints.get(feed.checkpoint))
    position = resume(stored, queue)
    if position.since != stored.since:
        log.warning("the stream was lost: reading %s again from %s", feed.label, position.since)
    token: str | None = None
    newest: str | None = None
    oldest: str | None = None
    last_entry: str | None = None
    fetched = pages = 0
    finished = False
    while pages < MAX_PAGES:
        params: dict[str, Any] = {
            "max_results": PAGE_SIZE,
            "tweet_fields": TWEET_FIELDS,
            "expansions": EXPANSIONS,
            "user_fields": USER_FIELDS,
        }
        if position.since:
            params["since_id"] = position.since
        if position.until:
            params["until_id"] = position.until
        if token:
            params["pagination_token"] = token
        response = pacer.call(feed, params)
        pages += 1
        meta = response.meta or {}
        if newest is None and meta.get("newest_id"):
            newest = str(meta["newest_id"])
        if meta.get("oldest_id"):
            oldest = str(meta["oldest_id"])
        includes = response.includes or {}
        users = {str(u.id): u for u in includes.get("users", [])}
        referenced = {str(t.id): t for t in includes.get("tweets", [])}
        now = clock.now()
        items = [
            normalize_tweet(t, users, brand_handles, now, included_tweets=referenced, brand_ids=brand_ids)
            for t in response.data or []
        ]
        if items:
            last_entry = queue.add(to_entry(items))
            fetched += len(items)
        token = meta.get("next_token")
        if not token or position.first_run:  # first run: start from the newest page, not the whole history
            finished = True
            break
    if finished:
        moved = advanced(position, newest, last_entry)
    elif oldest is None:
        moved = position
    else:
        moved = part_way(position, newest, oldest, last_entry)
        log.info("%s: %d read this poll, reading on below %s next poll", feed.label, fetched, oldest)
    if moved != stored:
        with uow_factory() as uow:
            uow.checkpoints.set(feed.checkpoint, moved.dumps())
            uow.commit()
    level = logging.INFO if fetched else logging.DEBUG
    log.log(level, "polled X %s: %d new in %d page(s)", feed.label, fetched, pages)
    return PollResult(fetched=fetched, pages=pages, newest_id=newest)
