"""Turn X API v2 tweets (as tweepy returns them) into the core's IncomingComplaint."""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from bot.post_times import parse_time
from handlers.domain.complaint import IncomingComplaint

_HANDLE = re.compile(r"[A-Za-z0-9_]{1,15}\Z")


def tweet_url(handle: str, tweet_id: str) -> str | None:
    """The public address of a tweet, when the handle is a real X handle."""
    if _HANDLE.match(handle) and tweet_id.isdigit():
        return f"https://x.com/{handle}/status/{tweet_id}"
    return None


def _field(obj: Any, name: str) -> Any:
    if isinstance(obj, Mapping):
        return obj.get(name)
    data = getattr(obj, "data", None)
    if isinstance(data, Mapping):
        return data.get(name)
    return getattr(obj, name, None)


def readable_text(tweet: Any) -> str:
    """The post's text as people read it on X: t.co links shown as their address (`display_url`, or the whole
    `expanded_url` where X shortened the display), X's `&amp;` escapes undone."""
    text = html.unescape(str(_field(tweet, "text") or ""))  # X escapes only &, < and >: one unescape undoes it
    entities = _field(tweet, "entities") or {}
    links = entities.get("urls") if isinstance(entities, Mapping) else None
    for link in links or []:
        if not isinstance(link, Mapping) or not isinstance(link.get("url"), str):
            continue
        shown, expanded = link.get("display_url"), link.get("expanded_url")
        address = shown if isinstance(shown, str) and not shown.endswith("…") else expanded
        if isinstance(address, str):
            text = text.replace(link["url"], address)
    return text


def mentions_account(tweet: Any, handles: Iterable[str]) -> bool:
    """True if the tweet @-mentions one of `handles` (the entities when present, else the text)."""
    wanted = {h.lower() for h in handles}
    entities = _field(tweet, "entities") or {}
    mentions = entities.get("mentions") if isinstance(entities, Mapping) else None
    if mentions:
        return any(str(m.get("username", "")).lower() in wanted for m in mentions if isinstance(m, Mapping))
    text = str(_field(tweet, "text") or "").lower()
    return any(f"@{h}" in text for h in wanted)


def normalize_tweet(
    tweet: Any,
    users: Mapping[str, Any],
    brand_handles: Iterable[str],
    now: datetime,
    *,
    included_tweets: Mapping[str, Any] | None = None,
    brand_ids: Iterable[str] = (),
) -> IncomingComplaint:
    """One tweet plus the `includes` it refers to (users, referenced tweets), as a complaint.

    `brand_ids` are our accounts' X user ids, when known; accounts named in `brand_handles`
    that appear among `users` count too.
    """
    brands = {h.lower() for h in brand_handles}
    brand_ids = set(brand_ids) | {
        str(_field(u, "id")) for u in users.values() if str(_field(u, "username") or "").lower() in brands
    }
    tweet_id = str(_field(tweet, "id"))
    author_id = str(_field(tweet, "author_id") or "unknown")
    author = users.get(author_id)
    handle = str(_field(author, "username") or author_id) if author is not None else author_id
    name = str(_field(author, "name") or handle) if author is not None else handle
    metrics = _field(author, "public_metrics") if author is not None else None
    followers = metrics.get("followers_count") if isinstance(metrics, Mapping) else None
    in_reply_to = None
    is_retweet = quotes_us = False
    for ref in _field(tweet, "referenced_tweets") or []:
        kind, ref_id = _field(ref, "type"), str(_field(ref, "id"))
        if kind == "replied_to":
            in_reply_to = ref_id
        elif kind == "retweeted":
            is_retweet = True
        elif kind == "quoted":
            quoted = (included_tweets or {}).get(ref_id)
            quotes_us = quoted is not None and str(_field(quoted, "author_id")) in brand_ids
    reply_to_user = _field(tweet, "in_reply_to_user_id")
    replies_to_other = reply_to_user is not None and str(reply_to_user) not in brand_ids | {author_id}
    conversation = _field(tweet, "conversation_id")
    return IncomingComplaint(
        source="x",
        external_id=tweet_id,
        author_id=author_id,
        author_handle=handle,
        author_name=name,
        text=readable_text(tweet),
        created_at=parse_time(_field(tweet, "created_at"), now),
        url=tweet_url(handle, tweet_id),
        conversation_id=str(conversation) if conversation else None,
        in_reply_to_id=in_reply_to,
        mentions_us=mentions_account(tweet, brands),
        replies_to_other_user=replies_to_other,
        is_retweet=is_retweet,
        quotes_us=quotes_us,
        from_brand=handle.lower() in brands,
        author_followers=int(followers) if isinstance(followers, int) else None,
    )
