"""The customers' direct messages to the brand on X, as a feed of the one feed engine: DM events
(`GET /2/dm_events`, MessageCreate only, through tweepy as the brand account) newest first, read down to the kept
position (X's DM events take no since_id: a page is cut at the position here). Our own messages are not read back;
each customer's message becomes a private post (visibility `dm`) that joins its case, never a card of its own."""

from __future__ import annotations

import html
from typing import Any

import tweepy

from bot.network_feeds import NetworkFeed, Page
from bot.pacing import LANES, RateLimited, Refused
from bot.x.feeds import XReader, _transient, seconds_until_reset
from bot.x.rules import SOURCE
from handlers.domain.complaint import PRIVATE_CHANNEL, IncomingComplaint

DM_FIELDS = ["id", "text", "event_type", "sender_id", "dm_conversation_id", "created_at"]
PAGE_SIZE = 100


def normalize_dm(event: Any, users: dict[str, Any], now: Any) -> IncomingComplaint:
    """A customer's DM event as a private post of the case's network."""
    sender = str(event.sender_id)
    user = users.get(sender)
    return IncomingComplaint(
        source=SOURCE,
        external_id=f"dm:{event.id}",
        author_id=sender,
        author_handle=str(getattr(user, "username", None) or sender),
        author_name=str(getattr(user, "name", None) or getattr(user, "username", None) or sender),
        text=html.unescape(str(event.text or "")),
        created_at=event.created_at or now,
        conversation_id=str(event.dm_conversation_id) if event.dm_conversation_id else None,
        visibility=PRIVATE_CHANNEL,
    )


def dm_feed(client: tweepy.Client, brand_id: str, reader: XReader) -> NetworkFeed:
    """The brand account's DM events (the client must act as the brand: OAuth 1.0a user context)."""
    lane = LANES["x.dm_read"]

    def fetch(since: str | None, until: str | None, token: str | None) -> Page:
        token = token or until  # a pass cut short reads on from X's pagination token
        params: dict[str, Any] = {
            "dm_event_fields": DM_FIELDS,
            "event_types": "MessageCreate",
            "expansions": ["sender_id"],
            "user_fields": ["username", "name"],
            "max_results": PAGE_SIZE,
        } | ({"pagination_token": token} if token else {})
        try:
            ask = lambda: client.get_direct_message_events(**params)  # noqa: E731
            response = reader.pacer.call(lane, ask, _transient, first=reader.first_wait)
        except tweepy.TooManyRequests as exc:
            seconds = seconds_until_reset(exc)
            reader.pacer.pause(lane, "", seconds)
            raise RateLimited("X", seconds) from None
        except (tweepy.Unauthorized, tweepy.Forbidden) as exc:
            raise Refused(f"X refused to show our direct messages ({exc}); check X_ACCESS_TOKEN") from None
        events = list(response.data or [])
        ids = [str(e.id) for e in events]
        fresh = [e for e in events if since is None or int(e.id) > int(since)]
        users = {str(u.id): u for u in (response.includes or {}).get("users", [])}
        now = reader.clock.now()
        items = [normalize_dm(e, users, now) for e in fresh if str(e.sender_id) != brand_id]
        reached = len(fresh) < len(events)
        next_token = None if reached else (response.meta or {}).get("next_token")
        newest, oldest = max(ids, key=int, default=None), min(ids, key=int, default=None)
        return Page(items, newest, oldest, next_token)

    return NetworkFeed(f"x:dms:{brand_id}", "X direct messages", fetch)
