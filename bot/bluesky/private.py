"""The private hand-off on Bluesky: a chat message from the brand account (chat.bsky.convo.getConvoForMembers, then
sendMessage), through the PDS with the chat service's proxy header (`atproto-proxy: did:web:api.bsky.chat#bsky_chat`),
which needs an app password with DM access. Where the customer's chat setting (`allowIncoming`, by default only the
accounts they follow) keeps the brand out, the chat service says so and its words reach the card. The chat service
takes no idempotency key: a retry after an answer that never came first reads the conversation for our message."""

from __future__ import annotations

from typing import Any

from atproto_client import models

from bot.bluesky.replies import BlueskyReplies
from handlers.domain.complaint import Complaint
from handlers.ports.gateways import DeliveryFailed
from handlers.ports.private import PrivateSent

_WHAT = "private message"
_REFUSED = f"Bluesky refused the {_WHAT}: "


class BlueskyPrivate(BlueskyReplies):
    """Chat messages as the brand account, inside Bluesky's request budget; answers mapped as its replies' are."""

    def send_private(self, to: Complaint, text: str, key: str, *, again: bool) -> PrivateSent:
        """Open (or find) the conversation with the complaint's author and send `text` there, once."""
        del key  # the chat service keeps none: a retry looks for the message instead
        if not to.author_id.startswith("did:"):
            raise DeliveryFailed("The customer's Bluesky account is not known by its DID", permanent=True)
        convo_id = self._chat(lambda chat: chat.get_convo_for_members({"members": [to.author_id]})).convo.id
        if again and (found := self._find(str(convo_id), text)) is not None:
            return found
        message = models.ChatBskyConvoDefs.MessageInput(text=text)
        sent = self._chat(lambda chat: chat.send_message({"convo_id": convo_id, "message": message}))
        return PrivateSent(conversation_id=str(convo_id), message_id=str(sent.id))

    def _find(self, convo_id: str, text: str) -> PrivateSent | None:
        """Our message with this text among the conversation's latest, if an earlier try sent it."""
        page = self._chat(lambda chat: chat.get_messages({"convo_id": convo_id, "limit": 100}))
        me = self._session.did
        for message in page.messages:
            sender = getattr(getattr(message, "sender", None), "did", None)
            if sender == me and getattr(message, "text", None) == text:
                return PrivateSent(conversation_id=convo_id, message_id=str(message.id))
        return None

    def _chat(self, call: Any) -> Any:
        """One chat call through the PDS with the chat proxy header; a refusal in the chat service's own words."""
        try:
            return self._guarded(_WHAT, lambda client: call(client.with_bsky_chat_proxy().chat.bsky.convo))
        except DeliveryFailed as exc:
            if exc.permanent and exc.reason.startswith(_REFUSED):
                raise DeliveryFailed(exc.reason.removeprefix(_REFUSED), permanent=True) from None
            raise
