"""The customers' chat messages to the brand on Bluesky, as a feed of the one feed engine: the brand's conversations
(chat.bsky.convo.listConvos, newest change first, through the PDS with the chat proxy header) and, in each that
changed since the kept position, its new messages (getMessages). A position is a conversation's `rev`, which only
grows. Our own messages are not read back; each customer's message becomes a private post (visibility `dm`) that
joins its case, never a card of its own."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.bluesky.client import BlueskySession
from bot.bluesky.feeds import _call
from bot.bluesky.normalize import SOURCE
from bot.network_feeds import NetworkFeed, Page
from bot.pacing import Pacer, local_pacer
from handlers.domain.complaint import PRIVATE_CHANNEL, IncomingComplaint
from handlers.ports.clock import Clock

PAGE_SIZE = 100  # the most listConvos and getMessages give at once


def _chat(client: Any) -> Any:
    return client.with_bsky_chat_proxy().chat.bsky.convo


def normalize_message(message: Any, convo: Any, now: datetime) -> IncomingComplaint:
    """A customer's chat message as a private post of the case's network."""
    sender = str(message.sender.did)
    member = next((m for m in convo.members if str(m.did) == sender), None)
    handle = str(getattr(member, "handle", None) or sender)
    try:
        sent = datetime.fromisoformat(str(message.sent_at).replace("Z", "+00:00"))
    except ValueError:
        sent = now
    return IncomingComplaint(
        source=SOURCE,
        external_id=f"dm:{message.id}",
        author_id=sender,
        author_handle=handle,
        author_name=str(getattr(member, "display_name", None) or handle),
        text=str(message.text or ""),
        created_at=sent,
        conversation_id=str(convo.id),
        visibility=PRIVATE_CHANNEL,
    )


def chat_feed(session: BlueskySession, clock: Clock, pacer: Pacer | None = None) -> NetworkFeed:
    """The brand account's conversations' new messages from customers."""
    paced = pacer or local_pacer()

    def messages_of(convo_id: str) -> Any:
        params = {"convo_id": convo_id, "limit": PAGE_SIZE}
        return _call(session, paced, lambda client: _chat(client).get_messages(params))

    def fetch(since: str | None, until: str | None, token: str | None) -> Page:
        token = token or until
        params: dict[str, Any] = {"limit": PAGE_SIZE} | ({"cursor": token} if token else {})
        page = _call(session, paced, lambda client: _chat(client).list_convos(params))
        convos = list(page.convos)
        changed = [c for c in convos if since is None or str(c.rev) > since]
        me, now, items = session.did, clock.now(), []
        for convo in changed:
            for message in messages_of(str(convo.id)).messages:
                sender = getattr(getattr(message, "sender", None), "did", None)
                rev = str(getattr(message, "rev", "") or "")
                if sender and sender != me and (since is None or rev > since) and getattr(message, "text", None):
                    items.append(normalize_message(message, convo, now))
        revs = [str(c.rev) for c in convos]
        reached = len(changed) < len(convos)
        next_token = None if reached or not page.cursor else str(page.cursor)
        return Page(items, max(revs, default=None), min(revs, default=None), next_token)

    return NetworkFeed(f"bsky:chat:{session.handle.lower()}", "Bluesky chat", fetch)
