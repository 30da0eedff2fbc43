"""Mastodon's rules for a public reply: only to a post that was public, counted the Mastodon way, and free."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.mastodon.length import MastodonPostLength
from bot.mastodon.normalize import PUBLIC_VISIBILITIES, profile_url
from bot.pacing import LANES
from handlers.domain.complaint import Complaint
from handlers.ports.gateways import LengthRule, PostLength

# Mastodon's documented default: 300 statuses per 3 hours per account.


@dataclass(frozen=True)
class MastodonRules:
    """What Mastodon allows: a public reply only where the customer posted publicly; posting costs nothing."""

    length: LengthRule = field(default_factory=MastodonPostLength)
    network: str = "Mastodon"
    not_allowed: str = (
        "A public reply is not possible here: the customer wrote this as a direct or followers-only post, and "
        "answering it in public would show their words to everyone. Move it to a ticket and reach them privately."
    )
    not_allowed_short: str = "it was not posted publicly"
    private_channel: str = "a direct post"

    def reply_allowed(self, complaint: Complaint) -> bool:
        """Only to a public or unlisted post."""
        return (complaint.visibility or "public") in PUBLIC_VISIBILITIES

    def cost(self, measured: PostLength) -> float:
        """Nothing: Mastodon does not charge for posting."""
        return 0.0

    def profile_url(self, complaint: Complaint) -> str | None:
        """The profile's address as the instance gave it (`url`), which need not be on the handle's domain; for a
        complaint stored without it, https://<handle's domain>/@<user>."""
        return profile_url(complaint.author_handle, complaint.author_url)

    @property
    def posting_limit(self) -> tuple[int, float]:
        """300 statuses per 3 hours, Mastodon's default."""
        return LANES["mastodon.post"].windows[0].burst, LANES["mastodon.post"].windows[0].seconds
