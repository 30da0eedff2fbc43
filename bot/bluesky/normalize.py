"""Turn Bluesky posts (notifications and search hits, as the atproto SDK returns them) into the core's
IncomingComplaint."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from bot.post_times import parse_time
from handlers.domain.complaint import IncomingComplaint

SOURCE = "bsky"
REPLIES_CLOSED = "replies-closed"  # the thread's gate keeps us from replying (the viewer's replyDisabled)
_HANDLE = re.compile(r"[a-z0-9][a-z0-9.-]{0,252}\Z", re.IGNORECASE)
_DID = re.compile(r"did:(plc|web):[A-Za-z0-9._:%-]{1,2048}\Z")
_POST_URI = re.compile(r"at://([^/]+)/app\.bsky\.feed\.post/([A-Za-z0-9._:~-]{1,512})\Z")


def post_url(uri: str) -> str | None:
    """The post's page on bsky.app, from its at:// URI, by its author's DID (which the URI names, and which still
    works when the handle changed or no longer verifies)."""
    match = _POST_URI.match(uri)
    if match is None or not (_DID.match(match.group(1)) or _HANDLE.match(match.group(1))):
        return None
    return f"https://bsky.app/profile/{match.group(1)}/post/{match.group(2)}"


def profile_url(did: str, handle: str) -> str | None:
    """The customer's profile on bsky.app: by DID where known, else by handle."""
    if _DID.match(did):
        return f"https://bsky.app/profile/{did}"
    return f"https://bsky.app/profile/{handle}" if _HANDLE.match(handle) and handle != "handle.invalid" else None


def _mentions(record: Any, brand_did: str | None, brand_handle: str) -> bool:
    """Whether the post's mention facets point at our account (by DID), or its text names our handle."""
    for facet in getattr(record, "facets", None) or []:
        for feature in getattr(facet, "features", None) or []:
            if brand_did and getattr(feature, "did", None) == brand_did:
                return True
    return f"@{brand_handle.lower()}" in str(getattr(record, "text", "") or "").lower()


def normalize_post(
    post: Any, *, brand_handle: str, brand_did: str | None, now: datetime, reason: str | None = None
) -> IncomingComplaint:
    """One Bluesky post as a complaint: a notification (`reason`: mention, reply, quote) or a search hit.

    Its text is the record's plain text: facets (links and mentions by byte range) are not
    applied, so no post can make the card show a link or a mention that the customer's
    words do not spell out.
    """
    author, record = post.author, post.record
    handle = str(author.handle)
    uri = str(post.uri)
    reply = getattr(record, "reply", None)
    parent = str(reply.parent.uri) if reply is not None else None
    root = str(reply.root.uri) if reply is not None else uri
    viewer = getattr(post, "viewer", None)
    closed = bool(getattr(viewer, "reply_disabled", False))
    ours = brand_did is not None and str(author.did) == brand_did
    return IncomingComplaint(
        source=SOURCE,
        external_id=uri,
        author_id=str(author.did),
        author_handle=handle,
        author_name=str(getattr(author, "display_name", None) or handle),
        text=str(getattr(record, "text", "") or ""),
        created_at=parse_time(getattr(record, "created_at", None), now),
        url=post_url(uri),
        conversation_id=root,
        in_reply_to_id=parent,
        mentions_us=reason in ("mention", "reply", "quote") or _mentions(record, brand_did, brand_handle),
        post_cid=str(post.cid),
        visibility=REPLIES_CLOSED if closed else None,
        from_brand=ours or handle.lower() == brand_handle.lower(),
        author_followers=getattr(author, "followers_count", None),
    )
