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
    i = incoming
    payload = {
        "source": i.source,
        "external_id": i.external_id,
        "author_id": i.author_id,
        "author_handle": i.author_handle,
        "author_name": i.author_name,
        "text": i.text,
        "created_at": i.created_at.isoformat(),
        "mentions_us": "1" if i.mentions_us else "0",
        "replies_to_other_user": "1" if i.replies_to_other_user else "0",
        "is_retweet": "1" if i.is_retweet else "0",
        "quotes_us": "1" if i.quotes_us else "0",
        "from_brand": "1" if i.from_brand else "0",
    }  # the flags are _FLAGS, the optional fields _OPTIONAL: written out, as this runs for every post
    for name, value in (
        ("url", i.url),
        ("conversation_id", i.conversation_id),
        ("in_reply_to_id", i.in_reply_to_id),
        ("post_cid", i.post_cid),
        ("visibility", i.visibility),
        ("author_url", i.author_url),
    ):
        if value is not None:
            payload[name] = value
    if i.author_followers is not None:
        payload["author_followers"] = str(i.author_followers)
    return payload


def from_payload(payload: Mapping[str, Any]) -> IncomingComplaint:
    """Read a complaint back from the stream, or raise MalformedEntry naming what is wrong."""
    get = payload.get
    source, external_id, author_id = get("source"), get("external_id"), get("author_id")
    author_handle, text, created = get("author_handle"), get("text"), get("created_at")
    if not (  # checked field by field, as this runs for every post; the message below names each that fails
        type(source) is str
        and source
        and type(external_id) is str
        and external_id
        and type(author_id) is str
        and author_id
        and type(author_handle) is str
        and author_handle
        and type(text) is str
        and text
        and type(created) is str
        and created
    ):
        values = (source, external_id, author_id, author_handle, text, created)
        missing = [
            name for name, value in zip(_REQUIRED, values, strict=True) if not isinstance(value, str) or not value
        ]
        if missing:
            raise MalformedEntry(f"missing or empty field(s): {', '.join(missing)}")
        source, external_id, author_id, author_handle, text, created = (str(value) for value in values)
    try:
        created_at = datetime.fromisoformat(created)
    except ValueError as exc:
        raise MalformedEntry(f"created_at is not an ISO 8601 time: {created!r}") from exc
    if created_at.tzinfo is None:
        raise MalformedEntry(f"created_at has no time zone: {created!r}")
    followers = get("author_followers")
    if followers is not None and not str(followers).isdigit():
        raise MalformedEntry(f"author_followers is not a count: {followers!r}")
    url, conversation, reply_to = get("url"), get("conversation_id"), get("in_reply_to_id")
    cid, visibility, author_url = get("post_cid"), get("visibility"), get("author_url")  # the _OPTIONAL fields
    return IncomingComplaint(
        source,
        external_id,
        author_id,
        author_handle,
        str(get("author_name") or author_handle),
        text,
        created_at,
        url=str(url) if url else None,
        conversation_id=str(conversation) if conversation else None,
        in_reply_to_id=str(reply_to) if reply_to else None,
        post_cid=str(cid) if cid else None,
        visibility=str(visibility) if visibility else None,
        author_url=str(author_url) if author_url else None,
        mentions_us=get("mentions_us", "1") != "0",
        replies_to_other_user=get("replies_to_other_user") == "1",
        is_retweet=get("is_retweet") == "1",
        quotes_us=get("quotes_us") == "1",
        from_brand=get("from_brand") == "1",
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
