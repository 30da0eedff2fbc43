"""Ports for team leads and on-call: the team's settings (service levels, roster, spike memory) and statistics."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Protocol

from handlers.domain.availability import Availability
from handlers.domain.complaint import CardRef
from handlers.domain.late import LateAlert
from handlers.domain.queue_rules import QueueOverrides
from handlers.domain.roster import Roster
from handlers.domain.sla import SlaPolicy
from handlers.domain.spikes import SpikeState
from handlers.domain.stats import (
    CaseRecord,
    CsatRow,
    Dimension,
    Fairness,
    Period,
    SeriesPoint,
    StatsReport,
    Waiting,
)
from handlers.domain.storm import QueueWaiting, Storm


class TeamSettings(Protocol):
    """Settings team leads change from chat, kept in the database."""

    def sla_policies(self) -> dict[str, SlaPolicy]:
        """The service levels leads have set, by tier (defaults are not stored)."""
        ...

    def set_sla_policy(self, policy: SlaPolicy) -> None:
        """Set one tier's service level."""
        ...

    def roster(self, queue: str | None = None) -> Roster | None:
        """The on-call roster (the team's, or one queue's), or None when nobody has set one."""
        ...

    def set_roster(self, roster: Roster, queue: str | None = None) -> None:
        """Replace the on-call roster (the team's, or one queue's)."""
        ...

    def queue_overrides(self) -> dict[str, QueueOverrides]:
        """What leads changed of each queue's rules from the command."""
        ...

    def set_queue_overrides(self, queue: str, overrides: QueueOverrides) -> None:
        """Replace what leads changed of one queue's rules."""
        ...

    def spike_states(self) -> dict[str, SpikeState]:
        """What the spike detector remembers, by topic."""
        ...

    def set_spike_state(self, topic: str, state: SpikeState) -> None:
        """Remember one topic's detector state."""
        ...

    def announcement(self, key: str) -> CardRef | None:
        """Where the channel message for an alert was posted, if it was."""
        ...

    def remember_announcement(self, key: str, ref: CardRef) -> None:
        """Remember where an alert's channel message lives, to update it."""
        ...

    def availability(self) -> dict[str, Availability]:
        """The agents taking push assignments now, by person key."""
        ...

    def set_availability(self, person: str, availability: Availability | None) -> None:
        """Mark someone available for assignments (None: away)."""
        ...

    def last_assigned(self, queue: str) -> str | None:
        """Who the queue's round-robin last handed a complaint to."""
        ...

    def set_last_assigned(self, queue: str, person: str) -> None:
        """Remember who the queue's round-robin handed a complaint to last."""
        ...

    def storms(self) -> dict[str, Storm]:
        """The queues in storm mode, and what each storm remembers."""
        ...

    def set_storm(self, queue: str, storm: Storm | None) -> None:
        """Remember one queue's storm (None: it is over)."""
        ...

    def start_storm(self, queue: str, storm: Storm) -> bool:
        """Start a storm on `queue` unless one is on (False: one was); never fails for another worker's."""
        ...

    def late_alerts(self) -> dict[str, LateAlert]:
        """The open alerts for complaints past their service level, by queue."""
        ...

    def set_late_alert(self, queue: str, alert: LateAlert | None) -> None:
        """Remember one queue's open alert (None: it is closed)."""
        ...

    def installation(self, surface: str) -> Mapping[str, str]:
        """What a chat tool said of itself when Squeaky was added to it (its channel, its address); empty if nothing."""
        ...

    def remember_installation(self, surface: str, values: Mapping[str, str]) -> None:
        """Remember what a chat tool said when Squeaky was added to it."""
        ...


class TeamStats(Protocol):
    """Aggregates over complaints, for the stats command, its chart and the leads' dashboard."""

    def report(
        self,
        period: Period,
        policies: dict[str, SlaPolicy],
        by: Dimension | None,
        now: datetime,
        queue: str | None = None,
    ) -> StatsReport:
        """Volume, milestones, durations, service levels, backlog and busiest topics over `period` (on one queue
        when `queue` is given)."""
        ...

    def fairness(self, period: Period, queue: str | None = None) -> Fairness:
        """Waits to claim and to acknowledge by tier, and by follower band within each tier."""
        ...

    def cases(self, period: Period, queue: str | None = None) -> list[CaseRecord]:
        """Every case that arrived in `period` (on `queue`, or on any), oldest first."""
        ...

    def csat(self, period: Period, queue: str | None = None) -> list[CsatRow]:
        """Satisfaction over the cases closed in `period`: in all, and by queue, agent and network."""
        ...

    def series(self, period: Period, queue: str | None = None) -> list[SeriesPoint]:
        """Complaints received and median time to acknowledge, per step of `period.bucket` (on one queue)."""
        ...

    def waiting(self, limit: int, queue: str | None = None) -> list[Waiting]:
        """Unclaimed complaints (on `queue`, or on any) in the card queue's order: its rank (priority plus waiting
        time), then arrival."""
        ...

    def waiting_by_queue(self) -> dict[str, int]:
        """How many complaints wait for an owner on each queue."""
        ...

    def queue_waiting(self, queue: str) -> QueueWaiting:
        """How many complaints wait for an owner on `queue`, by tier and by topic, and since when the oldest."""
        ...

    def holders(self) -> list[tuple[str, int]]:
        """Who holds open complaints now, and how many each, most first."""
        ...

    def topic_counts(self, since: datetime) -> dict[str, int]:
        """Complaints received since `since`, by topic."""
        ...

    def examples(self, topic: str | None, since: datetime, limit: int) -> list[Waiting]:
        """The newest complaints on a topic (any topic when None) since `since`."""
        ...

    def roll_up(self, now: datetime) -> int:
        """Bring the precomputed aggregates up to date with every change so far; return how much was redone."""
        ...
