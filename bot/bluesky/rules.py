"""Bluesky's rules for a public reply: allowed unless the thread's gate keeps us out, 300 graphemes, and free."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.bluesky.length import BlueskyPostLength
from bot.bluesky.normalize import REPLIES_CLOSED, profile_url
from bot.pacing import LANES
from handlers.domain.complaint import Complaint
from handlers.ports.gateways import LengthRule, PostLength

# The PDS's documented write limit: 5,000 points an hour, a created record costing 3.


@dataclass(frozen=True)
class BlueskyRules:
    """What Bluesky allows: a reply to any post whose thread gate lets us in; posting costs nothing."""

    network: str = "Bluesky"
    length: LengthRule = field(default_factory=BlueskyPostLength)
    not_allowed: str = (
        "A public reply is not possible here: whoever started this thread on Bluesky limited who may reply, and "
        "our account is not among them. Move it to a ticket and reach the customer offline instead."
    )
    not_allowed_short: str = "the thread's replies are limited"
    private_channel: str = "chat"

    def reply_allowed(self, complaint: Complaint) -> bool:
        """Unless the thread's gate keeps us out."""
        return complaint.visibility != REPLIES_CLOSED

    def cost(self, measured: PostLength) -> float:
        """Nothing: Bluesky does not charge for posting."""
        return 0.0

    def profile_url(self, complaint: Complaint) -> str | None:
        """bsky.app/profile/<did>: a DID never changes, a handle may (or stop verifying: `handle.invalid`)."""
        return profile_url(complaint.author_id, complaint.author_handle)

    @property
    def posting_limit(self) -> tuple[int, float]:
        """About 1,666 posts an hour (5,000 write points, 3 a post)."""
        return LANES["bluesky.create"].windows[0].burst, LANES["bluesky.create"].windows[0].seconds
