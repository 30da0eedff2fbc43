"""Service levels per customer tier: how soon a complaint must be claimed and publicly acknowledged, and who is
pinged when it is not. Pure arithmetic on stored times, so timers survive any restart."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import IntEnum
from typing import Protocol


@dataclass(frozen=True)
class SlaPolicy:
    """A tier's service level: minutes to claim, minutes to acknowledge publicly, and whether arrival pages."""

    tier: str
    claim_minutes: int
    ack_minutes: int
    page_on_arrival: bool = False

    @property
    def claim_within(self) -> timedelta:
        """How long a complaint of this tier may wait for an owner."""
        return timedelta(minutes=self.claim_minutes)

    @property
    def ack_within(self) -> timedelta:
        """How long a complaint of this tier may wait for a public acknowledgement."""
        return timedelta(minutes=self.ack_minutes)


DEFAULT_POLICIES: dict[str, SlaPolicy] = {
    "vip": SlaPolicy("vip", claim_minutes=5, ack_minutes=15, page_on_arrival=True),
    "standard": SlaPolicy("standard", claim_minutes=60, ack_minutes=240),
}


def policy_for(policies: dict[str, SlaPolicy], tier: str) -> SlaPolicy:
    """The tier's policy; a tier without one follows "standard"."""
    return policies.get(tier) or policies.get("standard") or DEFAULT_POLICIES["standard"]


def with_defaults(stored: dict[str, SlaPolicy]) -> dict[str, SlaPolicy]:
    """The default policies overridden by what leads have set."""
    return {**DEFAULT_POLICIES, **stored}


class Stage(IntEnum):
    """How far an unclaimed complaint has been escalated: each step happens once, in order."""

    NONE = 0
    ARRIVAL = 1  # on-call told on arrival (tiers that page on arrival)
    ON_CALL = 2  # on-call paged: past the claim deadline
    LEADS = 3  # the lead group pinged in the channel: still unclaimed a while after that


class Clock(Protocol):
    """When open time adds up to a wait (handlers.domain.hours.BusinessHours; the default counts every minute)."""

    def deadline(self, start: datetime, within: timedelta) -> datetime:
        """When `within` of counted time has passed since `start`."""
        ...


class _Always:
    def deadline(self, start: datetime, within: timedelta) -> datetime:
        return start + within


def due_stage(
    waiting_since: datetime, policy: SlaPolicy, leads_after: timedelta, now: datetime, hours: Clock | None = None
) -> Stage:
    """The escalation an unclaimed complaint, waiting for an owner since `waiting_since`, has earned by `now`, its
    clock running only in `hours` (the queue's business hours) when given."""
    hours = hours or _Always()
    if now >= hours.deadline(waiting_since, policy.claim_within + leads_after):
        return Stage.LEADS
    if now >= hours.deadline(waiting_since, policy.claim_within):
        return Stage.ON_CALL
    return Stage.ARRIVAL if policy.page_on_arrival else Stage.NONE
