"""The private channel port: a network's way of talking to a customer away from the public timeline (an X direct
message, a Bluesky chat, a Mastodon direct post), as the brand account."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from handlers.domain.complaint import Complaint


@dataclass(frozen=True)
class PrivateSent:
    """A private message that is out: the conversation it is in, and its own id there."""

    conversation_id: str
    message_id: str


class PrivateGateway(Protocol):
    """One network's private channel to a customer."""

    def send_private(self, to: Complaint, text: str, key: str, *, again: bool) -> PrivateSent:
        """Send `text` privately to the complaint's author (`key`: the same for every try of this message); raise
        DeliveryFailed saying whether and when to try again, with the network's own refusal when it will not (their
        DMs closed, chat off).

        `again`: an earlier try may have landed; a network without idempotency keys looks for it before sending.
        """
        ...
