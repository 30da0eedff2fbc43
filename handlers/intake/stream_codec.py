"""How normalized complaints travel on the stream: a batch of flat mappings per entry, checked on the way back.

One entry carries what one source delivered at once (a page of mentions, an intake
request, a chunk of a replay): the stream's cost is per entry, not per post.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from handlers.domain.complaint import IncomingComplaint

_REQUIRED = ("source", "external_id", "author_id", "author_handle", "text", "created_at")
_OPTIONAL = ("url", "conversation_id", "in_reply_to_id", "post_cid", "visibility", "author_url")
_FLAGS = ("mentions_us", "replies_to_other_user", "is_retweet", "quotes_us", "from_brand")


class MalformedEntry(ValueError):
    """A stream entry that is not a complaint we can read; the message says what is wrong."""


def to_payload(incoming: IncomingComplaint) -> dict[str, str]:
    """Flatten a complaint for the stream."""
    payload = {
        "source": incoming.source,
        "external_id": incoming.external_id,
        "author_id": incoming.author_id,
        "author_handle": incoming.author_handle,
        "author_name": incoming.author_name,
        "text": incoming.text,
        "created_at": incoming.created_at.isoformat(),
    }
    payload.update({name: "1" if getattr(incoming, name) else "0" for name in _FLAGS})
    payload.update({name: getattr(incoming, name) for name in _OPTIONAL if getattr(incoming, name) is not None})
    if incoming.author_followers is not None:
        payload["author_followers"] = str(incoming.author_followers)
    return payload


def from_payload(payload: Mapping[str, Any]) -> IncomingComplaint:
    """Read a complaint back from the stream, or raise MalformedEntry naming what is wrong."""
    missing = [name for name in _REQUIRED if not isinstance(payload.get(name), str) or not payload.get(name)]
    if missing:
        raise MalformedEntry(f"missing or empty field(s): {', '.join(missing)}")
    try:
        created_at = datetime.fromisoformat(payload["created_at"])
    except ValueError as exc:
        raise MalformedEntry(f"created_at is not an ISO 8601 time: {payload['created_at']!r}") from exc
    if created_at.tzinfo is None:
        raise MalformedEntry(f"created_at has no time zone: {payload['created_at']!r}")
    followers = payload.get("author_followers")
    if followers is not None and not str(followers).isdigit():
        raise MalformedEntry(f"author_followers is not a count: {followers!r}")
    optional = {name: str(payload[name]) if payload.get(name) else None for name in _OPTIONAL}
    return IncomingComplaint(
        source=payload["source"],
        external_id=payload["external_id"],
        author_id=payload["author_id"],
        author_handle=payload["author_handle"],
        author_name=str(payload.get("author_name") or payload["author_handle"]),
        text=payload["text"],
        created_at=created_at,
        url=optional["url"],
        conversation_id=optional["conversation_id"],
        in_reply_to_id=optional["in_reply_to_id"],
        post_cid=optional["post_cid"],
        visibility=optional["visibility"],
        author_url=optional["author_url"],
        mentions_us=payload.get("mentions_us", "1") != "0",
        replies_to_other_user=payload.get("replies_to_other_user") == "1",
        is_retweet=payload.get("is_retweet") == "1",
        quotes_us=payload.get("quotes_us") == "1",
        from_brand=payload.get("from_brand") == "1",
        author_followers=int(followers) if followers is not None else None,
    )


def to_entry(items: list[IncomingComplaint]) -> dict[str, Any]:
    """One stream entry for a batch of complaints."""
    return {"posts": [to_payload(item) for item in items]}


def from_entry(payload: Mapping[str, Any]) -> tuple[list[IncomingComplaint], list[str]]:
    """The complaints in a stream entry, and a reason for each that could not be read.

    A single complaint's mapping (the older one-post-per-entry shape) reads as a batch of one.
    """
    raw = payload.get("posts") if "posts" in payload else [payload]
    if not isinstance(raw, list):
        return [], ["posts is not a list"]
    items: list[IncomingComplaint] = []
    problems: list[str] = []
    for n, post in enumerate(raw):
        try:
            if not isinstance(post, Mapping):
                raise MalformedEntry("not a mapping")
            items.append(from_payload(post))
        except MalformedEntry as exc:
            problems.append(f"post {n}: {exc}")
    return items, problems
