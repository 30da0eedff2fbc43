"""The priority policy, in one place: the customer's tier, urgency and waiting time decide the order.

Follower count is not a factor unless the policy turns it on: a public complaint must
not buy a faster queue than the phone line gives.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property

from handlers.intake.patterns import any_of

# A follow-up's line in its card's thread ranks this far below its case: an unseen case of a tier goes before
# more lines on a seen one (whose card already shows the follow-up count, updated in another lane).
FOLLOWUP_LINE_POINTS = -25


@dataclass(frozen=True)
class PriorityPolicy:
    """Points for each factor; the score is their sum, and waiting time adds to it as the complaint ages."""

    tier_points: dict[str, int] = field(default_factory=lambda: {"vip": 50, "elite": 30, "standard": 0})
    urgency_points: int = 30
    urgency_patterns: tuple[re.Pattern[str], ...] = ()
    aging_points_per_hour: float = 6.0
    marked_noise_points: int = -40
    follower_points_per_decade: int = 0  # 0: follower count plays no part (the default)

    @cached_property
    def any_urgent(self) -> re.Pattern[str] | None:
        """One expression that matches where any urgency pattern does (compiled once; None: ask them in turn)."""
        return any_of(self.urgency_patterns)


@dataclass(frozen=True)
class Priority:
    """A score and the reasons for it, in words an agent reads on the card."""

    score: int
    reasons: tuple[str, ...]


def assess(
    policy: PriorityPolicy, *, tier: str, text: str, noise_rule: str | None = None, followers: int | None = None
) -> Priority:
    """The complaint's priority on arrival, and why."""
    score, reasons = 0, []
    tier_points = policy.tier_points.get(tier, 0)
    if tier_points:
        score += tier_points
        reasons.append(f"{tier.upper()} tier (+{tier_points})")
    prefilter = policy.any_urgent
    urgent = policy.urgency_patterns if prefilter is None or prefilter.search(text) else ()
    for pattern in urgent:  # the first pattern in the policy's order names the reason
        match = pattern.search(text)
        if match:
            score += policy.urgency_points
            reasons.append(f"urgent: “{match.group(0).lower()}” (+{policy.urgency_points})")
            break
    if noise_rule is not None and policy.marked_noise_points:
        score += policy.marked_noise_points
        reasons.append(f"{noise_rule} ({policy.marked_noise_points:+d})")
    if policy.follower_points_per_decade and followers:
        points = int(policy.follower_points_per_decade * math.log10(max(1, followers)))
        if points:
            score += points
            reasons.append(f"{followers:,} followers (+{points})")
    return Priority(score, tuple(reasons))


def queue_rank(policy: PriorityPolicy, score: int, posted_at: datetime) -> float:
    """A time-independent sort key: ordering by it equals ordering by score plus aging at any moment, the wait
    counted from the customer's post (so equal scores go in the order the customers posted).

    score + rate * (now - posted) = (score - rate * posted) + rate * now, and the last
    term is the same for every complaint, so the first term alone orders the queue.
    """
    return score - policy.aging_points_per_hour * posted_at.timestamp() / 3600
