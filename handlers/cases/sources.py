"""The social sources' rules, by source: what the card and the forms ask before offering a public reply."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from handlers.domain.complaint import Complaint
from handlers.ports.gateways import LengthRule, PostLength, SourceRules


@dataclass(frozen=True)
class OpenSource:
    """A source with no rule of its own (an intake from another network): a reply is allowed and costs nothing here,
    counted as `length` counts it."""

    network: str
    length: LengthRule
    not_allowed: str = ""
    not_allowed_short: str = ""
    private_channel: str = ""  # none that Squeaky knows of

    def reply_allowed(self, complaint: Complaint) -> bool:
        """Always: the source sets no condition."""
        return True

    def cost(self, measured: PostLength) -> float:
        """Nothing that Squeaky knows of."""
        return 0.0

    @property
    def posting_limit(self) -> None:
        """None that Squeaky knows of."""
        return None

    def profile_url(self, complaint: Complaint) -> str | None:
        """None: the network's addresses are not known here."""
        return None


@dataclass(frozen=True)
class Sources:
    """Each social source's rules; `other` for sources with none of their own."""

    by_source: Mapping[str, SourceRules]
    other: SourceRules

    def of(self, source: str) -> SourceRules:
        """The rules of `source`."""
        return self.by_source.get(source, self.other)

    def reply_allowed(self, complaint: Complaint) -> bool:
        """Whether the complaint's source lets us reply publicly to it."""
        return self.of(complaint.source).reply_allowed(complaint)
