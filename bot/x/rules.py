"""X's rules for a public reply: only to posts that mention or quote our account (as X enforces since February
2026), counted the X way, priced per post and higher for a post with a link."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from bot.pacing import LANES
from bot.x.length import XPostLength
from handlers.domain.complaint import Complaint
from handlers.ports.gateways import LengthRule, PostLength

SOURCE = "x"
_HANDLE = re.compile(r"[A-Za-z0-9_]{1,15}\Z")


@dataclass(frozen=True)
class XRules:
    """What X allows and charges."""

    per_post: float
    per_post_with_url: float
    network: str = "X"
    length: LengthRule = field(default_factory=XPostLength)
    not_allowed: str = (
        "A public reply is not possible here. X lets us reply only to posts that mention or quote our account, "
        "and this one does not. Move it to a ticket and reach the customer offline instead."
    )
    not_allowed_short: str = "it does not mention us"
    private_channel: str = "direct messages"

    def reply_allowed(self, complaint: Complaint) -> bool:
        """Only a post that mentions or quotes our account."""
        return complaint.mentions_us

    def cost(self, measured: PostLength) -> float:
        """A post with a link costs more."""
        return self.per_post_with_url if measured.links else self.per_post

    def profile_url(self, complaint: Complaint) -> str | None:
        """x.com/<handle>, for a real X handle."""
        handle = complaint.author_handle
        return f"https://x.com/{handle}" if _HANDLE.match(handle) else None

    @property
    def posting_limit(self) -> tuple[int, float]:
        """X lets one user post 100 times per 15 minutes."""
        return LANES["x.post"].windows[0].burst, LANES["x.post"].windows[0].seconds
