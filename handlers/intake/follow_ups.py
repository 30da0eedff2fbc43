"""Threading: a customer's follow-up lands on their existing case, not on a new card.

A follow-up is a reply to a tweet of the case (the customer's, or our reply), a tweet
in the same conversation, or a new tweet from the same author while their case is
open and younger than the window.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import timedelta

from handlers.domain.complaint import PRIVATE_VISIBILITIES, IncomingComplaint, OpenCase

REPLY = "reply in the thread"
CONVERSATION = "same conversation"
SAME_AUTHOR = "same customer, case still open"
PRIVATELY = "answered privately"  # how a private message's line in the card's thread begins
PRIVATE_NOTE = "our private message"  # how our own private messages are noted among a case's messages


@dataclass(frozen=True)
class Link:
    """The case a follow-up belongs to, and why."""

    case_id: int
    reason: str


def find_case(
    item: IncomingComplaint,
    *,
    by_tweet: Mapping[str, int],
    by_conversation: Mapping[str, int],
    by_author: Mapping[str, OpenCase],
    window: timedelta,
) -> Link | None:
    """The open case `item` follows up on, or None when it starts a new one.

    `by_tweet` maps tweet ids of open cases (their first tweet, follow-ups and our
    replies) to the case; `by_conversation` maps conversation ids; `by_author` the
    author's (lower-cased handle) newest open case.

    A private message (a DM, a chat message, a direct status) joins the case whose private conversation it is in
    (the index maps the conversations Squeaky opened too), else the customer's open case, whatever its age.
    """
    private = item.visibility in PRIVATE_VISIBILITIES
    link = None
    if item.in_reply_to_id and item.in_reply_to_id in by_tweet:
        link = Link(by_tweet[item.in_reply_to_id], REPLY)
    elif item.conversation_id and item.conversation_id in by_conversation:
        link = Link(by_conversation[item.conversation_id], CONVERSATION)
    elif (case := by_author.get(item.author_handle.lower())) is not None and (
        private or timedelta(0) <= item.created_at - case.created_at <= window
    ):
        link = Link(case.id, SAME_AUTHOR)
    if link is not None and private:
        return Link(link.case_id, f"{PRIVATELY}: {link.reason}")
    return link


def thread_keys(items: Iterable[IncomingComplaint]) -> set[str]:
    """What threading these posts reads and writes: their authors, themselves, and the posts and conversations they
    reply in. Two transactions sharing a key must not thread at once (a reply and its parent stored side by side by
    two workers would each miss the other and open two cases); sharing none, they may."""
    keys: set[str] = set()
    for item in items:
        keys.add(f"{item.source}:author:{item.author_handle.lower()}")
        keys.add(f"{item.source}:post:{item.external_id}")
        if item.conversation_id:
            keys.add(f"{item.source}:post:{item.conversation_id}")  # a conversation is named by its first post
        if item.in_reply_to_id:
            keys.add(f"{item.source}:post:{item.in_reply_to_id}")
    return keys
